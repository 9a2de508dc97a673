"""platform-contributions -> window tables -> platform-windows and streaming-alerts.

A leader-only timer sends a tick to every partition each `STREAMAPP_TICK_SECONDS`,
so windows close on wall-clock time when the stream goes quiet.
"""

from __future__ import annotations

from streamapp.context import PipelineContext
from streamapp.metrics import observe_batch
from tables import WindowCloser
from tables.window_close import tick


def register(ctx: PipelineContext) -> None:
    closer = WindowCloser(ctx.tables, ctx.topics, ctx.settings, ctx.clock)
    partitions = ctx.settings.pipeline.partitions

    @ctx.app.agent(ctx.topics.contributions, name="aggregate_windows")
    async def aggregate_windows(stream):  # type: ignore[no-untyped-def]
        async for event in stream.events():
            message = event.message
            await closer.on_contribution(message.partition, message.offset, event.value)
            observe_batch("aggregate_windows", (event,), {})  # few: partials and ticks

    @ctx.app.timer(interval=ctx.settings.pipeline.tick_seconds, on_leader=True)
    async def tick_windows() -> None:
        now = ctx.clock()
        for partition in range(partitions):
            await ctx.topics.contributions.send(value=tick(now), partition=partition)
