"""The headline row: the selection's numbers at a glance, each against the range before.

For the chosen platforms over [start, end): posts (each post once, however many chosen
platforms it names: read from the per-platform-set ring), searches (mean interest), the
shares of piracy, cancellation and switching posts, mean sentiment and the alerts fired;
and the same over the previous range of the same length. Counts and means change in per
cent; shares change in percentage points and sentiment (-1..1, often near 0, where a per
cent is meaningless) as a difference. Pure: no Panel, no Kafka.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from streamapp.panel_dashboard.state import (
    CANCELLATION,
    INTEREST_N,
    INTEREST_SUM,
    MENTIONS,
    PIRACY,
    SENT_N,
    SENT_SUM,
    SWITCHING,
    DashboardState,
)

MAX_POINTS = 1  # one step: only the range's sums are needed


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    value: float  # NaN: no data
    previous: float  # NaN: no data (or the previous range is older than the history)
    kind: str  # "count", "mean", "share" or "score": how the change is shown

    def change(self) -> tuple[str, str]:
        """(arrow, text) of the change against the previous range."""
        now, before = self.value, self.previous
        if math.isnan(now) or math.isnan(before):
            return "", "no previous data"
        delta = now - before
        arrow = "&#9650;" if delta > 0 else "&#9660;" if delta < 0 else "="
        if self.kind == "share":
            return arrow, f"{delta:+.1f} pp"
        if self.kind == "score":
            return arrow, f"{delta:+.2f}"
        if before == 0:
            return arrow, "new" if now else "0 %"
        return arrow, f"{100 * delta / abs(before):+.0f} %"

    def shown(self) -> str:
        if math.isnan(self.value):
            return "&ndash;"
        if self.kind == "share":
            return f"{self.value:.1f} %"
        if self.kind == "score":
            return f"{self.value:+.2f}"
        if self.kind == "mean":
            return f"{self.value:.1f}"
        return f"{self.value:,.0f}"


def _sums(state: DashboardState, chosen: set[str], span: float, end: float) -> list[float]:
    """Post stats (per platform set, each post once) and interest stats, over the range."""
    posts = state.window(span, MAX_POINTS, end, posts=True)
    totals = [0.0] * 8
    for key, stats in posts.stats.items():
        if chosen & set(key.split("+")):
            for slot in (MENTIONS, SENT_SUM, SENT_N, PIRACY, CANCELLATION, SWITCHING):
                totals[slot] += float(stats[slot].sum())
    per_platform = state.window(span, MAX_POINTS, end)
    for platform in chosen:
        stats = per_platform.stats.get(platform)
        if stats is not None:
            totals[INTEREST_SUM] += float(stats[INTEREST_SUM].sum())
            totals[INTEREST_N] += float(stats[INTEREST_N].sum())
    return totals


def _ratio(top: float, bottom: float, scale: float = 1.0) -> float:
    return scale * top / bottom if bottom else math.nan


def _fired(state: DashboardState, chosen: set[str], start: float, end: float) -> float:
    ids = {
        a["alert_id"]
        for a in state.alerts
        if a["status"] == "firing" and a["platform"] in chosen and start <= a["fired_epoch"] < end
    }
    return float(len(ids))


def metrics(state: DashboardState, platforms: list[str], start: float, end: float) -> list[Metric]:
    chosen, span = set(platforms), end - start
    now = _sums(state, chosen, span, end)
    # The previous range only counts if the dashboard remembers all of it.
    known = start - span >= state.clock() - state.history_s - state.bucket_s
    before = _sums(state, chosen, span, start) if known else [math.nan] * 8

    def both(fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
        return fn(now), fn(before)

    rows = [
        ("posts", "posts", both(lambda s: s[MENTIONS]), "count"),
        ("searches", "searches (mean interest)",
         both(lambda s: _ratio(s[INTEREST_SUM], s[INTEREST_N])), "mean"),
        ("piracy", "piracy posts", both(lambda s: _ratio(s[PIRACY], s[MENTIONS], 100)), "share"),
        ("cancellation", "cancellation posts",
         both(lambda s: _ratio(s[CANCELLATION], s[MENTIONS], 100)), "share"),
        ("switching", "switching posts",
         both(lambda s: _ratio(s[SWITCHING], s[MENTIONS], 100)), "share"),
        ("sentiment", "mean sentiment", both(lambda s: _ratio(s[SENT_SUM], s[SENT_N])), "score"),
    ]  # fmt: skip
    out = [Metric(key, label, cur, prev, kind) for key, label, (cur, prev), kind in rows]
    fired_before = _fired(state, chosen, start - span, start) if known else math.nan
    out.append(
        Metric("alerts", "alerts fired", _fired(state, chosen, start, end), fired_before, "count")
    )
    return out


def columns(found: list[Metric]) -> dict[str, list]:
    """The numbers, for a source the page (and the browser test) can read."""
    return {
        "metric": [m.key for m in found],
        "value": [m.value for m in found],
        "previous": [m.previous for m in found],
        "change": [m.change()[1] for m in found],
    }


def cards_html(found: list[Metric], firing_now: int) -> str:
    cards = []
    for m in found:
        arrow, text = m.change()
        extra = f" ({firing_now} firing now)" if m.key == "alerts" else ""
        cards.append(
            '<div class="card" style="flex:1;min-width:120px;padding:6px 10px;'
            'border:1px solid #ddd;border-radius:6px">'
            f'<div style="font-size:11px;color:#555">{html.escape(m.label)}{extra}</div>'
            f'<div style="font-size:22px;font-weight:bold">{m.shown()}</div>'
            f'<div style="font-size:11px;color:#555">{arrow} {html.escape(text)} '
            "vs the previous range</div></div>"
        )
    return f'<div style="display:flex;gap:8px;width:100%">{"".join(cards)}</div>'


def firing_now(state: DashboardState, platforms: list[str]) -> int:
    """Alerts whose newest message is `firing` (not resolved since)."""
    newest: dict[str, tuple[float, str]] = {}
    for a in state.alerts:
        if a["platform"] in platforms:
            seen = newest.get(a["alert_id"])
            if seen is None or seen[0] <= a["fired_epoch"]:
                newest[a["alert_id"]] = (a["fired_epoch"], a["status"])
    return sum(1 for _, status in newest.values() if status == "firing")
