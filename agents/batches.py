"""Shared by the raw-topic agents: parse a micro-batch, dead-letter what is bad, and
send the batch's per-(platform, window) partial aggregates."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

from faust.types import EventT, Message

from streamapp.analytics.windows import ContributionBuilder
from streamapp.context import PipelineContext
from streamapp.records import Contribution, DeadLetter, InvalidRecord
from streamapp.records.raw import iso_utc

log = logging.getLogger(__name__)
T = TypeVar("T")


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


async def send_dead_letter(ctx: PipelineContext, message: Message, reason: str) -> None:
    log.warning(
        "dead letter from %s[%d]@%d: %s", message.topic, message.partition, message.offset, reason
    )
    letter = DeadLetter(
        reason=reason,
        source_topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        original_value_b64=_b64(message.value),
        original_key_b64=_b64(message.key),
        failed_at=iso_utc(ctx.clock()),
    )
    await ctx.topics.dead_letters.send(key=message.key, value=letter)


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


def new_builder(ctx: PipelineContext) -> ContributionBuilder:
    return ContributionBuilder(
        size=ctx.settings.pipeline.window_seconds, evidence_size=ctx.settings.alerts.evidence_size
    )


async def send_contributions(ctx: PipelineContext, builder: ContributionBuilder) -> None:
    for partial in builder.drain():
        await ctx.topics.contributions.send(key=partial["platform"], value=Contribution(**partial))
