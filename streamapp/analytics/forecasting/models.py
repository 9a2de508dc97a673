"""Forecasting models behind one small interface: history in, `horizon` points out.

Point forecasts only: every model's band comes from its own out-of-sample errors in
the rolling-origin backtest (see `bands`), so naive and Prophet forecasts get bands
made the same way, and Prophet can skip its sampling (`uncertainty_samples=0`), which
also makes it deterministic (MAP fit, no random draws).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from streamapp.analytics.forecasting.frequency import Frequency


class Model(Protocol):
    @property
    def name(self) -> str: ...

    def forecast(
        self, stamps: Sequence[datetime], values: Sequence[float], horizon: int, freq: Frequency
    ) -> list[float]: ...


@dataclass(frozen=True)
class Naive:
    """Tomorrow is like today: the last value, repeated."""

    name: str = "naive"

    def forecast(
        self, stamps: Sequence[datetime], values: Sequence[float], horizon: int, freq: Frequency
    ) -> list[float]:
        return [float(values[-1])] * horizon


@dataclass(frozen=True)
class SeasonalNaive:
    """The value one season earlier (naive when the history holds under two seasons)."""

    name: str = "seasonal_naive"

    def forecast(
        self, stamps: Sequence[datetime], values: Sequence[float], horizon: int, freq: Frequency
    ) -> list[float]:
        m = freq.usable_season(len(values))
        n = len(values)
        return [float(values[n - m + (h % m)]) for h in range(horizon)]


@dataclass(frozen=True)
class Drift:
    """The last value plus the average step so far (a straight line to the future)."""

    name: str = "drift"

    def forecast(
        self, stamps: Sequence[datetime], values: Sequence[float], horizon: int, freq: Frequency
    ) -> list[float]:
        slope = (values[-1] - values[0]) / (len(values) - 1) if len(values) > 1 else 0.0
        return [float(values[-1] + slope * (h + 1)) for h in range(horizon)]


@dataclass(frozen=True)
class ProphetModel:
    """Prophet with seasonalities chosen for the frequency (only those the history covers
    twice), MAP fit, no interval sampling."""

    name: str = "prophet"

    def forecast(
        self, stamps: Sequence[datetime], values: Sequence[float], horizon: int, freq: Frequency
    ) -> list[float]:
        return prophet_forecast(stamps, values, horizon, freq)


def prophet_forecast(
    stamps: Sequence[datetime],
    values: Sequence[float],
    horizon: int,
    freq: Frequency,
    regressors: tuple[dict[str, list[float]], dict[str, list[float]]] | None = None,
    holidays: object = None,
) -> list[float]:
    """One Prophet fit; `regressors` = (history columns, future columns) for
    `add_regressor`, `holidays` a Prophet holidays frame (ds, holiday)."""
    import pandas as pd

    prophet_class = _prophet()
    span_days = (stamps[-1] - stamps[0]).total_seconds() / 86_400
    model = prophet_class(
        yearly_seasonality=False,
        weekly_seasonality=False,
        daily_seasonality=False,
        uncertainty_samples=0,
        holidays=holidays,
    )
    for name, period, order, step_max in _SEASONS:
        if span_days >= 2 * period and freq.step_seconds <= step_max:
            model.add_seasonality(name=name, period=period, fourier_order=order(freq))
    past, ahead = regressors or ({}, {})
    for column in past:
        model.add_regressor(column)
    history = pd.DataFrame({"ds": pd.to_datetime(list(stamps)), "y": list(values), **past})
    model.fit(history)
    future = [freq.advance(stamps[-1], h + 1) for h in range(horizon)]
    predicted = model.predict(pd.DataFrame({"ds": pd.to_datetime(future), **ahead}))
    return [float(v) for v in predicted["yhat"]]


# (name, period in days, Fourier order for a frequency, the longest step that resolves it)
_SEASONS = (
    ("daily", 1.0, lambda f: 4, 3_600.0 * 4),
    ("weekly", 7.0, lambda f: 3, 86_400.0),
    # quarterly data has 4 points a year: one harmonic is all it can carry
    ("yearly", 365.25, lambda f: {"Q": 1, "M": 3}.get(f.name, 6), 92 * 86_400.0),
)


@dataclass(frozen=True)
class Ensemble:
    """The mean of its members' forecasts (errors of unlike models partly cancel)."""

    members: tuple[Model, ...]
    name: str = "ensemble"

    def forecast(
        self, stamps: Sequence[datetime], values: Sequence[float], horizon: int, freq: Frequency
    ) -> list[float]:
        runs = [m.forecast(stamps, values, horizon, freq) for m in self.members]
        return [math.fsum(step) / len(runs) for step in zip(*runs, strict=True)]


def _prophet() -> type:
    """Import Prophet quietly: no plotly warning, no cmdstanpy INFO line per fit."""
    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
    from cmdstanpy.utils import get_logger
    from prophet import Prophet

    # cmdstanpy sets its logger to DEBUG with its own handler on first use: make that
    # first use happen now, then raise the level.
    get_logger().setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.WARNING)
    # Prophet 1.5 calls DataFrame.drop(inplace=True), which pandas 3 warns about per fit.
    warnings.filterwarnings("ignore", message="The inplace keyword", module="prophet")
    return Prophet


BASELINES: tuple[Model, ...] = (Naive(), SeasonalNaive(), Drift())


def default_models(with_prophet: bool = True) -> tuple[Model, ...]:
    if not with_prophet:
        return BASELINES
    prophet = ProphetModel()
    return (*BASELINES, prophet, Ensemble((prophet, SeasonalNaive())))
