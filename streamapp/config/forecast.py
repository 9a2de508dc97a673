"""Live forecasts of the closed windows (`STREAMAPP_FORECAST_*`); the country and time
zone are checked at start, since a bad one would fail every refit.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from streamapp.config.defaults import env_section


class ForecastSettings(BaseSettings):
    """Live forecasts of the closed windows (`STREAMAPP_FORECAST_*`)."""

    model_config = env_section("STREAMAPP_FORECAST_")

    enabled: bool = True
    # A platform's forecasts are refitted at most this often (wall clock).
    refit_seconds: float = Field(default=300.0, gt=0)
    # Where fits run: a child process (off the worker's GIL and memory) or, where
    # processes cannot be started, a thread of the worker.
    fit_in: Literal["process", "thread"] = "process"
    horizon: int = Field(default=10, ge=1)  # windows ahead
    min_history: int = Field(default=40, ge=10)  # windows before the first forecast
    max_history: int = Field(default=720, ge=20)  # windows kept per platform
    band_level: float = Field(default=0.95, gt=0, lt=1)  # coverage of the forecast band
    origins: int = Field(default=4, ge=1)  # backtest origins that choose the model
    prophet: bool = True  # Prophet (and the ensemble) among the candidate models
    # A breach resolves once the window is back within this fraction of the band's half-width.
    resolve_score: float = Field(default=0.5, ge=0)
    # Public holidays of this country (ISO code, the `holidays` package's tables) are a
    # driver; empty: none. Drivers' dates are local dates of `timezone`.
    country: str = "US"
    timezone: str = "UTC"

    # Checked at start: a bad value would otherwise fail every refit, one at a time.
    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        value = value.strip().upper()
        if value:
            import holidays

            if value not in holidays.list_supported_countries():
                raise ValueError(f"{value!r} has no public holidays in the `holidays` package")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(
                f"{value!r} is not an IANA time zone (e.g. America/New_York)"
            ) from None
        return value
