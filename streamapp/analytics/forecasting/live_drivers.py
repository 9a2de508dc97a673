"""Drivers in the live forecasts, pure: which models a platform's refit gets, the
`drivers` field of its `platform-forecasts` record, and the drivers a breach names
(in its message and its `drivers` field).

Live series are closed windows in UTC; the drivers calendar is in local dates of
`STREAMAPP_FORECAST_TIMEZONE`, so every context here is `utc=True`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from streamapp.analytics.forecasting.choice import Forecast
from streamapp.analytics.forecasting.drivers import Driver
from streamapp.analytics.forecasting.regressors import HOLIDAY, DriverContext


def live_context(
    drivers: Sequence[Driver], platform: str, country: str | None, tz: str
) -> DriverContext:
    return DriverContext(tuple(drivers), platform, country or None, tz, utc=True)


def drivers_field(
    context: DriverContext, forecast: Forecast, first: float, window_seconds: float
) -> list[dict[str, Any]]:
    """Known drivers active from the first history window to the end of the horizon."""
    start = _naive(first)
    end = forecast.points[-1].timestamp + timedelta(seconds=window_seconds)
    out: list[dict[str, Any]] = [
        {
            "name": d.name,
            "platform": d.platform,
            "date": d.start.isoformat(),
            "end_date": d.end.isoformat(),
            "value": d.value,
            "used": d.name in forecast.drivers,
        }
        for d in context.active(start, end)
    ]
    if HOLIDAY in forecast.drivers:
        out.append({"name": HOLIDAY, "platform": "", "used": True})
    return out


def active_drivers(
    context: DriverContext, start: float, window_seconds: float
) -> list[dict[str, Any]]:
    """The known events active in one window, as a `forecast_breach` alert's `drivers`."""
    begin = _naive(start)
    return [
        {
            "name": d.name,
            "platform": d.platform,
            "date": d.start.isoformat(),
            "end_date": d.end.isoformat(),
        }
        for d in context.active(begin, begin + timedelta(seconds=window_seconds))
    ]


def during(active: Sequence[dict[str, Any]]) -> list[str]:
    """`netflix price_change`-style names of `active_drivers`, for the breach message."""
    return [f"{d['platform'] or 'all platforms'} {d['name']}" for d in active]


def _naive(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)
