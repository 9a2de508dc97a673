"""The Viewers tab's churn parts as plot-ready columns (pure): the risk distribution per
platform, the observed moves from -> to, and the churn model's prequential quality next
to the recency baseline's.

The risk bands and the quality ride on the closed `platform-windows` (the gauge of the
last event-time daily tick: viewer_history), the moves on `subscription-events` (a
signup's `moved_from`, decided by the worker, which holds all of an account's platforms).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from streamapp.panel_dashboard.queries import name
from streamapp.panel_dashboard.records import _object, _text, epoch
from streamapp.panel_dashboard.state import DashboardState
from streamapp.panel_dashboard.viewer_history import HISTOGRAM, QUALITY, Change
from streamapp.panel_dashboard.viewer_queries import add_platform

CLOCK = "%Y-%m-%d %H:%M:%S"
CHANGE_TYPES = ("signup", "cancel", "resubscribe")
FIGURES = (("ROC-AUC", "roc_auc"), ("PR-AUC", "pr_auc"), ("log-loss", "log_loss"))


def parse_change(raw: bytes | str) -> tuple[str, Change]:
    """A `subscription-events` record -> (event id, change); a bad one raises ValueError."""
    value = _object(raw)
    kind = _text(value, "type")
    if kind not in CHANGE_TYPES:
        raise ValueError(f"field 'type' must be one of {', '.join(CHANGE_TYPES)}, got {kind!r}")
    moved = value.get("moved_from")
    if moved is not None and not isinstance(moved, str):
        raise ValueError(f"field 'moved_from' must be a platform or null, got {moved!r}")
    at = epoch(value.get("occurred_at"), "occurred_at")
    return _text(value, "event_id"), Change(at, _text(value, "platform"), kind, moved)


def change_applier(state: DashboardState) -> Callable[[tuple[str, Change]], None]:
    """What the feed calls per change: kept once per event id, and the page redraws."""

    def apply(parsed: tuple[str, Change]) -> None:
        state.viewers.apply_change(*parsed)
        state.version += 1

    return apply


def _band(low: float, high: float) -> str:
    return f"{100 * low:g}-{100 * high:g} %"


def band_labels(edges: list[float]) -> list[str]:
    return [_band(a, b) for a, b in zip(edges, edges[1:], strict=False)]


def _newest(state: DashboardState, platform: str, slot: int, span: tuple[float, float]) -> Any:
    """The newest window in the span carrying that slot: (window end, value) or None."""
    for row in reversed(state.viewers.gauge_rows(platform, *span)):
        if row[slot] is not None:
            return row[0], row[slot]
    return None


def risk_bars(
    state: DashboardState, platforms: list[str], start: float, end: float
) -> dict[str, list[Any]]:
    """Per platform, its accounts per risk band at the newest daily tick in the range and
    their share of the platform's scored accounts (one row per platform and band)."""
    out: dict[str, list[Any]] = {
        c: [] for c in ("platform", "label", "colour", "band", "accounts", "share", "as_of")
    }
    for platform in platforms:
        found = _newest(state, platform, HISTOGRAM, (start, end))
        if found is None:
            continue
        at, histogram = found
        accounts = [int(n) for n in histogram.get("accounts", [])]
        total = sum(accounts)
        if not total:
            continue
        for band, count in zip(band_labels(histogram["edges"]), accounts, strict=True):
            add_platform(out, platform)
            out["band"].append(band)
            out["accounts"].append(count)
            out["share"].append(round(100 * count / total, 2))
            out["as_of"].append(datetime.fromtimestamp(at, UTC).strftime(CLOCK))
    return out


def move_matrix(
    state: DashboardState, platforms: list[str], start: float, end: float
) -> dict[str, list[Any]]:
    """Cells of the observed moves from -> to: signups (and resubscribes) in the range
    that followed a cancel elsewhere, touching a chosen platform."""
    wanted = set(platforms)
    pairs: Counter[tuple[str, str]] = Counter(
        (c.moved_from, c.platform)
        for c in state.viewers.changes_between(start, end)
        if c.moved_from is not None and (c.moved_from in wanted or c.platform in wanted)
    )
    cells = sorted(pairs.items())
    top = max(pairs.values(), default=1)
    return {
        "from": [name(a) for (a, _), _ in cells],
        "to": [name(b) for (_, b), _ in cells],
        "moves": [n for _, n in cells],
        "alpha": [0.25 + 0.75 * n / top for _, n in cells],
    }


def quality_rows(
    state: DashboardState, platforms: list[str], start: float, end: float
) -> dict[str, list[Any]]:
    """The newest prequential figures in the range: the model and the baseline per figure,
    over how many labels and as of which window (the same on every platform's window)."""
    newest = max(
        (f for p in platforms if (f := _newest(state, p, QUALITY, (start, end))) is not None),
        key=lambda found: found[0],
        default=None,
    )
    out: dict[str, list[Any]] = {
        c: [] for c in ("figure", "model", "baseline", "model_minus_baseline", "labels", "as_of")
    }
    if newest is None:
        return out
    at, quality = newest
    for title, key in FIGURES:
        model, baseline = quality.get(f"model_{key}"), quality.get(f"baseline_{key}")
        out["figure"].append(title)
        out["model"].append(model)
        out["baseline"].append(baseline)
        both = model is not None and baseline is not None
        out["model_minus_baseline"].append(round(model - baseline, 4) if both else None)
        out["labels"].append(quality.get("labels"))
        out["as_of"].append(datetime.fromtimestamp(at, UTC).strftime(CLOCK))
    return out
