"""streaming-trends -> per-platform search interest contributions."""

from __future__ import annotations

from collections.abc import Sequence

from faust.types import EventT

from agents.batches import BatchContributions, failed, guarded_batches, valid_records
from streamapp.context import PipelineContext
from streamapp.metrics import observe_batch
from streamapp.records import parse_trend_point
from tables.source_offsets import source_key


async def track_batch(ctx: PipelineContext, events: Sequence[EventT]) -> None:
    batch = BatchContributions(ctx)
    await batch.load(events)
    async for event, point in valid_records(ctx, events, parse_trend_point):
        try:
            epoch = point.epoch
            # Alternative-viewing terms (platform null) stay on the topic for the dashboard
            # and warehouse; the per-platform windows only count platform interest.
            batch.saw(event, epoch)
            platforms = batch.new_platforms(event, [point.platform] if point.platform else [])
            if platforms:
                message = event.message
                at = (source_key(message.topic, message.partition), message.offset)
                batch.builder.add_interest(platforms[0], epoch, point.interest, at=at)
        except Exception as exc:  # one point's failure must not stop the stream
            await failed(ctx, event, "could not count the point", exc)
    await batch.flush()
    observe_batch("track_interest", events, {})


def register(ctx: PipelineContext) -> None:
    @ctx.app.agent(ctx.topics.trends, name="track_interest")
    async def track_interest(stream):  # type: ignore[no-untyped-def]
        await guarded_batches(ctx, stream, "track_interest", track_batch)
