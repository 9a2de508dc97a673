"""platform-contributions -> window tables -> platform-windows and streaming-alerts.

A leader-only timer sends a tick to every partition each `STREAMAPP_TICK_SECONDS`,
so windows close on wall-clock time when the stream goes quiet.
"""

from __future__ import annotations

from collections.abc import Sequence

from faust.types import EventT

from agents.batches import started
from streamapp.context import PipelineContext
from streamapp.metrics import observe_batch
from tables import WindowCloser
from tables.window_close import tick


def register(ctx: PipelineContext) -> None:
    closer = WindowCloser(ctx.tables, ctx.topics, ctx.settings, ctx.clock)
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
