"""platform-windows -> per-platform history -> refits (in a child process, or a thread:
STREAMAPP_FORECAST_FIT_IN) -> platform-forecasts, and forecast_breach alerts on
streaming-alerts when a window leaves its forecast band. The drivers come from the
compacted `forecast-drivers` topic, read before every refit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from streamapp import topics
from streamapp.agents.batches import started
from streamapp.records import WindowAggregate
from streamapp.runtime.context import PipelineContext
from streamapp.sources.checkpoints import KafkaCheckpointStore
from streamapp.tables.forecast_state import DemandForecaster, define_forecast_table


def register(ctx: PipelineContext) -> None:
    if not ctx.settings.forecast.enabled:
        return
    table = define_forecast_table(ctx.app, ctx.settings)
    settings = ctx.settings
    drivers = KafkaCheckpointStore(  # a compacted topic tailed to its end, like checkpoints
        settings.kafka.bootstrap_servers,
        settings.pipeline.topic_prefix + topics.FORECAST_DRIVERS,
        sink=None,
        replication=settings.pipeline.replication_factor,
    )
    forecaster = DemandForecaster(table, ctx.topics, settings, ctx.clock, drivers_feed=drivers)

    guard = ctx.guard("forecast_demand")

    async def follow(windows: Sequence[WindowAggregate]) -> None:
        for window in windows:
            await forecaster.on_window(window)

    @ctx.app.agent(ctx.topics.windows, name="forecast_demand")
    async def forecast_demand(stream):  # type: ignore[no-untyped-def]
        started(ctx.health, "forecast_demand")
        async for window in stream:
            await guard.run(follow, (window,))

    async def close(sender: Any, *args: Any, **kwargs: Any) -> None:
        forecaster.close()
        await drivers.stop()

    ctx.app.on_before_shutdown.connect(close)  # type: ignore[arg-type]
    ctx.app.forecaster = forecaster  # type: ignore[attr-defined]  # for tests
