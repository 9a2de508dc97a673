"""Re-read a partition whose next record went missing inside the worker.

`faust_fixes.commit_only_from_the_head` keeps the committed offset at the first record
not yet processed, so nothing is ever committed past a record the worker skipped. That
alone turns a silent loss into a stall: the partition's later records are processed and
acknowledged, the commit waits forever, and the skipped record is only read again at
the next rebalance. We have seen Faust 0.15.3 drop one record this way, right after a
rebalance that kept the partition on the same worker (the scale-out test, 1 run in 25).

This watch closes the loop: when a partition's head (the committed offset) has been
missing for `grace_seconds` while later records of the same partition are acknowledged,
and no message at or after the head is still being processed, the worker seeks the
partition back to the head. The records after it are read again; the pipeline already
absorbs that (signals are idempotent by id, window counts deduplicated by offset marks).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import faust

from streamapp.observability.metrics import PARTITION_REREADS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StalledHead:
    tp: Any  # faust TP
    offset: int  # the committed offset: the first record not yet processed
    first_acked: int  # the lowest later offset already acknowledged


class HeadWatch:
    """Tracks, per partition, since when its head has been missing."""

    def __init__(self, grace_seconds: float, clock: Callable[[], float]) -> None:
        self.grace_seconds = grace_seconds
        self.clock = clock
        self._missing_since: dict[Any, tuple[int, float]] = {}

    def stalled(
        self,
        acked: Mapping[Any, list[int]],
        committed: Mapping[Any, int | None],
        in_flight: Iterable[tuple[Any, int]],
    ) -> list[StalledHead]:
        """Heads missing for longer than the grace: later offsets acknowledged, the head
        itself neither acknowledged nor being processed."""
        now = self.clock()
        busy: dict[Any, set[int]] = {}
        for tp, offset in in_flight:
            busy.setdefault(tp, set()).add(offset)
        found: list[StalledHead] = []
        missing: dict[Any, tuple[int, float]] = {}
        for tp, offsets in acked.items():
            head = committed.get(tp)
            if not offsets or head is None:
                continue
            first_acked = min(offsets)
            if first_acked <= head:
                continue  # the head is acknowledged: Faust commits normally
            if any(head <= o < first_acked for o in busy.get(tp, ())):
                continue  # still being processed (a slow batch), not lost
            since_head, since = self._missing_since.get(tp, (head, now))
            if since_head != head:
                since = now  # a different head: start counting again
            if now - since >= self.grace_seconds:
                found.append(StalledHead(tp, head, first_acked))
            else:
                missing[tp] = (head, since)
        self._missing_since = missing
        return found


class RecoveryWatch:
    """The same idea for table recovery: a changelog partition whose read offset has not
    moved for the grace while records up to its high-water mark remain unread. We have
    seen Faust's recovery wait on two such partitions for the whole 90 s of a test
    ("No event received for active tp"), on the worker that kept its partitions through
    a rebalance; reading them again from the next offset is what a stuck fetch needs."""

    def __init__(self, grace_seconds: float, clock: Callable[[], float]) -> None:
        self.grace_seconds = grace_seconds
        self.clock = clock
        self._unmoved_since: dict[Any, tuple[int, float]] = {}

    def stalled(
        self, read: Mapping[Any, int], highwaters: Mapping[Any, int]
    ) -> list[tuple[Any, int]]:
        """(tp, offset to read again from) for each stalled changelog partition."""
        now = self.clock()
        found: list[tuple[Any, int]] = []
        unmoved: dict[Any, tuple[int, float]] = {}
        for tp, high in highwaters.items():
            offset = read.get(tp, -1)
            if high < 0 or offset >= high:
                continue  # nothing (more) to read
            since_offset, since = self._unmoved_since.get(tp, (offset, now))
            if since_offset != offset:
                since = now  # it moved: count again
            if now - since >= self.grace_seconds:
                found.append((tp, offset + 1))
                since = now  # give the new read a full grace
            unmoved[tp] = (offset, since)
        self._unmoved_since = unmoved
        return found


def consumer_state(consumer: Any) -> tuple[dict, dict, list[tuple[Any, int]]]:
    """The three things the watch reads, copied out of Faust's consumer."""
    acked = {tp: list(offsets) for tp, offsets in consumer._acked.items()}
    committed = dict(consumer._committed_offset)
    in_flight = [(m.tp, m.offset) for m in list(consumer._unacked_messages)]
    return acked, committed, in_flight


def install_head_watch(app: faust.App, grace_seconds: float, clock: Callable[[], float]) -> None:
    """Check every few seconds on every worker (each watches its own partitions).

    Not an `app.timer`: Faust starts timers only once the first table recovery has
    completed, and a recovery that never completes is one of the things watched."""
    if grace_seconds <= 0:
        return  # switched off
    watch = HeadWatch(grace_seconds, clock)
    recovery_watch = RecoveryWatch(grace_seconds, clock)
    interval = max(1.0, grace_seconds / 4)
    running: list[asyncio.Task] = []

    async def check() -> None:
        consumer = app.consumer
        recovery = app.tables.recovery
        if recovery.in_recovery:
            await reread_stalled_recovery(consumer, recovery, recovery_watch)
            return
        if app.rebalancing or not consumer.flow_active:
            return  # offsets are being reset anyway
        for head in watch.stalled(*consumer_state(consumer)):
            why = (
                f"record {head.offset} was not processed although later records were "
                f"(from {head.first_acked})"
            )
            await read_again(consumer, head.tp, head.offset, why)

    async def watch_forever() -> None:
        while not app.should_stop:
            await asyncio.sleep(interval)
            try:
                await check()
            except Exception:  # the watch must never take the worker down
                log.exception("checking for stalled partitions failed")

    # The first assignment comes before the first recovery: start there, once.
    @app.on_partitions_assigned.connect
    async def start_watching(sender: Any, assigned: Any, **kwargs: Any) -> None:
        if not running:
            running.append(asyncio.ensure_future(watch_forever()))


async def reread_stalled_recovery(consumer: Any, recovery: Any, watch: RecoveryWatch) -> None:
    actives = set(recovery.active_tps)
    highwaters = {tp: h for tp, h in recovery.active_highwaters.items() if tp in actives}
    for tp, offset in watch.stalled(dict(recovery.active_offsets), highwaters):
        why = (
            f"table recovery has read nothing for {watch.grace_seconds:.0f} s with records "
            f"up to {highwaters[tp]} unread"
        )
        await read_again(consumer, tp, offset, why)


async def read_again(consumer: Any, tp: Any, offset: int, why: str) -> None:
    log.warning("%s[%d]: %s; reading it again from %d", tp.topic, tp.partition, why, offset)
    PARTITION_REREADS.labels(tp.topic).inc()
    await consumer.seek(tp, offset)
