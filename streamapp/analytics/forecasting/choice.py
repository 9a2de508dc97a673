"""Choose a model on the series' own history, then forecast with a band.

The band is empirical: at each horizon step h its half-width is z times the RMS of the
chosen model's out-of-sample errors at steps up to h in the backtest (never narrower
than the step before, never under `min_half_width`), with z for the requested coverage
(0.95 -> 1.96). No model's own assumptions about its errors are trusted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import NormalDist

from streamapp.analytics.forecasting.backtest import Backtest, run_backtest, step_errors
from streamapp.analytics.forecasting.frequency import Frequency
from streamapp.analytics.forecasting.models import Model


@dataclass(frozen=True)
class ForecastPoint:
    timestamp: datetime
    yhat: float
    yhat_lower: float
    yhat_upper: float


@dataclass(frozen=True)
class Forecast:
    model: str
    points: list[ForecastPoint]
    backtest: Backtest
    drivers: tuple[str, ...] = ()  # the driver columns the chosen model used


def band_half_widths(
    errors_by_step: list[list[float]], level: float, min_half_width: float = 0.0
) -> list[float]:
    if not 0 < level < 1:
        raise ValueError(f"band level must be between 0 and 1, got {level}")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    widths: list[float] = []
    pooled: list[float] = []
    for errors in errors_by_step:
        pooled += errors
        rms = math.sqrt(sum(e * e for e in pooled) / len(pooled)) if pooled else 0.0
        widths.append(max(z * rms, widths[-1] if widths else 0.0, min_half_width))
    return widths


def choose_and_forecast(
    stamps: Sequence[datetime],
    values: Sequence[float],
    freq: Frequency,
    models: Sequence[Model],
    horizon: int,
    level: float = 0.95,
    origins: int = 4,
    min_half_width: float = 0.0,
) -> Forecast:
    """Backtest every model on all origins, refit the winner on the whole history."""
    backtest = run_backtest(stamps, values, freq, models, horizon, origins=origins, holdout=0)
    chosen = next(m for m in models if m.name == backtest.chosen)
    yhat = chosen.forecast(stamps, values, horizon, freq)
    widths = band_half_widths(
        step_errors(values, backtest.forecasts[chosen.name]), level, min_half_width
    )
    points = [
        ForecastPoint(freq.advance(stamps[-1], h + 1), y, y - w, y + w)
        for h, (y, w) in enumerate(zip(yhat, widths, strict=True))
    ]
    uses = getattr(chosen, "uses", None)
    drivers = tuple(uses(stamps, horizon, freq)) if uses else ()
    return Forecast(chosen.name, points, backtest, drivers)
