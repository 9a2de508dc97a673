"""platform-windows -> per-platform history -> refits (in a thread) -> platform-forecasts,
and forecast_breach alerts on streaming-alerts when a window leaves its forecast band."""

from __future__ import annotations

from collections.abc import Sequence

from agents.batches import started
from streamapp.context import PipelineContext
from streamapp.records import WindowAggregate
from tables.forecast_state import DemandForecaster, define_forecast_table


def register(ctx: PipelineContext) -> None:
    if not ctx.settings.forecast.enabled:
        return
    table = define_forecast_table(ctx.app, ctx.settings)
    forecaster = DemandForecaster(table, ctx.topics, ctx.settings, ctx.clock)

    guard = ctx.guard("forecast_demand")

    async def follow(windows: Sequence[WindowAggregate]) -> None:
        for window in windows:
            await forecaster.on_window(window)

    @ctx.app.agent(ctx.topics.windows, name="forecast_demand")
    async def forecast_demand(stream):  # type: ignore[no-untyped-def]
        started(ctx.health, "forecast_demand")
        async for window in stream:
            await guard.run(follow, (window,))

    ctx.app.forecaster = forecaster  # type: ignore[attr-defined]  # for tests
