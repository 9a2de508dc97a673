"""streaming-trends -> per-platform search interest contributions."""

from __future__ import annotations

from collections.abc import Sequence

from faust.types import EventT

from agents.batches import new_builder, send_contributions, valid_records
from streamapp.context import PipelineContext
from streamapp.records import parse_trend_point


async def track_batch(ctx: PipelineContext, events: Sequence[EventT]) -> None:
    builder = new_builder(ctx)
    async for _event, point in valid_records(ctx, events, parse_trend_point):
        # Alternative-viewing terms (platform null) stay on the topic for the dashboard
        # and warehouse; the per-platform windows only count platform interest.
        if point.platform is not None:
            builder.add_interest(point.platform, point.epoch, point.interest)
    await send_contributions(ctx, builder)


def register(ctx: PipelineContext) -> None:
    settings = ctx.settings.pipeline

    @ctx.app.agent(ctx.topics.trends, name="track_interest")
    async def track_interest(stream):  # type: ignore[no-untyped-def]
        async for events in stream.take_events(
            settings.classify_batch_size, within=settings.classify_batch_seconds
        ):
            await track_batch(ctx, events)
