"""`python -m tests.integration.drop_one_record KEY streamapp-args...`: the real
`streamapp` command, except that Faust's fetch loop silently loses the first record
whose key is KEY, once: what Faust 0.15.3 was seen to do after a rebalance (see
streamapp/head_watch.py). Everything else is the product, unchanged."""

from __future__ import annotations

import sys

from faust.transport.consumer import Consumer


def drop_once(key: bytes) -> None:
    fetch = Consumer.getmany
    dropped = False

    async def getmany(self, timeout):  # type: ignore[no-untyped-def]
        nonlocal dropped
        async for tp, message in fetch(self, timeout):
            if not dropped and message.key == key:
                dropped = True
                print(f"test: dropped {tp.topic}[{tp.partition}]@{message.offset}", flush=True)
                continue
            yield tp, message

    Consumer.getmany = getmany  # type: ignore[method-assign]


if __name__ == "__main__":
    drop_once(sys.argv[1].encode())
    from streamapp.cli import main

    sys.argv = ["streamapp", *sys.argv[2:]]
    sys.exit(main())
