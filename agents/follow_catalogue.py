"""title-catalogue -> `ctx.catalogue`, the whole of it, on every worker.

Not a Faust agent: an agent would read only the partitions the group gave this worker,
and the owner of an account needs every title. So a worker task reads the topic from the
beginning with an aiokafka consumer of its own (agents/whole_topic.py) and follows it for
as long as the worker runs (docs/recommendations.md says why not a GlobalTable).
`catalogue_loaded` is set once the records that were on the topic when the worker started
have been read; the viewers' agent waits for it before its first batch, and /readyz says
not ready until then.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from streamapp import topics
from streamapp.agents.batches import record_limits, send_dead_letter
from streamapp.agents.whole_topic import read_whole_topic
from streamapp.analytics.recommend.catalogue import TitleCatalogue
from streamapp.records.catalogue import parse_title_record
from streamapp.records.raw import InvalidRecord, RecordLimits
from streamapp.runtime.context import PipelineContext

log = logging.getLogger(__name__)
POLL_MS = 500
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
        self.loaded = asyncio.Event()  # also set when the viewers' agent gave up waiting
        self.caught_up = False  # only once the start-time end was read: for /readyz
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
            live = self.caught_up  # not `loaded`, which a timeout may have set
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
                self.caught_up = True
                self.loaded.set()

    def readiness(self) -> tuple[bool, dict[str, object]]:
        """For /readyz: a worker that has not read the catalogue to its start-time end
        would answer GET /recommendations from part of it (empty or wrong lists)."""
        return self.caught_up, {"catalogue_read": self.caught_up}


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
    app = ctx.app
    app.readiness_checks = [*getattr(app, "readiness_checks", []), follower.readiness]  # type: ignore[attr-defined]

    @ctx.app.task
    async def follow_catalogue() -> None:
        await read_whole_topic(settings, topic, follower.follow)


def _actives(ctx: PipelineContext) -> set[Any]:
    try:
        return set(ctx.app.assignor.assigned_actives())
    except Exception:  # no assignment yet
        return set()
