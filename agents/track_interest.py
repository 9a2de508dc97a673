"""streaming-trends -> per-platform search interest contributions, and the latest
interest by region per keyword (`region-interest`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from faust.types import EventT

from streamapp.agents.batches import BatchContributions, failed, guarded_batches, valid_records
from streamapp.analytics.regions import merge_region_point, snapshot
from streamapp.delivery.source_offsets import source_key
from streamapp.observability.metrics import observe_batch
from streamapp.records import TrendPoint, parse_trend_point
from streamapp.runtime.context import PipelineContext


async def track_batch(ctx: PipelineContext, events: Sequence[EventT]) -> None:
    batch = BatchContributions(ctx)
    await batch.load(events)
    changed: dict[str, dict] = {}  # keyword -> its new region state
    async for event, point in valid_records(ctx, events, parse_trend_point):
        try:
            epoch = point.epoch
            if point.region_of is not None:
                # Interest by region is another measure (regions compared with each other
                # over the timeframe): it must not move the national windows nor their
                # watermark, so it only goes to the per-keyword region state.
                _merge_region(ctx, point, epoch, event.message.partition, changed)
                continue
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
    # One snapshot per keyword and batch: a fetch's points usually arrive in one batch;
    # split over two, the second snapshot holds the first's regions too.
    for keyword, state in changed.items():
        body = json.dumps(snapshot(state), separators=(",", ":")).encode()
        await ctx.topics.regions.send(key=keyword.encode(), value=body)
    await batch.flush()
    observe_batch("track_interest", events, {})


def _merge_region(
    ctx: PipelineContext, point: TrendPoint, epoch: float, partition: int, changed: dict[str, dict]
) -> None:
    table = ctx.tables.region_latest
    if table is None:
        return
    # Keyed with the point's partition: a micro-batch has no "current event" partition.
    key = f"{point.keyword}:{partition}"
    state = changed.get(point.keyword) or table.get(key)
    new = merge_region_point(
        state,
        keyword=point.keyword,
        platform=point.platform,
        region_of=point.region_of or "",
        geo=point.geo,
        timestamp=point.timestamp,
        epoch=epoch,
        interest=point.interest,
    )
    if new is not None:
        table[key] = new
        changed[point.keyword] = new


def register(ctx: PipelineContext) -> None:
    @ctx.app.agent(ctx.topics.trends, name="track_interest")
    async def track_interest(stream):  # type: ignore[no-untyped-def]
        await guarded_batches(ctx, stream, "track_interest", track_batch)
