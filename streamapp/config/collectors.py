"""The real collectors: Reddit (`REDDIT_*`, the seed's names) and Google Trends
(`STREAMAPP_TRENDS_*`). Both stay off until configured, so a default worker never
reaches the internet.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings

from streamapp.config.defaults import DEFAULT_SUBREDDITS, DEFAULT_TREND_KEYWORDS, env_section


class RedditSettings(BaseSettings):
    """The Reddit collector (`REDDIT_*`, the seed's names). It runs only with credentials."""

    model_config = env_section("REDDIT_")

    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    user_agent: str = "streamapp:collector:0.1 (streaming-market research)"
    # A script app may also log in as a user; without these it is app-only (read-only).
    username: str | None = None
    password: SecretStr | None = None
    subreddits: str = DEFAULT_SUBREDDITS  # comma-separated, without the r/
    poll_seconds: float = Field(default=60.0, gt=0)
    # Endpoint overrides; unset, asyncpraw takes them from a praw.ini (or its defaults).
    oauth_url: str | None = None
    # `REDDIT_URL` (the token endpoint's host), not REDDIT_REDDIT_URL.
    reddit_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDDIT_URL", "reddit_url")
    )

    @property
    def configured(self) -> bool:
        return bool(self.client_id.strip() and self.client_secret.get_secret_value().strip())

    @property
    def subreddit_list(self) -> list[str]:
        return [s.strip().removeprefix("r/") for s in self.subreddits.split(",") if s.strip()]


class TrendsSettings(BaseSettings):
    """The Google Trends collector (`STREAMAPP_TRENDS_*`). Off unless enabled."""

    model_config = env_section("STREAMAPP_TRENDS_")

    enabled: bool = False
    keywords: str = DEFAULT_TREND_KEYWORDS  # comma-separated
    # The term every request group shares, for rescaling onto one scale (default: the first).
    anchor: str = ""
    geo: str = "US"  # empty = worldwide
    timeframe: str = "now 7-d"  # hourly points
    poll_seconds: float = Field(default=1800.0, gt=0)
    # Pause between the requests of one poll (Google rate-limits bursts).
    request_pause_seconds: float = Field(default=5.0, ge=0)
    timeout_seconds: float = Field(default=15.0, gt=0)
    base_url: str = "https://trends.google.com/trends"
    # Interest by region as well (docs/collectors.md): one country code (`US`) for its
    # subregions (US states), a comma list of country codes for those countries; empty: off.
    regions: str = ""

    @property
    def keyword_list(self) -> list[str]:
        return list(dict.fromkeys(k.strip() for k in self.keywords.split(",") if k.strip()))

    @property
    def region_codes(self) -> list[str]:
        return list(dict.fromkeys(c.strip().upper() for c in self.regions.split(",") if c.strip()))

    @field_validator("regions")
    @classmethod
    def _check_regions(cls, value: str) -> str:
        # A typo would otherwise only show as an empty map, poll after poll.
        for code in value.split(","):
            code = code.strip()
            if code and not (len(code) == 2 and code.isascii() and code.isalpha()):
                raise ValueError(
                    f"STREAMAPP_TRENDS_REGIONS: {code!r} is not a two-letter country code"
                )
        return value
