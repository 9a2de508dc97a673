"""One line instead of a traceback when a short-lived command cannot reach its server.

`streamapp alerts`, `simulate`, `replay` (Kafka) and `sql` (the warehouse) connect once
and are no use without the server: they raise `Unreachable`, and `streamapp.cli.main`
prints it as one line (what, where, the setting that named it, why, what to check) and
exits 1. Nothing in the line is a secret: addresses and setting names only.

`start_client` starts an aiokafka client within `CONNECT_TIMEOUT_S` (a blackholed
address would otherwise hang for aiokafka's 40 s request timeout per bootstrap server)
and stops it again when the start failed, so no "Unclosed AIOKafka..." warning follows.
`held_logs` keeps the clients' own per-attempt log lines back while they connect: the
reasons go into the one line instead, and a start that succeeds passes them on as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

# How long a short-lived command waits for its broker or warehouse to answer.
CONNECT_TIMEOUT_S = 15.0
BOOTSTRAP_SETTING = "KAFKA_BOOTSTRAP_SERVERS"


class Unreachable(Exception):
    """A server a command needs did not answer; `str()` is the line `main()` prints."""

    def __init__(self, what: str, address: str, setting: str, reason: str, check: str) -> None:
        super().__init__(what, address, setting, reason, check)
        self.what, self.address, self.setting = what, address, setting
        self.reason, self.check = reason, check  # `check` may say "{setting}"

    def __str__(self) -> str:
        reason = " ".join(self.reason.split()) or "no answer"
        check = self.check.replace("{setting}", self.setting)
        return f"cannot reach {self.what} at {self.address} ({self.setting}): {reason}; {check}"


class KafkaUnreachable(Unreachable):
    def __init__(self, bootstrap: str, reason: str, setting: str = BOOTSTRAP_SETTING) -> None:
        check = "check that the broker is up, reachable from here and at the address in {setting}"
        super().__init__("Kafka", bootstrap, setting, reason, check)


class _Held(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_holding: dict[str, tuple[int, bool]] = {}  # logger name -> (open blocks, its propagate)


@contextlib.contextmanager
def held_logs(*names: str) -> Iterator[list[logging.LogRecord]]:
    """What these loggers (and their children) log inside the block is held back: passed
    on when the block succeeds, dropped when it raises (its exception says it instead)."""
    held = _Held()
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        # Blocks can overlap (two clients starting at once): only the first one in saves
        # the logger's `propagate`, and only the last one out restores it.
        depth, flag = _holding.get(logger.name, (0, logger.propagate))
        _holding[logger.name] = (depth + 1, flag)
        logger.addHandler(held)
        logger.propagate = False
    try:
        yield held.records
    finally:
        for logger in loggers:
            logger.removeHandler(held)
            depth, flag = _holding.pop(logger.name)
            if depth > 1:
                _holding[logger.name] = (depth - 1, flag)
            else:
                logger.propagate = flag
    for record in held.records:
        logging.getLogger(record.name).handle(record)


def _reasons(records: list[logging.LogRecord]) -> list[str]:
    # aiokafka logs 'Unable connect to "%s:%s": %s' (host, port, error) per server tried.
    tried = [r.args for r in records if str(r.msg).startswith("Unable connect to")]
    if len(tried) == 1 and isinstance(tried[0], tuple):
        return [str(tried[0][-1])]  # the address is in the line already
    return list(dict.fromkeys(r.getMessage() for r in records))


async def start_client(
    client: Any,
    bootstrap: str,
    setting: str = BOOTSTRAP_SETTING,
    timeout_s: float = CONNECT_TIMEOUT_S,
) -> None:
    """`await client.start()` for an aiokafka producer or consumer, within `timeout_s`.

    When no bootstrap server answers, the client is stopped and `KafkaUnreachable` raised;
    any other failure of the start stops the client too and propagates.
    """
    from aiokafka.errors import KafkaConnectionError

    held: list[logging.LogRecord] = []
    try:
        with held_logs("aiokafka") as held:
            await asyncio.wait_for(client.start(), timeout_s)
    except (KafkaConnectionError, TimeoutError) as exc:
        await client.stop()
        reasons = _reasons(held)
        if isinstance(exc, TimeoutError):
            reasons.append(f"no answer within {timeout_s:g} s")
        raise KafkaUnreachable(bootstrap, ", ".join(reasons), setting) from None
    except BaseException:
        await client.stop()
        raise


def call_within(
    fn: Callable[[], T], timeout_s: float, on_late: Callable[[T], None] | None = None
) -> T:
    """`fn()` in a daemon thread, for a blocking client with no overall deadline of its
    own (the Snowflake connector waits up to 60 s per attempt on a silent address).

    Raises TimeoutError after `timeout_s`; the thread is then left to finish on its own,
    and a result it gets too late is handed to `on_late` (e.g. to close a connection).
    """
    box: dict[str, Any] = {}
    lock = threading.Lock()
    finished = threading.Event()

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc
        with lock:
            finished.set()
            late = box.get("abandoned", False)
        if late and "value" in box and on_late is not None:
            on_late(box["value"])

    threading.Thread(target=run, name="call-within", daemon=True).start()
    if not finished.wait(timeout_s):
        with lock:
            if not finished.is_set():
                box["abandoned"] = True
                raise TimeoutError(f"no answer within {timeout_s:g} s")
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value
