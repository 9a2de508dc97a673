"""viewing-events -> per-lane play counts -> title-plays -> per-platform windows -> title-trends.

The play counter runs inside `score_viewers`' micro-batches (one subscription of
`viewing-events`): each batch folds its plays into the lane's state and sends each
changed (platform, window)'s running totals, keyed by platform. `trend_titles`
holds the newest totals of every lane per window and closes a window when the slowest
lane passes it (docs/viewers.md#trending). A timer on every worker reports how far its
lanes have got and moves the wall clock, so quiet lanes stop holding after a while.
Not a lane of the market windows: nothing here touches them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from faust.types import EventT

from streamapp.agents.batches import guarded_batches, record_limits
from streamapp.analytics.trending.lanes import LaneBatch
from streamapp.delivery.source_offsets import source_key
from streamapp.observability.metrics import EVENTS_OUT, TITLE_PLAYS_LATE
from streamapp.records.trends import TitlePlays
from streamapp.records.viewing import parse_viewing_event
from streamapp.runtime.context import PipelineContext
from streamapp.tables.title_trends import TrendCloser, TrendTables, define_trend_tables

RECOMMENDED = "recommendation"


def may_be_play(raw: bytes | None) -> bool:
    """Cheap test before parsing: JSON can spell the type "play" only with those four
    letters or with a \\u escape, so an event with neither is not a play."""
    return raw is not None and (b"play" in raw or b"\\u" in raw)


class PlayCounter:
    """The raw side: lane states in, running totals out, lane states written back."""

    def __init__(self, ctx: PipelineContext, tables: TrendTables) -> None:
        self.ctx = ctx
        self.table = tables.lanes
        self.reached: dict[str, float] = {}  # lane -> newest play time delivered

    async def count_batch(self, ctx: PipelineContext, events: Sequence[EventT]) -> None:
        p = ctx.settings.pipeline
        limits = record_limits(p, ctx.clock())
        batches: dict[str, LaneBatch] = {}
        for event in events:
            message = event.message
            lane = source_key(message.topic, message.partition)
            batch = batches.get(lane)
            if batch is None:
                stored = self.table.get(lane)
                batch = batches[lane] = LaneBatch(
                    stored, p.window_seconds, p.allowed_lateness_seconds
                )
            if not batch.first_time(message.offset) or not may_be_play(message.value):
                continue
            try:
                record = parse_viewing_event(message.value, limits)
            except Exception:  # noqa: S112 - score_viewers dead-letters it, once
                continue
            if record.type == "play" and record.title_id:
                batch.fold_play(
                    record.platform, record.title_id, record.epoch, record.source == RECOMMENDED
                )
        topic = ctx.topics.title_plays
        pending = []
        for lane, batch in batches.items():
            progress = {lane: batch.time} if batch.time is not None else {}
            for platform, start, window in batch.changed():
                totals = TitlePlays(
                    platform=platform,
                    window_start=start,
                    titles=window["titles"],
                    progress=progress,
                    lane=lane,
                    upto=batch.upto,
                    recommended=window["recommended"],
                )
                pending.append(await topic.send(key=platform, value=totals))
        if pending:
            await asyncio.gather(*pending)
            EVENTS_OUT.labels(topic.get_topic_name()).inc(len(pending))
        # Only once Kafka has the totals: the lane's offsets and counts, in one value.
        for lane, batch in batches.items():
            self.table[lane] = batch.done()
            if batch.late:
                TITLE_PLAYS_LATE.labels("lane").inc(batch.late)
            if batch.time is not None and batch.time > self.reached.get(lane, float("-inf")):
                self.reached[lane] = batch.time


def viewing_lanes(ctx: PipelineContext) -> list[str]:
    """Every viewing-events partition, as many as the cluster serves (else configured)."""
    name = ctx.topics.viewing.get_topic_name()
    count = ctx.topic_partitions.get(name, ctx.settings.pipeline.partitions)
    return [source_key(name, p) for p in range(count)]


def register(ctx: PipelineContext) -> None:
    p = ctx.settings.pipeline
    tables = define_trend_tables(ctx.app, p.partitions)
    counter = PlayCounter(ctx, tables)
    closer = TrendCloser(
        tables,
        ctx.topics.title_trends,
        ctx.settings,
        ctx.clock,
        lambda: viewing_lanes(ctx),
        lambda: int(ctx.app.consumer_generation_id or 0),
    )

    ctx.play_counter = counter  # score_viewers calls it on each of its batches

    async def fold(ctx: PipelineContext, events: Sequence[EventT]) -> None:
        await closer.on_batch([(event.message.partition, event.value) for event in events])

    @ctx.app.agent(ctx.topics.title_plays, name="trend_titles")
    async def trend_titles(stream):  # type: ignore[no-untyped-def]
        # In micro-batches, each platform's state written once per batch. Retried, never
        # dead-lettered: our own totals, and folding one twice is a no-op.
        await guarded_batches(ctx, stream, "trend_titles", fold, dead_letters=False)

    @ctx.app.timer(interval=p.tick_seconds)
    async def report_plays_progress() -> None:
        tick = TitlePlays(
            platform="",
            window_start=0.0,
            titles={},
            progress=dict(counter.reached),
            tick_wall=ctx.clock(),
        )
        for partition in range(p.partitions):
            await ctx.topics.title_plays.send(value=tick, partition=partition)
