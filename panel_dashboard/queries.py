"""Plot-ready columns from the shared state (pure): what each view draws, nothing drawn.

Every function returns a dict of equal-length columns for a Bokeh ColumnDataSource, so a
view only swaps `source.data`. Times are epoch milliseconds (Bokeh's datetime axis).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from streamapp.analytics.platforms import PLATFORMS
from streamapp.panel_dashboard.palette import colour
from streamapp.panel_dashboard.ring import STATS
from streamapp.panel_dashboard.state import (
    ALT,
    CANCELLATION,
    CONTENT_GAP,
    INTEREST_N,
    INTEREST_SUM,
    MENTIONS,
    PIRACY,
    SENT_N,
    SENT_SUM,
    SWITCHING,
    DashboardState,
)

SEVERITY_COLOURS = {"critical": "#c62828", "warning": "#ef6c00", "info": "#2e7d32"}
MAX_POINTS = 300  # per line: a 6-hour range at 5-s buckets is merged into 75-s steps


def name(platform: str) -> str:
    return PLATFORMS.get(platform, "Alternative viewing" if platform == ALT else platform)


COUNTS = {
    "mentions": MENTIONS, "piracy": PIRACY, "cancellation": CANCELLATION, "switching": SWITCHING,
    "content_gap": CONTENT_GAP,
}  # fmt: skip
MEANS = {"interest": (INTEREST_SUM, INTEREST_N), "sentiment": (SENT_SUM, SENT_N)}


def _series(stats: np.ndarray, metric: str) -> np.ndarray:
    """One metric per step from a platform's summed stats (means: NaN where no data)."""
    if metric in COUNTS:
        return stats[COUNTS[metric]]
    sums, counts = MEANS[metric]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(stats[counts] > 0, stats[sums] / stats[counts], np.nan)


def lines(
    state: DashboardState,
    metric: str,
    platforms: list[str],
    range_s: float,
    end: float | None = None,
) -> dict:
    """One line per platform (multi_line columns): counts per step, or means (gaps as NaN),
    over `range_s` up to `end` (None: now; the same for every function here)."""
    window = state.window(range_s, MAX_POINTS, end)
    data: dict[str, list[Any]] = {"xs": [], "ys": [], "platform": [], "label": [], "colour": []}
    # numpy arrays, not lists: Bokeh sends an array as one binary buffer, a list number by
    # number (that encoding was most of a redraw's server time with five time charts).
    xs = np.asarray(window.ends_ms, dtype=np.float64)
    for platform in platforms:
        stats = window.stats.get(platform)
        if stats is None:
            continue
        ys = _series(stats, metric)
        present = {"interest": stats[INTEREST_N], "sentiment": stats[SENT_N]}.get(metric, ys)
        if not np.any(present):
            continue  # no line (and no legend entry) for a platform without data
        data["xs"].append(xs)
        data["ys"].append(np.array(ys, dtype=np.float64))  # a copy: not a view of the ring
        data["platform"].append(platform)
        data["label"].append(name(platform))
        data["colour"].append(colour(platform))
    return data


def points(line_data: dict) -> dict:
    """The non-empty values of a `lines` result, one row each (for markers)."""
    found: dict[str, list[Any]] = {"x": [], "y": [], "platform": []}
    for platform, xs, ys in zip(
        line_data["platform"], line_data["xs"], line_data["ys"], strict=True
    ):
        for x, y in zip(xs, ys, strict=True):
            if y == y:  # not NaN
                found["x"].append(x)
                found["y"].append(y)
                found["platform"].append(platform)
    return found


def totals(
    state: DashboardState, platforms: list[str], range_s: float, end: float | None = None
) -> dict[str, list[float]]:
    """The stats summed over the whole range, per platform (zeros for one without data)."""
    window = state.window(range_s, MAX_POINTS, end)
    empty = [0.0] * STATS
    return {
        p: window.stats[p].sum(axis=1).tolist() if p in window.stats else empty for p in platforms
    }


def shares(
    state: DashboardState, platforms: list[str], range_s: float, end: float | None = None
) -> dict:
    """Share of mentions and of search interest per platform (each sums to 100 %)."""
    sums = totals(state, platforms, range_s, end)
    platforms = [p for p in platforms if sums[p][MENTIONS] or sums[p][INTEREST_N]]
    mentions = {p: sums[p][MENTIONS] for p in platforms}
    interest = {
        p: sums[p][INTEREST_SUM] / sums[p][INTEREST_N] if sums[p][INTEREST_N] else 0.0
        for p in platforms
    }
    all_mentions, all_interest = sum(mentions.values()), sum(interest.values())
    return {
        "platform": platforms,
        "label": [name(p) for p in platforms],
        "colour": [colour(p) for p in platforms],
        "mentions": [mentions[p] for p in platforms],
        "mention_share": [
            100 * mentions[p] / all_mentions if all_mentions else 0 for p in platforms
        ],
        "interest_share": [
            100 * interest[p] / all_interest if all_interest else 0 for p in platforms
        ],
    }


def leader_ratio(share_data: dict) -> str:
    """ "Netflix : Disney+ = 2.4 : 1 in mentions" for the two most mentioned platforms."""
    ranked = sorted(
        zip(share_data["mentions"], share_data["label"], share_data["interest_share"], strict=True),
        reverse=True,
    )
    if len(ranked) < 2 or ranked[1][0] == 0:
        return "Not enough mentions yet for a ratio."
    (m1, a, i1), (m2, b, i2) = ranked[0], ranked[1]
    text = f"{a} : {b} = {m1 / m2:.1f} : 1 in mentions"
    if i2 > 0:
        text += f", {i1 / i2:.1f} : 1 in search interest"
    return text


def sentiment_bars(
    state: DashboardState, platforms: list[str], range_s: float, end: float | None = None
) -> dict:
    sums = totals(state, platforms, range_s, end)
    chosen = [p for p in platforms if sums[p][SENT_N]]
    means = [sums[p][SENT_SUM] / sums[p][SENT_N] for p in chosen]
    return {
        "label": [name(p) for p in chosen],
        "sentiment": means,
        "posts": [sums[p][SENT_N] for p in chosen],
        "colour": [colour(p) for p in chosen],  # the sign is the bar's side of zero
    }


def switch_matrix(
    state: DashboardState, platforms: list[str], range_s: float, end: float | None = None
) -> dict:
    """Cells of the from -> to matrix (moves touching a selected platform)."""
    window = state.window(range_s, MAX_POINTS, end)
    pairs = state.switching_between(window.start, window.stop)
    wanted = set(platforms)
    cells = sorted((k, n) for k, n in pairs.items() if k[0] in wanted or k[1] in wanted)
    top = max((n for _, n in cells), default=1)
    return {
        "from": [name(a) for (a, _), _ in cells],
        "to": [name(b) for (_, b), _ in cells],
        "moves": [n for _, n in cells],
        "alpha": [0.25 + 0.75 * n / top for _, n in cells],
    }
