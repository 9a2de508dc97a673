"""The viewers' part of the worker: per-account features, the churn model and title
trends (`STREAMAPP_*`, `STREAMAPP_TITLE_TRENDS_*`, docs/viewers.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings

from streamapp.config.defaults import env_section


class ViewerSettings(BaseSettings):
    """Per-account features and the churn model (`STREAMAPP_*`, docs/viewers.md)."""

    model_config = env_section("STREAMAPP_")

    # A label is 1 when the account cancels within this many days of the score, else 0.
    churn_horizon_days: float = Field(default=30.0, gt=0)
    # An account idle this long (event time) leaves the features table: memory stays bounded.
    # Longer than the horizon, so its last labels are learned before it goes.
    account_expiry_days: float = Field(default=45.0, gt=0)
    # Risk above this counts an account as at risk.
    churn_risk_threshold: float = Field(default=0.5, gt=0, lt=1)
    # A score goes to `churn-risk` when it moved by more than this since the last one sent.
    churn_risk_min_change: float = Field(default=0.05, ge=0, lt=1)
    # A signup (or resubscribe) this many days or fewer after a cancel on another platform
    # is a move from it (`moved_from` on `subscription-events`; event time). At most the
    # expiry: the cancelled account's state, which remembers the cancel, must still be held.
    viewer_move_days: float = Field(default=30.0, gt=0)
    # What GET /recommendations serves: the blend, or the popularity baseline it is
    # measured against (docs/recommendations.md).
    recommender: Literal["blend", "popularity"] = "blend"

    @model_validator(mode="after")
    def _moves_within_expiry(self) -> ViewerSettings:
        if self.viewer_move_days > self.account_expiry_days:
            raise ValueError(
                "STREAMAPP_VIEWER_MOVE_DAYS must not exceed STREAMAPP_ACCOUNT_EXPIRY_DAYS: "
                "a cancel is remembered only while the account's state is kept"
            )
        return self


class TitleTrendSettings(BaseSettings):
    """Title trends per platform and window (`STREAMAPP_TITLE_TRENDS_*`, docs/viewers.md#trending);
    the windows are the platform windows' (`STREAMAPP_WINDOW_SECONDS`, lateness and idling)."""

    model_config = env_section("STREAMAPP_TITLE_TRENDS_")

    # Titles listed in `top` and in `rising` of each window.
    top: int = Field(default=10, ge=1, le=100)
    # A title is rising only with at least this many plays in the window (0 -> 1 is noise).
    min_rising_plays: int = Field(default=3, ge=1)
