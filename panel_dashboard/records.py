"""The few fields the dashboard reads from each topic, decoded from JSON bytes.

The dashboard is a reader: it never needs the worker's Faust records, only a handful of
fields. Decoding here (plain dicts, no Faust) keeps the process light and lets a bad
message become a `ValueError` with a reason instead of a crash in the feed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

TEXT_KEPT = 400  # characters of a post's text kept for the drill-down (bounded memory)
INTENTS = ("piracy", "switching", "cancellation", "price_complaint", "content_gap")


def _object(raw: bytes | str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _number(value: dict[str, Any], name: str) -> float:
    got = value.get(name)
    if isinstance(got, bool) or not isinstance(got, int | float) or not math.isfinite(got):
        raise ValueError(f"field {name!r} must be a finite number, got {got!r}")
    return float(got)


def _text(value: dict[str, Any], name: str) -> str:
    got = value.get(name)
    if not isinstance(got, str) or not got:
        raise ValueError(f"field {name!r} must be a non-empty string, got {got!r}")
    return got


def epoch(value: object, name: str = "timestamp") -> float:
    """ISO-8601 with an offset, or epoch seconds -> epoch seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.timestamp()
    raise ValueError(f"field {name!r} must be ISO-8601 with a UTC offset, got {value!r}")


@dataclass(frozen=True, slots=True)
class Signal:
    """A classified post (`discussion-signals`)."""

    event_time: float
    platforms: tuple[str, ...]
    intents: frozenset[str]
    sentiment: float
    switch_from: str | None
    switch_to: str | None
    event_id: str | None = None  # the post's id: a signal delivered again repeats it
    # For the drill-down (the posts behind an alert or a point): what the post said.
    text: str = ""
    subreddit: str = ""
    permalink: str | None = None  # https://www.reddit.com/... when it came from Reddit


def parse_signal(raw: bytes | str) -> Signal:
    value = _object(raw)
    platforms = value.get("platforms")
    intents = value.get("intents")
    if not isinstance(platforms, list) or not isinstance(intents, list):
        raise ValueError("fields 'platforms' and 'intents' must be lists")
    return Signal(
        event_time=_number(value, "created_utc"),
        platforms=tuple(str(p) for p in platforms),
        intents=frozenset(str(i) for i in intents),
        sentiment=_number(value, "sentiment"),
        switch_from=value.get("switch_from") or None,
        switch_to=value.get("switch_to") or None,
        event_id=value["event_id"] if isinstance(value.get("event_id"), str) else None,
        text=str(value.get("text") or "")[:TEXT_KEPT],
        subreddit=str(value.get("subreddit") or ""),
        permalink=value["permalink"] if isinstance(value.get("permalink"), str) else None,
    )


@dataclass(frozen=True, slots=True)
class Interest:
    """A search-interest point (`streaming-trends`); `platform` None for generic terms."""

    event_time: float
    keyword: str
    platform: str | None
    interest: float
    # Set on interest *by region* (STREAMAPP_TRENDS_REGIONS): a region compared with the
    # others for one keyword, not interest over time; the national charts skip it.
    region_of: str | None = None


def parse_interest(raw: bytes | str) -> Interest:
    value = _object(raw)
    return Interest(
        event_time=epoch(value.get("timestamp")),
        keyword=_text(value, "keyword"),
        platform=value.get("platform") or None,
        interest=_number(value, "interest"),
        region_of=value.get("region_of") or None,
    )


def parse_window(raw: bytes | str) -> dict[str, Any]:
    """A closed window (`platform-windows`): kept as the worker wrote it, checked."""
    value = _object(raw)
    _text(value, "platform")
    value["window_end_epoch"] = epoch(value.get("window_end"), "window_end")
    _number(value, "mentions")
    return value


def parse_alert(raw: bytes | str) -> dict[str, Any]:
    """An alert (`streaming-alerts`), with `fired_epoch` added for ordering."""
    value = _object(raw)
    for name in ("alert_id", "rule", "platform", "status", "severity"):
        _text(value, name)
    value["fired_epoch"] = epoch(value.get("fired_at"), "fired_at")
    return value


@dataclass(frozen=True, slots=True)
class Forecast:
    """A forecast (`platform-forecasts`): one band per (platform, metric, model)."""

    platform: str
    metric: str
    model: str
    generated_at: float
    # (timestamp, yhat, lower, upper) per step, in time order
    points: tuple[tuple[float, float, float, float], ...]


def parse_forecast(raw: bytes | str) -> Forecast:
    value = _object(raw)
    steps = value.get("points")
    if not isinstance(steps, list):
        raise ValueError("field 'points' must be a list")
    points = []
    for step in steps:
        if not isinstance(step, dict):
            raise ValueError("each forecast point must be an object")
        yhat = _number(step, "yhat")
        lower = step.get("yhat_lower", yhat)
        upper = step.get("yhat_upper", yhat)
        points.append((epoch(step.get("timestamp")), yhat, float(lower), float(upper)))
    points.sort()
    return Forecast(
        platform=_text(value, "platform"),
        metric=_text(value, "metric"),
        model=str(value.get("model") or "model"),
        generated_at=epoch(value.get("generated_at"), "generated_at"),
        points=tuple(points),
    )


def parse_title_trends(raw: bytes | str) -> dict[str, Any]:
    """A closed title-trends window: counts checked, `window_end_epoch` added."""
    value = _object(raw)
    _text(value, "window_id")
    _text(value, "platform")
    value["window_end_epoch"] = epoch(value.get("window_end"), "window_end")
    _number(value, "plays")
    _number(value, "recommended_plays")
    for name in ("top", "rising"):
        rows = value.get(name)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError(f"field {name!r} must be a list of objects")
    return value
