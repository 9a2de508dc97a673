"""Models that see the drivers, and the seed's ARIMA(1,1,1) for comparison.

- `seed_arima`: ARIMA(1,1,1) on the series alone, the seed project's configuration
  (statsmodels; no constant, as statsmodels fits a differenced ARIMA by default).
- `arima_drivers`: the same ARIMA(1,1,1) errors around a linear effect of the usable
  driver columns (regression with ARIMA errors).
- `prophet_drivers`: Prophet with the driver columns through `add_regressor`; public
  holidays of daily local series go in as Prophet holidays instead.

A driver model with no usable column forecasts like its plain sibling and says it used
no driver (`uses` is empty). Which columns are usable is `DriverContext.design`'s rule:
a column without known future values is never used.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from streamapp.analytics.forecasting.frequency import Frequency
from streamapp.analytics.forecasting.models import Model, prophet_forecast
from streamapp.analytics.forecasting.regressors import HOLIDAY, Design, DriverContext

ORDER = (1, 1, 1)


def arima_forecast(
    values: Sequence[float],
    horizon: int,
    exog: list[list[float]] | None = None,
    exog_future: list[list[float]] | None = None,
) -> list[float]:
    from statsmodels.tsa.arima.model import ARIMA
    from threadpoolctl import threadpool_limits

    # One BLAS thread: these matrices are tiny, and OpenBLAS's threads on a busy 2-core
    # machine made each fit about 17 times slower (3.9 s instead of 0.23 s, measured).
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        # short series: statsmodels warns about start values and convergence per fit
        warnings.simplefilter("ignore")
        fitted = ARIMA(list(values), exog=exog, order=ORDER).fit()
        predicted = fitted.forecast(horizon, exog=exog_future)
    return [float(v) for v in predicted]


@dataclass(frozen=True)
class SeedArima:
    """ARIMA(1,1,1), no drivers: the seed's model, a reference row in the backtest."""

    name: str = "seed_arima"

    def forecast(
        self, stamps: Sequence[datetime], values: Sequence[float], horizon: int, freq: Frequency
    ) -> list[float]:
        return arima_forecast(values, horizon)


@dataclass(frozen=True)
class _SeesDrivers:
    context: DriverContext

    def uses(self, stamps: Sequence[datetime], horizon: int, freq: Frequency) -> tuple[str, ...]:
        """The driver columns a fit from this history would use (empty: none)."""
        return self.context.design(stamps, horizon, freq).names


@dataclass(frozen=True)
class ArimaDrivers(_SeesDrivers):
    name: str = "arima_drivers"

    def forecast(
        self, stamps: Sequence[datetime], values: Sequence[float], horizon: int, freq: Frequency
    ) -> list[float]:
        design = self.context.design(stamps, horizon, freq)
        if not design.names:
            return arima_forecast(values, horizon)
        return arima_forecast(values, horizon, _rows(design, True), _rows(design, False))


@dataclass(frozen=True)
class ProphetDrivers(_SeesDrivers):
    name: str = "prophet_drivers"

    def forecast(
        self, stamps: Sequence[datetime], values: Sequence[float], horizon: int, freq: Frequency
    ) -> list[float]:
        design = self.context.design(stamps, horizon, freq)
        past, ahead = dict(design.history), dict(design.future)
        holidays = None
        if HOLIDAY in past and freq.name == "D" and not self.context.utc:
            holidays = _holiday_frame(stamps, past.pop(HOLIDAY), ahead.pop(HOLIDAY), freq)
        return prophet_forecast(stamps, values, horizon, freq, (past, ahead), holidays)


def _rows(design: Design, history: bool) -> list[list[float]]:
    columns = design.history if history else design.future
    return [list(row) for row in zip(*(columns[n] for n in design.names), strict=True)]


def _holiday_frame(
    stamps: Sequence[datetime], past: list[float], ahead: list[float], freq: Frequency
) -> object:
    import pandas as pd

    every = [*stamps, *(freq.advance(stamps[-1], h + 1) for h in range(len(ahead)))]
    days = [s for s, on in zip(every, [*past, *ahead], strict=True) if on]
    return pd.DataFrame({"holiday": HOLIDAY, "ds": pd.to_datetime(days)})


def with_drivers(
    models: Sequence[Model],
    context: DriverContext | None,
    stamps: Sequence[datetime],
    horizon: int,
    freq: Frequency,
) -> tuple[Model, ...]:
    """The candidates plus their driver-aware siblings, listed after them (on a tie the
    model without drivers wins: min() keeps the first), when the series has a usable
    driver column at all; else the candidates alone (a driver model without drivers
    would only be ARIMA(1,1,1) or Prophet again, under a misleading name)."""
    if context is None or not context.design(stamps, horizon, freq).names:
        return tuple(models)
    extra: list[Model] = [ArimaDrivers(context)]
    if any(m.name == "prophet" for m in models):
        extra.append(ProphetDrivers(context))
    return (*models, *extra)
