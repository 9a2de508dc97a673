"""platform-contributions -> window tables -> platform-windows and streaming-alerts.

A leader-only timer sends a tick to every partition each `STREAMAPP_TICK_SECONDS`,
so windows close on wall-clock time when the stream goes quiet. Every worker also
reports, on the same beat, how far the input lanes it reads have delivered: a window
partition learns every lane's progress, not only that of lanes with posts for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from faust.types import EventT

from streamapp.agents.batches import started
from streamapp.delivery.source_offsets import source_key
from streamapp.observability.metrics import observe_batch
from streamapp.runtime.context import PipelineContext
from streamapp.tables import WindowCloser
from streamapp.tables.window_close import tick


def input_lanes(ctx: PipelineContext) -> list[str]:
    """Every raw-topic partition the windows depend on (the Trends ones hold only the
    interest close, see streamapp/analytics/watermark.py), known before any of them has
    delivered: as many as the cluster serves (learnt before the worker starts, so a topic
    made with more partitions than configured holds the windows with all of them), or
    the configured count before that is known."""
    lanes = []
    for topic in (ctx.topics.reddit, ctx.topics.trends):
        name = topic.get_topic_name()
        count = ctx.topic_partitions.get(name, ctx.settings.pipeline.partitions)
        lanes += [source_key(name, p) for p in range(count)]
    return lanes


def register(ctx: PipelineContext) -> None:
    def generation() -> int:
        return int(ctx.app.consumer_generation_id or 0)

    closer = WindowCloser(
        ctx.tables,
        ctx.topics,
        ctx.settings,
        ctx.clock,
        lambda: input_lanes(ctx),
        generation,
        interest_topics=(ctx.topics.trends.get_topic_name(),),
    )
    partitions = ctx.settings.pipeline.partitions

    guard = ctx.guard("aggregate_windows")

    async def fold(events: Sequence[EventT]) -> None:
        for event in events:
            message = event.message
            await closer.on_contribution(message.partition, message.offset, event.value)
        observe_batch("aggregate_windows", events, {})  # few: partials and ticks

    @ctx.app.agent(ctx.topics.contributions, name="aggregate_windows")
    async def aggregate_windows(stream):  # type: ignore[no-untyped-def]
        started(ctx.health, "aggregate_windows")
        async for event in stream.events():
            # Retried, never dead-lettered: our own partials, and folding one twice is a
            # no-op (the window table remembers which offsets it holds).
            await guard.run(fold, (event,))

    @ctx.app.timer(interval=ctx.settings.pipeline.tick_seconds, on_leader=True)
    async def tick_windows() -> None:
        now = ctx.clock()
        for partition in range(partitions):
            await ctx.topics.contributions.send(value=tick(now), partition=partition)

    reported: dict[str, float] = {}

    @ctx.app.timer(interval=ctx.settings.pipeline.tick_seconds)
    async def report_progress() -> None:
        progress = dict(ctx.lane_progress.reached)
        if progress == reported:
            return
        now = ctx.clock()
        for partition in range(partitions):
            await ctx.topics.contributions.send(value=tick(now, progress), partition=partition)
        reported.clear()
        reported.update(progress)
