"""Plot-ready columns for the non-series views (pure): alerts, closed windows, forecast
bands, freshness badges and the worker's lag."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from streamapp.panel_dashboard import drilldown
from streamapp.panel_dashboard.palette import colour
from streamapp.panel_dashboard.queries import SEVERITY_COLOURS, name
from streamapp.panel_dashboard.state import SOURCES, DashboardState

FRESH_S, STALE_S = 30.0, 300.0  # badge colours: green under 30 s, amber under 5 min, red


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def alert_rows(state: DashboardState, platforms: list[str], limit: int = 100) -> dict:
    alerts = state.alerts_newest_first(platforms)[:limit]
    return {
        "fired_at": [_clock(a["fired_epoch"]) for a in alerts],
        "status": [a["status"] for a in alerts],
        "severity": [a["severity"] for a in alerts],
        "rule": [a["rule"] for a in alerts],
        "platform": [name(a["platform"]) for a in alerts],
        "message": [str(a.get("message", "")) for a in alerts],
        "alert_id": [a["alert_id"] for a in alerts],
        "colour": [SEVERITY_COLOURS.get(a["severity"], "#555555") for a in alerts],
        "explanation": [
            f"{explanation_html(a)}<br>{drilldown.evidence_html(state, a)}" for a in alerts
        ],
    }


REDDIT = "https://www.reddit.com/"


def explanation_html(alert: dict[str, Any]) -> str:
    """What explains an alert (its optional `top_terms`, `switch_flow`, `drivers`,
    `examples`), as the HTML shown under the alert table when its row is clicked. Every value is escaped;
    a link is kept only to reddit.com (the topic is not trusted to hold only ours)."""
    esc = html.escape
    head = f"<b>{esc(str(alert.get('rule')))} on {esc(name(str(alert.get('platform'))))}</b>"
    parts = [f"{head}: {esc(str(alert.get('message', '')))}"]
    terms = [t for t in alert.get("top_terms") or [] if isinstance(t, dict)]
    if terms:
        shown = ", ".join(
            f"{esc(str(t.get('term')))} {esc(str(t.get('count')))} "
            f"(baseline {esc(str(t.get('baseline')))})"
            for t in terms
        )
        parts.append(f"Rising terms: {shown}")
    flow = alert.get("switch_flow")
    if isinstance(flow, dict):
        parts.append(
            f"Leading flow: {esc(name(str(flow.get('from'))))} &rarr; "
            f"{esc(name(str(flow.get('to'))))} ({esc(str(flow.get('count')))} posts)"
        )
    drivers = [d for d in alert.get("drivers") or [] if isinstance(d, dict)]
    if drivers:  # forecast_breach: known events active in the window
        shown = ", ".join(
            f"{esc(str(d.get('platform') or 'all platforms'))} {esc(str(d.get('name')))} "
            f"({esc(str(d.get('date')))}..{esc(str(d.get('end_date')))})"
            for d in drivers
        )
        parts.append(f"Known drivers: {shown}")
    for post in [p for p in alert.get("examples") or [] if isinstance(p, dict)][:3]:
        where = esc(f"r/{post.get('subreddit')} {post.get('id')}")
        link = str(post.get("permalink") or "")
        if link.startswith(REDDIT):
            where = f"<a href='{esc(link)}' target='_blank' rel='noopener'>{where}</a>"
        parts.append(f"Example: {where}: {esc(str(post.get('text', '')))}")
    if len(parts) == 1:
        parts.append("No explanation with this alert (evidence ids: "
                     f"{esc(', '.join(str(e) for e in alert.get('evidence') or []) or 'none')})")  # fmt: skip
    return "<br>".join(parts)


def window_rows(state: DashboardState, platforms: list[str]) -> dict:
    """The newest closed window per platform, as the worker's tables closed it."""
    chosen = [state.windows[p] for p in platforms if p in state.windows]
    counts = [w.get("intent_counts") or {} for w in chosen]
    return {
        "platform": [name(w["platform"]) for w in chosen],
        "window_end": [_clock(w["window_end_epoch"]) for w in chosen],
        "mentions": [w["mentions"] for w in chosen],
        "piracy": [c.get("piracy", 0) for c in counts],
        "cancellation": [c.get("cancellation", 0) for c in counts],
        "switching_away": [c.get("switching_away", 0) for c in counts],
        "sentiment": [_rounded(w.get("sentiment_mean")) for w in chosen],
        "interest": [_rounded(w.get("interest_mean")) for w in chosen],
        "late": [w.get("late_events", 0) for w in chosen],
    }


def _rounded(value: Any) -> float:
    return round(float(value), 3) if isinstance(value, int | float) else float("nan")


def forecast_bands(state: DashboardState, platforms: list[str], metric: str | None = None) -> dict:
    """One band polygon (lower edge out, upper edge back) and one yhat line per forecast."""
    data: dict[str, list[Any]] = {
        "band_xs": [], "band_ys": [], "xs": [], "ys": [], "label": [], "colour": [],
    }  # fmt: skip
    for (platform, kind), forecast in sorted(state.forecasts.items()):
        if platform not in platforms or (metric and kind != metric) or not forecast.points:
            continue
        times = [p[0] * 1000 for p in forecast.points]
        data["band_xs"].append(times + times[::-1])
        data["band_ys"].append(
            [p[2] for p in forecast.points] + [p[3] for p in forecast.points][::-1]
        )
        data["xs"].append(times)
        data["ys"].append([p[1] for p in forecast.points])
        data["label"].append(f"{name(platform)} {kind} ({forecast.model})")
        data["colour"].append(colour(platform))
    return data


def freshness_rows(state: DashboardState) -> dict:
    """Per source: the newest event's time (ms) and its age; read by the page's badges."""
    now = state.clock()
    rows: dict[str, list[Any]] = {"source": [], "newest_ms": [], "age_s": [], "messages": []}
    for source in SOURCES:
        fresh = state.freshness[source]
        rows["source"].append(source)
        rows["newest_ms"].append(fresh.newest_event * 1000 if fresh.newest_event else float("nan"))
        rows["age_s"].append(now - fresh.newest_event if fresh.newest_event else float("nan"))
        rows["messages"].append(fresh.messages)
    return rows


def _badge(label: str, text: str, tone: str) -> str:
    colours = {"ok": "#2e7d32", "stale": "#ef6c00", "old": "#c62828", "none": "#757575"}
    return (
        f'<span class="badge" style="background:{colours[tone]};color:white;'
        f'border-radius:4px;padding:2px 8px;margin-right:6px">{html.escape(label)}: '
        f"{html.escape(text)}</span>"
    )


def age_text(age_s: float) -> str:
    if age_s < 90:
        return f"{max(age_s, 0):.1f} s"
    if age_s < 5400:
        return f"{age_s / 60:.0f} min"
    return f"{age_s / 3600:.1f} h"


def badges_html(state: DashboardState) -> str:
    rows = freshness_rows(state)
    parts = []
    for source, age, count in zip(rows["source"], rows["age_s"], rows["messages"], strict=True):
        if count == 0:
            parts.append(_badge(source, "no events", "none"))
            continue
        tone = "ok" if age < FRESH_S else "stale" if age < STALE_S else "old"
        parts.append(_badge(source, f"newest {age_text(age)} old", tone))
    lag = state.worker_lag
    if lag is None:
        parts.append(_badge("worker lag", "unknown", "none"))
    else:
        total = sum(lag.values())
        tone = "ok" if total < 1000 else "stale" if total < 100_000 else "old"
        parts.append(_badge("worker lag", f"{total:,} messages", tone))
    return "".join(parts)
