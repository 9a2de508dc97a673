"""`python -m tests.harness.faulty_worker FAULT KEY streamapp-args...`: the real
`streamapp` command with one fault injected at the record whose key (post id) is KEY.
Everything else is the product, unchanged.

- `drop`: Faust's fetch loop silently loses that record, once: what Faust 0.15.3 was
  seen to do after a rebalance (streamapp/delivery/head_watch.py).
- `lose-changelog`: KEY is a topic name's ending; every record of such a topic is lost
  in the fetch loop until the partition is sought again: a table recovery that stalls
  the way we saw Faust's stall ("No event received for active tp").
- `die-after-contributions`: the worker SIGKILLs itself once the partial aggregates of
  the batch holding that post have reached Kafka, before the marks saying so are
  written: the narrowest crash window of the window counts (streamapp/delivery/takeovers.py).
- `fail-twice` / `poison`: the classification agent's body raises on a batch holding that
  post, twice or always (streamapp/runtime/agent_supervision.py).
- `cancel-agent`: that agent's task is cancelled once while it handles that post.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from faust.transport.consumer import Consumer


def lose_in_fetch(lost: Callable[[Any, Any], bool]) -> None:
    """Faust's fetch loop silently skips every record for which `lost(tp, message)`."""
    fetch = Consumer.getmany

    async def getmany(self, timeout):  # type: ignore[no-untyped-def]
        async for tp, message in fetch(self, timeout):
            if lost(tp, message):
                print(f"test: lost {tp.topic}[{tp.partition}]@{message.offset}", flush=True)
                continue
            yield tp, message

    Consumer.getmany = getmany  # type: ignore[method-assign]


def drop(key: bytes) -> None:
    dropped = False

    def first_with_key(tp: Any, message: Any) -> bool:
        nonlocal dropped
        hit = not dropped and message.key == key
        dropped = dropped or hit
        return hit

    lose_in_fetch(first_with_key)


def lose_changelog(suffix: bytes) -> None:
    seek = Consumer.seek
    sought: set = set()

    async def seek_and_stop_losing(self, partition, offset):  # type: ignore[no-untyped-def]
        sought.add(partition)
        return await seek(self, partition, offset)

    lose_in_fetch(lambda tp, _: tp.topic.endswith(suffix.decode()) and tp not in sought)
    Consumer.seek = seek_and_stop_losing  # type: ignore[method-assign]


def die_after_contributions(key: bytes) -> None:
    import streamapp.delivery.already_delivered as delivered
    from streamapp.analytics.windows import ContributionBuilder

    add_signal = ContributionBuilder.add_signal
    marks_value = delivered.marks_value
    armed = False

    def add_signal_watching(self, event_id, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal armed
        armed = armed or event_id == key.decode()
        return add_signal(self, event_id, *args, **kwargs)

    def marks_value_or_die(ranges, at):  # type: ignore[no-untyped-def]
        if armed:  # commit() calls this after the partials were acknowledged
            print("test: dying after the contributions, before the marks", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        return marks_value(ranges, at)

    ContributionBuilder.add_signal = add_signal_watching  # type: ignore[method-assign]
    delivered.marks_value = marks_value_or_die


def failing_batches(key: bytes, times: int | None) -> None:
    """The classification agent's body raises on a batch holding that post: `times`
    times, or on every try (None). A bug of ours, as the agent's guard meets one."""
    import streamapp.agents.classify_posts as classify_posts

    classify_batch = classify_posts.classify_batch
    failures = 0

    async def classify_or_fail(ctx, events):  # type: ignore[no-untyped-def]
        nonlocal failures
        if any(e.message.key == key for e in events) and (times is None or failures < times):
            failures += 1
            print(f"test: failing a batch of {len(events)} ({failures})", flush=True)
            raise RuntimeError("injected bug")
        return await classify_batch(ctx, events)

    classify_posts.classify_batch = classify_or_fail


def cancel_agent(key: bytes) -> None:
    """The classification agent's task is cancelled once, from inside, on that post."""
    import asyncio

    import streamapp.agents.classify_posts as classify_posts

    classify_batch = classify_posts.classify_batch
    cancelled = False

    async def classify_or_cancel(ctx, events):  # type: ignore[no-untyped-def]
        nonlocal cancelled
        if not cancelled and any(e.message.key == key for e in events):
            cancelled = True
            print("test: cancelling the agent's task", flush=True)
            task = asyncio.current_task()
            assert task is not None
            task.cancel()
            await asyncio.sleep(1)
        return await classify_batch(ctx, events)

    classify_posts.classify_batch = classify_or_cancel


FAULTS = {
    "fail-twice": lambda key: failing_batches(key, 2),
    "poison": lambda key: failing_batches(key, None),
    "cancel-agent": cancel_agent,
    "drop": drop,
    "lose-changelog": lose_changelog,
    "die-after-contributions": die_after_contributions,
}

if __name__ == "__main__":
    FAULTS[sys.argv[1]](sys.argv[2].encode())
    from streamapp.cli import main

    sys.argv = ["streamapp", *sys.argv[3:]]
    sys.exit(main())
