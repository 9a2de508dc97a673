"""The daily brief's numbers (docs/brief.md), from the records of three topics: closed
windows (`platform-windows`), alerts (`streaming-alerts`) and forecasts
(`platform-forecasts`). Pure: records in (plain dicts), one summary dict out.

The period is [now - since, now); "before" is the period of the same length just before
it, so every change is against a like stretch of time. A window belongs to the period
its start falls in; a window sent again (a revision) counts once, its last revision.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

Record = Mapping[str, Any]
TOP_FLOWS = 5


def epoch(text: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(text)).timestamp()
    except ValueError:
        return None


def latest_windows(windows: Iterable[Record]) -> list[Record]:
    """One record per window_id: its highest revision."""
    kept: dict[str, Record] = {}
    for w in windows:
        known = kept.get(str(w.get("window_id")))
        if known is None or int(w.get("revision") or 0) >= int(known.get("revision") or 0):
            kept[str(w.get("window_id"))] = w
    return list(kept.values())


def _totals(windows: Iterable[Record]) -> dict[str, dict[str, float]]:
    """Per platform: mentions, interest sum and count, piracy and cancellation posts."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for w in windows:
        t = totals[str(w.get("platform"))]
        counts = w.get("intent_counts") or {}
        t["mentions"] += float(w.get("mentions") or 0)
        t["interest_sum"] += float(w.get("interest_sum") or 0.0)
        t["interest_count"] += float(w.get("interest_count") or 0)
        t["piracy"] += float(counts.get("piracy", 0))
        t["cancellation"] += float(counts.get("cancellation", 0))
    return totals


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None:
        return None
    return round(now - before, 4)


def _platform_rows(current: list[Record], previous: list[Record]) -> list[dict[str, Any]]:
    cur, prev = _totals(current), _totals(previous)
    cur_all = sum(t["mentions"] for t in cur.values())
    prev_all = sum(t["mentions"] for t in prev.values())
    rows: list[dict[str, Any]] = []
    for platform in sorted(set(cur) | set(prev)):
        c, p = cur.get(platform, {}), prev.get(platform, {})
        share = c.get("mentions", 0.0) / cur_all if cur_all else None
        share_before = p.get("mentions", 0.0) / prev_all if prev_all else None
        interest = c["interest_sum"] / c["interest_count"] if c.get("interest_count") else None
        interest_before = (
            p["interest_sum"] / p["interest_count"] if p.get("interest_count") else None
        )
        rows.append(
            {
                "platform": platform,
                "mentions": int(c.get("mentions", 0)),
                "share": None if share is None else round(share, 4),
                "share_change": _change(share, share_before),
                "interest": None if interest is None else round(interest, 2),
                "interest_change": _change(interest, interest_before),
                "piracy": int(c.get("piracy", 0)),
                "piracy_before": int(p.get("piracy", 0)),
                "cancellation": int(c.get("cancellation", 0)),
                "cancellation_before": int(p.get("cancellation", 0)),
            }
        )
    rows.sort(key=lambda r: (-r["mentions"], r["platform"]))
    return rows


def _flows(windows: Iterable[Record]) -> list[dict[str, Any]]:
    """The largest from->to moves: each window's switching row of the platform left."""
    moves: dict[tuple[str, str], int] = defaultdict(int)
    for w in windows:
        for to, count in (w.get("switching_to") or {}).items():
            moves[(str(w.get("platform")), str(to))] += int(count)
    ranked = sorted(moves.items(), key=lambda item: (-item[1], item[0]))[:TOP_FLOWS]
    return [{"from": f, "to": t, "count": n} for (f, t), n in ranked]


def _alerts(alerts: Iterable[Record], start: float, end: float) -> dict[str, Any]:
    """Firing and resolved messages sent in the period (one per alert_id and status)."""
    seen: dict[tuple[str, str], Record] = {}
    for a in alerts:
        at = epoch(a.get("fired_at"))
        if at is not None and start <= at < end:
            seen.setdefault((str(a.get("alert_id")), str(a.get("status"))), a)
    fired = [a for (_, status), a in seen.items() if status == "firing"]
    resolved = {aid for aid, status in seen if status == "resolved"}
    fired.sort(key=lambda a: str(a.get("fired_at")))
    return {
        "fired": len(fired),
        "resolved": len(resolved),
        "open": sum(1 for a in fired if str(a.get("alert_id")) not in resolved),
        "list": [
            {
                "fired_at": a.get("fired_at"),
                "rule": a.get("rule"),
                "platform": a.get("platform"),
                "severity": a.get("severity"),
                "message": a.get("message"),
                "resolved": str(a.get("alert_id")) in resolved,
            }
            for a in fired
        ],
    }


def _actual(window: Record, metric: str) -> float | None:
    if metric == "mentions":
        return float(window.get("mentions") or 0)
    return window.get("interest_mean")


def _forecasts(
    forecasts: Iterable[Record], windows: list[Record], start: float, end: float
) -> list[dict[str, Any]]:
    """Per (platform, metric): the period's windows against the forecast made for them
    most recently before each window began: mean absolute error, share inside the band."""
    actual = {
        (str(w.get("platform")), epoch(w.get("window_start"))): w
        for w in windows
        if (epoch(w.get("window_start")) or 0.0) >= start
    }
    best: dict[tuple[str, str, float], tuple[float, Record]] = {}
    for f in forecasts:
        made = epoch(f.get("generated_at"))
        for point in f.get("points") or []:
            at = epoch(point.get("timestamp"))
            if made is None or at is None or not start <= at < end or made > at:
                continue
            key = (str(f.get("platform")), str(f.get("metric")), at)
            if key not in best or made > best[key][0]:
                best[key] = (made, point)
    pairs: dict[tuple[str, str], list[tuple[float, Record]]] = defaultdict(list)
    for (platform, metric, at), (_, point) in best.items():
        window = actual.get((platform, at))
        value = None if window is None else _actual(window, metric)
        if value is not None:
            pairs[(platform, metric)].append((float(value), point))
    rows: list[dict[str, Any]] = []
    for (platform, metric), found in sorted(pairs.items()):
        errors = [abs(v - float(p.get("yhat") or 0.0)) for v, p in found]
        inside = [
            float(p.get("yhat_lower") or 0.0) <= v <= float(p.get("yhat_upper") or 0.0)
            for v, p in found
        ]
        rows.append(
            {
                "platform": platform,
                "metric": metric,
                "windows": len(found),
                "actual_mean": round(sum(v for v, _ in found) / len(found), 2),
                "forecast_mean": round(
                    sum(float(p.get("yhat") or 0.0) for _, p in found) / len(found), 2
                ),
                "mae": round(sum(errors) / len(errors), 2),
                "inside_band": round(sum(inside) / len(inside), 3),
            }
        )
    return rows


def build_brief(
    windows: Iterable[Record],
    alerts: Iterable[Record],
    forecasts: Iterable[Record],
    now: float,
    since_s: float,
) -> dict[str, Any]:
    start, before = now - since_s, now - 2 * since_s
    kept = latest_windows(windows)
    current = [w for w in kept if start <= (epoch(w.get("window_start")) or 0.0) < now]
    previous = [w for w in kept if before <= (epoch(w.get("window_start")) or 0.0) < start]
    return {
        "start": start,
        "end": now,
        "since_s": since_s,
        "windows": len(current),
        "alerts": _alerts(alerts, start, now),
        "platforms": _platform_rows(current, previous),
        "flows": _flows(current),
        "forecasts": _forecasts(forecasts, current, start, now),
    }
