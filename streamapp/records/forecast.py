"""`platform-forecasts`: the latest forecast of one metric of one platform."""

from __future__ import annotations

from streamapp.records.derived import DERIVED_SCHEMA_VERSION, _JsonRecord


class PlatformForecast(_JsonRecord):
    """Keyed by platform. `points` holds one dict per future window:
    `timestamp` (ISO-8601, the window's start), `yhat`, `yhat_lower`, `yhat_upper`."""

    # deterministic: platform|metric|start of the last window the fit saw (idempotent upserts)
    forecast_id: str
    platform: str
    metric: str  # "mentions" or "interest"
    model: str  # the backtest's winner: naive, seasonal_naive, drift, prophet, ensemble
    generated_at: str
    points: list[dict[str, object]]
    history_windows: int
    window_seconds: float
    backtest_mase: float | None  # the model's MASE over the backtest's origins
    # Known drivers active from the first history window to the last forecast one, each
    # {"name", "platform", "date", "end_date", "value", "used"}; `used`: the chosen model
    # has it as a regressor (public holidays appear as name "holiday" when used).
    drivers: list[dict[str, object]] | None = None
    schema_version: int = DERIVED_SCHEMA_VERSION
