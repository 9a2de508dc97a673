"""Search-interest model: trend keywords, their levels, seasonal factors and scenario effects."""

from __future__ import annotations

import math
from dataclasses import dataclass

from streamapp.sources.scenarios import SCENARIO_TRENDS, Scenario

__all__ = [
    "BRAND_KEYWORDS",
    "DAILY_AMPLITUDE",
    "PEAK_HOUR_LOCAL",
    "TREND_KEYWORDS",
    "UTC_OFFSET_HOURS",
    "WEEKDAY_FACTORS",
    "TrendKeyword",
    "cancel_keyword",
    "scenario_keywords",
    "seasonal_factor",
    "trend_level",
]


@dataclass(frozen=True)
class TrendKeyword:
    keyword: str
    platform: str | None
    level: float  # mean interest on Google's 0-100 scale, over a week
    role: str  # "brand", "alternative" or "cancel"
    about: str | None = None  # the platform a scenario acts on, when not the wire `platform`


# Levels as the same terms compare on one Google Trends chart (US, 2023-2024).
_BRANDS = (
    ("netflix", "netflix", 35.0),
    ("hulu", "hulu", 11.5),
    ("disney plus", "disney_plus", 5.5),
    ("hbo max", "max", 3.0),
    ("prime video", "prime_video", 3.0),
    ("peacock", "peacock", 2.0),
    ("youtube tv", "youtube_tv", 2.0),
    ("paramount plus", "paramount_plus", 1.5),
    ("apple tv plus", "apple_tv_plus", 1.0),
    ("sling tv", "sling_tv", 1.0),
)
BRAND_KEYWORDS: dict[str, TrendKeyword] = {
    p: TrendKeyword(k, p, level, "brand") for k, p, level in _BRANDS
}


def cancel_keyword(platform: str) -> TrendKeyword:
    """ "cancel <platform>": a churn term, not the platform's own search interest, so it
    carries platform null like the alternative-viewing terms (the per-platform interest
    windows average brand searches only; the term itself stays on the topic)."""
    brand = BRAND_KEYWORDS[platform]
    level = max(0.04 * brand.level, 0.3)
    return TrendKeyword(f"cancel {brand.keyword}", None, level, "cancel", about=platform)


TREND_KEYWORDS: tuple[TrendKeyword, ...] = (
    *BRAND_KEYWORDS.values(),
    TrendKeyword("free streaming", None, 2.5, "alternative"),
    TrendKeyword("watch free online", None, 1.5, "alternative"),
    cancel_keyword("netflix"),
)

# Day-of-week factors (Mon..Sun) measured on Google Trends daily series for netflix,
# disney plus, hulu, prime video and hbo max, 2022-10-01..2022-12-07; mean 1.0.
WEEKDAY_FACTORS = (0.94, 0.89, 0.89, 0.89, 0.99, 1.19, 1.21)
DAILY_AMPLITUDE = 0.3  # evening peak 1.3x, early-morning trough 0.7x
PEAK_HOUR_LOCAL = 21.0
UTC_OFFSET_HOURS = -5.0  # the audience's clock: US Eastern (standard time)


def seasonal_factor(t: float) -> float:
    """Daily x weekly rhythm of search interest at epoch `t`; averages 1.0 over a week."""
    local = t + UTC_OFFSET_HOURS * 3600
    weekday = (math.floor(local / 86400) + 3) % 7  # 1970-01-01 was a Thursday
    hour = (local % 86400) / 3600
    daily = 1 + DAILY_AMPLITUDE * math.cos(2 * math.pi * (hour - PEAK_HOUR_LOCAL) / 24)
    return daily * WEEKDAY_FACTORS[weekday]


def trend_level(scenario: Scenario, kw: TrendKeyword, level: float) -> float:
    effects = SCENARIO_TRENDS[scenario.kind]
    effect = effects.get(kw.keyword)
    if effect is None and (kw.about or kw.platform) == scenario.platform:
        effect = effects.get(kw.role)
    if effect is None:
        return level
    multiplier, points = effect
    return level * multiplier + points


def scenario_keywords(scenario: Scenario) -> tuple[TrendKeyword, ...]:
    """Extra keywords a scenario needs on the chart ("cancel hulu" for a price hike)."""
    return (
        (cancel_keyword(scenario.platform),) if "cancel" in SCENARIO_TRENDS[scenario.kind] else ()
    )
