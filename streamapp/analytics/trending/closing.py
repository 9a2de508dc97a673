"""Per platform: each open window's newest running totals from every lane, and closing.

A lane's totals for a window replace the ones held when they fold in more of the lane's
offsets (`upto` higher): a copy delivered again, or overtaken by a newer one, changes
nothing. So each play is counted once however often its totals travel. A window closes
when the watermark (the slowest lane, `analytics.watermark.Watermark`) passes its end plus
the allowed lateness; totals for a window already closed are late and left out.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from streamapp.analytics.trending.lanes import window_start_key
from streamapp.analytics.trending.ranking import rising_titles, top_titles

PlatformState = dict[str, Any]
FOLDED, STALE, LATE = "folded", "stale", "late"


def new_platform(partition: int) -> PlatformState:
    # open: window key -> lane -> {"upto", "titles", "recommended"}
    # previous: the last closed window's plays per title, for the rising titles
    return {"partition": partition, "open": {}, "last_closed": None, "previous": None}


def fold_partial(
    state: PlatformState,
    lane: str,
    window_start: float,
    upto: int,
    titles: dict[str, int],
    recommended: int,
) -> str:
    """Hold a lane's totals for a window: FOLDED, STALE (held ones are as new) or LATE."""
    last = state["last_closed"]
    if last is not None and window_start <= last:
        return LATE
    window = state["open"].setdefault(window_start_key(window_start), {})
    held = window.get(lane)
    if held is not None and held["upto"] >= upto:
        return STALE
    window[lane] = {"upto": upto, "titles": dict(titles), "recommended": recommended}
    return FOLDED


def due(state: PlatformState, effective: float | None, size: float, lateness: float) -> list[float]:
    """Open windows the watermark has passed, oldest first."""
    if effective is None:
        return []
    starts = sorted(float(key) for key in state["open"])
    return [s for s in starts if effective >= s + size + lateness]


def close(
    state: PlatformState, window_start: float, size: float, top_n: int, min_rising: int
) -> dict[str, Any]:
    """Close one window: its totals over every lane, top and rising titles. The window
    leaves `open` and becomes `previous` (the next window's comparison)."""
    lanes = state["open"].pop(window_start_key(window_start))
    counts: Counter[str] = Counter()
    recommended = 0
    for held in lanes.values():
        counts.update(held["titles"])
        recommended += held["recommended"]
    previous = state["previous"]
    adjacent = previous is not None and abs(previous["start"] + size - window_start) < 1e-6
    before = previous["titles"] if adjacent else {}
    state["previous"] = {"start": window_start, "titles": dict(counts)}
    state["last_closed"] = window_start
    return {
        "plays": sum(counts.values()),
        "recommended_plays": recommended,
        "titles": len(counts),
        "top": top_titles(counts, top_n),
        "rising": rising_titles(counts, before, top_n, min_rising),
    }
