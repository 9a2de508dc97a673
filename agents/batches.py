"""Shared by the raw-topic agents: parse a micro-batch, dead-letter what is bad, and
send the batch's per-(platform, window) partial aggregates."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

from faust.types import EventT, Message

from agents.dead_letters import send_dead_letter as dead_letter_to
from streamapp.analytics.windows import ContributionBuilder
from streamapp.context import PipelineContext
from streamapp.metrics import EVENTS_OUT
from streamapp.records import Contribution, InvalidRecord
from tables.source_offsets import add_offsets, covers, source_key

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
    """One micro-batch's partial aggregates, minus events whose contributions were
    already delivered before a crash (see tables/source_offsets.py)."""

    def __init__(self, ctx: PipelineContext) -> None:
        self.ctx = ctx
        self.builder = ContributionBuilder(
            size=ctx.settings.pipeline.window_seconds,
            evidence_size=ctx.settings.alerts.evidence_size,
        )
        self._new: dict[str, set[int]] = {}
        self._done: dict[str, list[list[int]]] = {}

    def is_new(self, event: EventT) -> bool:
        """True once per event: it still has to be counted. Call for every event."""
        message = event.message
        key = source_key(message.topic, message.partition)
        seen = self._new.get(key)
        if seen is None:  # the table is read once per partition and batch, not per event
            seen = self._new[key] = set()
            self._done[key] = self.ctx.tables.contributed.get(key) or []
        if message.offset in seen or covers(self._done[key], message.offset):
            return False
        seen.add(message.offset)
        return True

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
        for key, offsets in self._new.items():
            if offsets:
                self.ctx.tables.contributed[key] = add_offsets(self._done[key], offsets)
        self._new.clear()
        self._done.clear()
