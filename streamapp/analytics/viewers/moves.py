"""Observed moves: an account cancels on one platform and signs up (or resubscribes) on
another within a window of event time (`STREAMAPP_VIEWER_MOVE_DAYS`, 30).

Every viewing event of an account is on one `viewing-events` partition (keyed by the
account), so the worker that folds a signup also holds the account's states on the other
platforms: each remembers when the account last cancelled there. A signup is a move from
the platform cancelled most recently within the window before it (and from nowhere if
there is none); a cancel may be followed by moves to several platforms. Pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The viewing-event types that change a subscription (`subscription-events`).
SUBSCRIPTION_TYPES = ("signup", "cancel", "resubscribe")
ARRIVALS = ("signup", "resubscribe")


def note_cancel(state: dict[str, Any], ts: float) -> None:
    """Remember the account's last cancel on this platform (its state outlives the move
    window: an idle account leaves the table after STREAMAPP_ACCOUNT_EXPIRY_DAYS, 45)."""
    state["cancelled_at"] = ts


def cancelled_at(state: Mapping[str, Any]) -> float | None:
    value = state.get("cancelled_at")
    return None if value is None else float(value)


def moved_from(
    cancels: Mapping[str, float | None], platform: str, ts: float, window_s: float
) -> str | None:
    """`cancels`: the account's last cancel time per platform. The platform other than
    `platform` cancelled most recently within `window_s` before `ts`, or None."""
    best: tuple[float, str] | None = None
    for other, at in cancels.items():
        if other == platform or at is None or not 0 <= ts - at <= window_s:
            continue
        if best is None or (at, other) > best:
            best = (at, other)
    return None if best is None else best[1]
