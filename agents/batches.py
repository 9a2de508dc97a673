"""Shared by the raw-topic agents: parse a micro-batch, dead-letter what is bad, and
send the batch's per-(platform, window) partial aggregates."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

from faust.types import EventT, Message

from agents.dead_letters import send_dead_letter as dead_letter_to
from streamapp.analytics.offset_ranges import add_offsets, covers
from streamapp.analytics.windows import ContributionBuilder
from streamapp.context import PipelineContext
from streamapp.metrics import EVENTS_OUT
from streamapp.records import Contribution, InvalidRecord
from tables.source_offsets import marks_value, read_marks, source_key

log = logging.getLogger(__name__)
T = TypeVar("T")


async def send_dead_letter(ctx: PipelineContext, message: Message, reason: str) -> None:
    await dead_letter_to(ctx.topics.dead_letters, message, reason, ctx.clock())


async def valid_records(
    ctx: PipelineContext, events: Sequence[EventT], parse: Callable[[Any], T]
) -> AsyncIterator[tuple[EventT, T]]:
    """Yield (event, record) for the events that parse; dead-letter the others."""
    for event in events:
        try:
            record = parse(event.message.value)
        except InvalidRecord as exc:
            await send_dead_letter(ctx, event.message, str(exc))
            continue
        yield event, record


class BatchContributions:
    """One micro-batch's partial aggregates, minus what was already delivered: offsets
    the lane's marks cover (tables/source_offsets.py), and, after a takeover, the
    (offset, platform) pairs a predecessor delivered without marking them
    (agents/takeovers.py). Call `load` first, then `new_platforms` for every event."""

    def __init__(self, ctx: PipelineContext) -> None:
        self.ctx = ctx
        self.builder = ContributionBuilder(
            size=ctx.settings.pipeline.window_seconds,
            evidence_size=ctx.settings.alerts.evidence_size,
        )
        self._marks: dict[str, list[list[int]]] = {}
        self._delivered: dict[str, dict[str, list[list[int]]]] = {}
        self._handled: dict[str, set[int]] = {}

    async def load(self, events: Sequence[EventT]) -> None:
        """Read the marks of the batch's lanes (once per batch, not per event)."""
        marked_at: dict[str, float | None] = {}
        for event in events:
            lane = source_key(event.message.topic, event.message.partition)
            if lane not in self._marks:
                self._marks[lane], marked_at[lane] = read_marks(
                    self.ctx.tables.contributed.get(lane)
                )
        if self.ctx.takeovers is not None and marked_at:
            generation = self.ctx.app.consumer_generation_id
            self._delivered = await self.ctx.takeovers.delivered(marked_at, generation)

    def new_platforms(self, event: EventT, platforms: Sequence[str]) -> list[str]:
        """The platforms this event still has to be counted for (none if it was counted
        before, or is a repeat within the batch)."""
        message = event.message
        lane = source_key(message.topic, message.partition)
        handled = self._handled.setdefault(lane, set())
        if message.offset in handled or covers(self._marks.get(lane), message.offset):
            return []
        handled.add(message.offset)
        found = self._delivered.get(lane, {})
        return [p for p in platforms if not covers(found.get(p), message.offset)]

    def saw(self, event: EventT, event_time: float) -> None:
        """Every valid event moves its input lane's event time (the watermark)."""
        message = event.message
        self.builder.saw(source_key(message.topic, message.partition), event_time)

    async def flush(self) -> None:
        """Send the partials, wait until Kafka has them, then move the marks."""
        pending = [
            await self.ctx.topics.contributions.send(
                key=partial["platform"], value=Contribution(**partial)
            )
            for partial in self.builder.drain()
        ]
        if pending:
            await asyncio.gather(*pending)
            EVENTS_OUT.labels(self.ctx.topics.contributions.get_topic_name()).inc(len(pending))
        now = self.ctx.clock()
        for lane, offsets in self._handled.items():
            if offsets:
                ranges = add_offsets(self._marks.get(lane), offsets)
                self.ctx.tables.contributed[lane] = marks_value(ranges, now)
        self._handled.clear()
        self._marks.clear()
