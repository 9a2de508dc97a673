"""Per-platform forecasting state: history of closed windows, latest forecasts, breaches.

`DemandForecaster` runs inside the `forecast_demand` agent (stream iteration over
`platform-windows`, keyed by platform), which is what lets it write its table. Refits
run in a child process (or a thread: `STREAMAPP_FORECAST_FIT_IN`, runtime/fit_pool.py):
the event loop only hands the history over and, when the fit is done, publishes the
result; the agent keeps processing windows meanwhile. A finished fit is folded into the
table with the platform's next window.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

import faust

from streamapp.analytics import explain
from streamapp.analytics.forecasting import Forecast, Model, default_models
from streamapp.analytics.forecasting.drivers import Driver
from streamapp.analytics.forecasting.live import (
    METRICS,
    LiveConfig,
    append_window,
    check_breach,
    fit_platform,
    forecast_entry,
    new_state,
    observed,
    revise_interest,
)
from streamapp.analytics.forecasting.live_drivers import (
    active_drivers,
    drivers_field,
    during,
    live_context,
)
from streamapp.config import Settings
from streamapp.records import WindowAggregate
from streamapp.records.forecast import PlatformForecast
from streamapp.records.raw import iso_utc
from streamapp.runtime.fit_pool import FitLost, FitRunner
from streamapp.runtime.topic_set import PipelineTopics
from streamapp.tables.alerts import publish_alert

log = logging.getLogger(__name__)


class DriversFeed(Protocol):
    """The `forecast-drivers` topic, read to its end (KafkaCheckpointStore.snapshot)."""

    async def snapshot(self) -> dict[str, dict[str, Any]]: ...


def define_forecast_table(app: faust.App, settings: Settings) -> Any:
    return app.Table(
        "forecast-state",
        default=None,
        key_type=str,
        partitions=settings.pipeline.partitions,
        help="closed-window history, latest forecasts and breach state per platform",
    )


def live_config(settings: Settings) -> LiveConfig:
    f, a = settings.forecast, settings.alerts
    return LiveConfig(
        window_seconds=settings.pipeline.window_seconds,
        horizon=f.horizon,
        min_history=f.min_history,
        max_history=f.max_history,
        band_level=f.band_level,
        origins=f.origins,
        resolve_score=f.resolve_score,
        cooldown_windows=a.cooldown_windows,
        min_count=a.min_count,
        min_interest_rise=a.min_interest_rise,
    )


class DemandForecaster:
    def __init__(
        self,
        table: Any,
        topics: PipelineTopics,
        settings: Settings,
        clock: Callable[[], float],
        models: Sequence[Model] | None = None,
        drivers_feed: DriversFeed | None = None,
    ) -> None:
        self.table = table
        self.topics = topics
        self.cfg = live_config(settings)
        self.refit_seconds = settings.forecast.refit_seconds
        self.models = tuple(models or default_models(settings.forecast.prophet))
        self.country, self.tz = settings.forecast.country, settings.forecast.timezone
        self.drivers_feed = drivers_feed
        self.drivers: list[Driver] = []  # as of the last refit's read of the topic
        self.clock = clock
        self.fits = FitRunner(settings.forecast.fit_in)
        self.fitting: dict[str, asyncio.Task[None]] = {}
        self.launched: dict[str, float] = {}
        # platform -> (generated_at, forecasts) finished but not yet in the table
        self.ready: dict[str, tuple[float, dict[str, Forecast]]] = {}

    async def on_window(self, window: WindowAggregate) -> None:
        platform = window.platform
        state = self.table.get(platform) or new_state()
        self._fold_ready(platform, state)
        start = datetime.fromisoformat(window.window_start).timestamp()
        values = {m: observed(window.asdict(), m) for m in METRICS}
        judged: tuple[str, ...] = ()
        if append_window(state, start, window.mentions, values["interest"], self.cfg):
            judged = METRICS
        elif revise_interest(state, start, values["interest"]):
            judged = ("interest",)  # its trend point came after the window first closed
        if judged:
            active = active_drivers(self._context(platform), start, self.cfg.window_seconds)
            for metric in judged:
                fields = check_breach(
                    state, platform, metric, start, values[metric], self.cfg, during(active)
                )
                if fields:
                    # Explained like the other rules' alerts, from what the window's
                    # record carries, plus the known events that may explain the miss.
                    [fields] = explain.explain_from_record([fields], window.asdict())
                    fields["drivers"] = active
                    await publish_alert(self.topics, fields, self.clock())
        self.table[platform] = state
        self._maybe_refit(platform, state)

    def _fold_ready(self, platform: str, state: dict[str, Any]) -> None:
        done = self.ready.pop(platform, None)
        if done is None:
            return
        generated_at, forecasts = done
        for metric, forecast in forecasts.items():
            state["forecasts"][metric] = forecast_entry(forecast, generated_at)
        state["fitted_at"] = generated_at

    def _maybe_refit(self, platform: str, state: dict[str, Any]) -> None:
        now = self.clock()
        last = max(state.get("fitted_at", 0.0), self.launched.get(platform, 0.0))
        if platform in self.fitting or now - last < self.refit_seconds:
            return
        if len(state["points"]) < self.cfg.min_history:
            return
        self.launched[platform] = now
        points = [list(p) for p in state["points"]]  # a copy: the table keeps changing
        self.fitting[platform] = asyncio.create_task(self._refit(platform, points))

    async def _refit(self, platform: str, points: list[list[Any]]) -> None:
        try:
            await self._read_drivers()
            context = self._context(platform)
            forecasts = await self.fits.run(fit_platform, points, self.cfg, self.models, context)
            generated_at = self.clock()
            for metric, forecast in forecasts.items():
                record = self._record(platform, metric, forecast, points, generated_at)
                record.drivers = drivers_field(
                    context, forecast, points[0][0], self.cfg.window_seconds
                )
                await self.topics.forecasts.send(key=platform, value=record)
            self.ready[platform] = (generated_at, forecasts)
            log.info("forecast %s: %s", platform, {m: f.model for m, f in forecasts.items()})
        except FitLost:  # the fit process died (logged once by FitRunner): the table
            pass  # keeps the last forecasts; the platform refits at its next turn
        except Exception:  # a failed fit must not take the agent down; the next one retries
            log.exception("forecast refit for %s failed", platform)
        finally:
            self.fitting.pop(platform, None)

    async def _read_drivers(self) -> None:
        """The topic's drivers as of now: a new announcement counts from the next refit.
        An unreadable topic keeps the last drivers (the forecast goes on without news)."""
        if self.drivers_feed is None:
            return
        try:
            latest = await self.drivers_feed.snapshot()
        except Exception:  # Kafka hiccup: forecast with what we had
            log.exception("reading forecast-drivers failed; keeping %d drivers", len(self.drivers))
            return
        drivers = []
        for key, value in latest.items():
            try:
                drivers.append(Driver.from_dict(value))
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("forecast-drivers %r is not a driver (%s); ignored", key, exc)
        self.drivers = drivers

    def _context(self, platform: str) -> Any:
        return live_context(self.drivers, platform, self.country, self.tz)

    def _record(
        self,
        platform: str,
        metric: str,
        forecast: Forecast,
        points: list[list[Any]],
        generated_at: float,
    ) -> PlatformForecast:
        entry = forecast_entry(forecast, generated_at)
        score = forecast.backtest.selection_scores[forecast.model]
        return PlatformForecast(
            forecast_id=f"{platform}|{metric}|{points[-1][0]:.0f}",
            platform=platform,
            metric=metric,
            model=forecast.model,
            generated_at=iso_utc(generated_at),
            points=[
                {"timestamp": iso_utc(t), "yhat": y, "yhat_lower": lo, "yhat_upper": hi}
                for t, y, lo, hi in entry["points"]
            ],
            history_windows=len(points),
            window_seconds=self.cfg.window_seconds,
            backtest_mase=score.mase,
        )

    async def drain(self) -> None:
        """Waits for the fits under way (tests)."""
        while self.fitting:
            await asyncio.gather(*self.fitting.values(), return_exceptions=True)

    def close(self) -> None:
        """At worker shutdown: fits under way or queued are dropped, without waiting."""
        self.fits.close()
