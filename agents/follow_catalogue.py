"""title-catalogue -> `ctx.catalogue`, the whole of it, on every worker.

Not a Faust agent: an agent would read only the partitions the group gave this worker,
and the owner of an account needs every title. So a worker task reads the topic from the
beginning with an aiokafka consumer of its own (no consumer group: all partitions) and
follows it for as long as the worker runs (docs/recommendations-serving.md says why not a
GlobalTable). `catalogue_loaded` is set once the records that were on the topic when the
worker started have been read; the viewers' agent waits for it before its first batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from agents.batches import record_limits, send_dead_letter
from streamapp import topics
from streamapp.analytics.recommend.catalogue import TitleCatalogue
from streamapp.context import PipelineContext
from streamapp.records.catalogue import parse_title_record
from streamapp.records.raw import InvalidRecord, RecordLimits

log = logging.getLogger(__name__)
POLL_MS = 500
RETRY_S = (1.0, 30.0)  # first and longest wait before reading again after a failure
LOADED_WAIT_S = 30.0  # the viewers' agent starts without a catalogue after this long


class CatalogueFollower:
    """Applies `title-catalogue` records to a TitleCatalogue; `on_bad(message, reason,
    live)` hears of each record that cannot be used (`live`: read after the catch-up)."""

    def __init__(
        self,
        catalogue: TitleCatalogue,
        limits: Callable[[], RecordLimits],
        on_bad: Callable[[Any, str, bool], Awaitable[None]],
    ) -> None:
        self.catalogue = catalogue
        self.limits = limits
        self.on_bad = on_bad
        self.loaded = asyncio.Event()
        self.applied = 0

    def take(self, message: Any) -> str | None:
        """Apply one record; the reason it cannot be used, or None."""
        try:
            info = parse_title_record(message.value, self.limits())
        except InvalidRecord as exc:
            return str(exc)
        key = message.key.decode("utf-8", "replace") if message.key is not None else None
        if key != info.title_id:
            # Compaction keeps one record per key: a key that is not the title would let
            # an old record of the title outlive a newer one.
            return f"the record's key {key!r} is not its title_id {info.title_id!r}"
        if self.catalogue.update(info):
            self.applied += 1
        return None

    async def follow(self, consumer: Any) -> None:
        """Read a started, subscribed consumer for ever; sets `loaded` once caught up with
        the end offsets as they were at the first poll that had an assignment."""
        ends: dict[Any, int] | None = None
        while True:
            batches = await consumer.getmany(timeout_ms=POLL_MS)
            live = self.loaded.is_set()
            for records in batches.values():
                for message in records:
                    reason = self.take(message)
                    if reason is not None:
                        await self.on_bad(message, reason, live)
            if live:
                continue
            assigned = consumer.assignment()
            if ends is None and assigned:
                ends = await consumer.end_offsets(list(assigned))
            if ends is not None and all(
                [await consumer.position(tp) >= e for tp, e in ends.items()]
            ):
                log.info("title catalogue: %d titles read", len(self.catalogue.titles))
                self.loaded.set()


async def catalogue_loaded(ctx: PipelineContext, timeout: float = LOADED_WAIT_S) -> None:
    """Wait (once, at most `timeout`) for the catalogue the topic held at start."""
    follower = ctx.catalogue_follower
    if follower is None or follower.loaded.is_set():
        return
    try:
        await asyncio.wait_for(follower.loaded.wait(), timeout)
    except TimeoutError:
        log.warning("title catalogue not read within %.0f s; folding without it", timeout)
        follower.loaded.set()  # once: later batches do not wait again


def register(ctx: PipelineContext) -> None:
    settings = ctx.settings
    topic = settings.pipeline.topic_prefix + topics.TITLE_CATALOGUE
    viewing = ctx.topics.viewing.get_topic_name()

    async def on_bad(message: Any, reason: str, live: bool) -> None:
        # Every worker reads every record: only the owner of viewing-events partition 0
        # sends the letter, and only for a record read live (the catch-up at a start
        # reads records already dead-lettered when they arrived).
        owns = any(tp.topic == viewing and tp.partition == 0 for tp in _actives(ctx))
        if live and owns:
            await send_dead_letter(ctx, message, reason)
        else:
            log.warning("title-catalogue record at offset %d not used: %s", message.offset, reason)

    follower = CatalogueFollower(
        ctx.catalogue, lambda: record_limits(settings.pipeline, ctx.clock()), on_bad
    )
    ctx.catalogue_follower = follower

    @ctx.app.task
    async def follow_catalogue() -> None:
        from aiokafka import AIOKafkaConsumer

        from streamapp.kafka_security import client_options

        wait = RETRY_S[0]
        while True:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=settings.kafka.bootstrap_servers,
                group_id=None,  # every partition, no offsets committed: from the start
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                **client_options(settings.kafka),
            )
            try:
                await consumer.start()
                consumer.subscribe([topic])
                await follower.follow(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Kafka away: read again later (the catalogue stays)
                log.warning(
                    "title catalogue: reading %s failed (%r); again in %.0f s", topic, exc, wait
                )
            finally:
                await consumer.stop()
            await asyncio.sleep(wait)
            wait = min(wait * 2, RETRY_S[1])


def _actives(ctx: PipelineContext) -> set[Any]:
    try:
        return set(ctx.app.assignor.assigned_actives())
    except Exception:  # no assignment yet
        return set()
