"""streaming-trends -> per-platform search interest contributions."""

from __future__ import annotations

from collections.abc import Sequence

from faust.types import EventT

from agents.batches import BatchContributions, valid_records
from streamapp.context import PipelineContext
from streamapp.metrics import observe_batch
from streamapp.records import parse_trend_point
from tables.source_offsets import source_key


async def track_batch(ctx: PipelineContext, events: Sequence[EventT]) -> None:
    batch = BatchContributions(ctx)
    await batch.load(events)
    async for event, point in valid_records(ctx, events, parse_trend_point):
        # Alternative-viewing terms (platform null) stay on the topic for the dashboard
        # and warehouse; the per-platform windows only count platform interest.
        batch.saw(event, point.epoch)
        platforms = batch.new_platforms(event, [point.platform] if point.platform else [])
        if platforms:
            at = (source_key(event.message.topic, event.message.partition), event.message.offset)
            batch.builder.add_interest(platforms[0], point.epoch, point.interest, at=at)
    await batch.flush()
    observe_batch("track_interest", events, {})


def register(ctx: PipelineContext) -> None:
    settings = ctx.settings.pipeline

    @ctx.app.agent(ctx.topics.trends, name="track_interest")
    async def track_interest(stream):  # type: ignore[no-untyped-def]
        async for events in stream.take_events(
            settings.classify_batch_size, within=settings.classify_batch_seconds
        ):
            await track_batch(ctx, events)
