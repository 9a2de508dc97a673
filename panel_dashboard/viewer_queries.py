"""Plot-ready columns for the Viewers tab (pure), from `state.viewers` (viewer_history).

Time series are per closed window, x at the window's end (epoch ms), like the market
charts' axis; the tables list the newest closed title-trends window per platform.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from streamapp.panel_dashboard.palette import colour
from streamapp.panel_dashboard.queries import name
from streamapp.panel_dashboard.state import DashboardState
from streamapp.panel_dashboard.viewer_history import GAUGES

CLOCK = "%Y-%m-%d %H:%M:%S"
RANKS_SHOWN = 5  # per platform and list in the tables (the record carries up to 10)


def _lines() -> dict[str, list[Any]]:
    return {"xs": [], "ys": [], "platform": [], "label": [], "colour": []}


def add_platform(data: dict[str, list[Any]], platform: str) -> None:
    """A row's platform columns: its id, its name and its colour."""
    data["platform"].append(platform)
    data["label"].append(name(platform))
    data["colour"].append(colour(platform))


def _add_line(data: dict[str, list[Any]], platform: str, xs: list[float], ys: list[float]) -> None:
    if xs:
        data["xs"].append(xs)
        data["ys"].append(ys)
        add_platform(data, platform)


def gauge_lines(
    state: DashboardState, metric: str, platforms: list[str], start: float, end: float
) -> dict[str, list[Any]]:
    """One line per platform of a viewers' gauge field (accounts_active, ...)."""
    slot = 1 + GAUGES.index(metric)
    data = _lines()
    for platform in platforms:
        rows = state.viewers.gauge_rows(platform, start, end)
        _add_line(data, platform, [r[0] * 1000 for r in rows], [r[slot] for r in rows])
    return data


def play_lines(
    state: DashboardState, platforms: list[str], start: float, end: float, share: bool = False
) -> dict[str, list[Any]]:
    """Plays per window and platform, or (`share`) the % of them from a recommendation."""
    data = _lines()
    for platform in platforms:
        rows = [r for r in state.viewers.trend_rows(platform, start, end) if r["plays"]]
        ys = [100 * r["recommended_plays"] / r["plays"] if share else r["plays"] for r in rows]
        _add_line(data, platform, [r["window_end_epoch"] * 1000 for r in rows], ys)
    return data


def recommended_shares(
    state: DashboardState, platforms: list[str], start: float, end: float
) -> dict[str, list[Any]]:
    """Per platform over the range: plays, those from a recommendation, their share (%)."""
    out: dict[str, list[Any]] = {
        "platform": [], "label": [], "colour": [], "plays": [], "recommended": [], "share": [],
    }  # fmt: skip
    for platform in platforms:
        rows = state.viewers.trend_rows(platform, start, end)
        plays = sum(r["plays"] for r in rows)
        if not plays:
            continue
        recommended = sum(r["recommended_plays"] for r in rows)
        add_platform(out, platform)
        out["plays"].append(plays)
        out["recommended"].append(recommended)
        out["share"].append(round(100 * recommended / plays, 1))
    return out


def trending_rows(
    state: DashboardState, platforms: list[str], start: float, end: float, kind: str
) -> dict[str, list[Any]]:
    """The newest closed window's `top` or `rising` titles per platform, one row each
    (rising rows also carry the previous window's plays and the growth)."""
    fields = ["plays", "previous_plays", "growth"] if kind == "rising" else ["plays"]
    out: dict[str, list[Any]] = {
        column: [] for column in ("platform", "window_end", "rank", "title_id", *fields)
    }
    for platform in platforms:
        rows = state.viewers.trend_rows(platform, start, end)
        if not rows:
            continue
        newest = rows[-1]
        ended = datetime.fromtimestamp(newest["window_end_epoch"], UTC).strftime(CLOCK)
        for rank, title in enumerate(newest.get(kind, [])[:RANKS_SHOWN], start=1):
            out["platform"].append(name(platform))
            out["window_end"].append(ended)
            out["rank"].append(rank)
            out["title_id"].append(str(title.get("title_id")))
            for field in fields:
                out[field].append(title.get(field))
    return out
