"""The records the window closer sends (closed windows) and the data-free contributions it
receives besides partials (ticks, workers' progress reports, the viewers' gauge)."""

from __future__ import annotations

from typing import Any

from streamapp.analytics import explain
from streamapp.analytics.windows import Window, summarize, window_key
from streamapp.records import Contribution, WindowAggregate
from streamapp.records.raw import iso_utc


def window_record(window: Window, size: float, closed_by: str, now: float) -> WindowAggregate:
    """A window as `platform-windows` carries it, first close or revision alike."""
    platform, start = window["platform"], window["window_start"]
    return WindowAggregate(
        window_id=window_key(platform, start),
        platform=platform,
        window_start=iso_utc(start),
        window_end=iso_utc(start + size),
        mentions=window["mentions"],
        intent_counts=window["intent_counts"],
        sentiment_sum=round(window["sentiment_sum"], 6),
        sentiment_count=window["sentiment_count"],
        interest_sum=window["interest_sum"],
        interest_count=window["interest_count"],
        switching_to=window["switching_to"],
        switching_from=window["switching_from"],
        late_events=window.get("late_events", 0),
        closed_by=closed_by,
        closed_at=iso_utc(now),
        revision=window.get("revision", 0),
        accounts_active=window.get("accounts_active"),
        accounts_at_risk=window.get("accounts_at_risk"),
        expected_cancellations=window.get("expected_cancellations"),
        risk_histogram=window.get("risk_histogram"),
        churn_quality=window.get("churn_quality"),
        **summarize(window),
        **explain.record_fields(window),
    )


def _data_free(platform: str = "", **fields: Any) -> Contribution:
    return Contribution(
        platform=platform,
        window_start=0.0,
        max_event_time=0.0,
        intent_counts={},
        switching_to={},
        switching_from={},
        evidence={},
        **{"sources": {}, **fields},
    )


def tick(now: float, sources: dict[str, float] | None = None) -> Contribution:
    """A data-free contribution that only moves the wall clock of a partition, or with
    `sources` a worker's report of how far its input lanes' delivered events reach."""
    return _data_free(sources=dict(sources or {}), tick_wall=now)


def viewers_report(platform: str, partition: int, row: list[Any]) -> Contribution:
    """A viewing partition's gauge of one platform at a daily tick: [day, active,
    at_risk, expected_cancellations, ...] (streamapp/analytics/viewer_gauge.py)."""
    return _data_free(platform, viewers={str(partition): list(row)})
