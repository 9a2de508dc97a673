"""Forecasting, pure: models (naive, seasonal naive, drift, Prophet, an ensemble),
error metrics, frequency detection, rolling-origin backtests and model choice.

No Faust and no network: the worker's agent and `streamapp backtest` both call this.
Prophet (and pandas) are imported only when a Prophet model actually fits.
"""

from streamapp.analytics.forecasting.backtest import Backtest, Score, run_backtest
from streamapp.analytics.forecasting.choice import Forecast, ForecastPoint, choose_and_forecast
from streamapp.analytics.forecasting.frequency import Frequency, by_name, detect
from streamapp.analytics.forecasting.models import (
    Drift,
    Ensemble,
    Model,
    Naive,
    ProphetModel,
    SeasonalNaive,
    default_models,
)

__all__ = [
    "Backtest",
    "Drift",
    "Ensemble",
    "Forecast",
    "ForecastPoint",
    "Frequency",
    "Model",
    "Naive",
    "ProphetModel",
    "Score",
    "SeasonalNaive",
    "by_name",
    "choose_and_forecast",
    "default_models",
    "detect",
    "run_backtest",
]
