"""Per-account-per-platform state and its features, in event time.

The state is a plain dict (JSON-able: a Faust table value). Days are event-time days
(UTC); counters are kept for the last 28 of them, so the state stays small. A session is
the run of an account's events on one platform with gaps under SESSION_GAP_S; it ends at
the next `session_start`, at the first event after the gap, at a tick past the gap, or at
a cancel. Genres are not on the wire, so breadth is counted in titles.
"""

from __future__ import annotations

import math
from typing import Any

DAY_S = 86_400.0
SESSION_GAP_S = 1_800.0  # 30 minutes without an event end a session
MAX_PLAY_S = 4 * 3_600.0  # a play with no event for longer than this was left running
COMPLETE_S = 1_200.0  # a play watched for 20 minutes or more counts as completed
BINGE_PLAYS = 3  # a session with this many plays or more is a binge
KEEP_DAYS = 28
MAX_TITLES = 50
# Day counters: sessions, minutes, binges, cancel-page visits, stopped plays, completed.
SESSIONS, MINUTES, BINGES, CANCEL_PAGES, STOPS, COMPLETES = range(6)
FEATURES = (
    "sessions_7d",
    "sessions_28d",
    "log_minutes_7d",
    "log_minutes_28d",
    "minutes_trend",
    "sessions_trend",
    "days_since_last_session",
    "completion_rate",
    "binge_share",
    "title_breadth_28d",
    "log_tenure_days",
    "price",
    "price_change",
    "days_since_price_change",
    "cancel_page_7d",
    "cancel_page_28d",
    "plan_ads",
    "plan_premium",
)
RECENCY = FEATURES.index("days_since_last_session")


def new_state(ts: float, partition: int | None = None) -> dict[str, Any]:
    return {
        "p": partition,
        "o": -1,  # the highest raw offset folded in (a repeat after a crash is skipped)
        "since": ts,  # tenure start: first seen, or the last signup or resubscribe
        "last": ts,
        "last_session": None,
        "sess": None,
        "days": {},
        "titles": {},
        "plan": None,
        "price": None,
        "price_change": 0.0,
        "price_change_ts": None,
        "status": "active",
        "pending": "",  # packed daily snapshots awaiting their label (snapshots.py)
        "sampled_day": None,
        "risk": None,
    }


def day_of(ts: float) -> int:
    return math.floor(ts / DAY_S)


def _count(state: dict[str, Any], ts: float, index: int, amount: float = 1.0) -> None:
    days = state["days"]
    key = str(day_of(ts))
    row = days.get(key)
    if row is None:
        row = days[key] = [0.0] * 6
        oldest = day_of(ts) - KEEP_DAYS
        for old in [d for d in days if int(d) <= oldest]:
            del days[old]
    row[index] += amount


def close_session(state: dict[str, Any], closed: list[dict[str, Any]] | None = None) -> bool:
    """End the open session (if any): count it on the day it started, and add it to
    `closed` (for the sessions' own record). True if one ended."""
    sess = state["sess"]
    if sess is None:
        return False
    state["sess"] = None
    if closed is not None:
        closed.append(
            {
                "start": sess["start"],
                "end": sess["last"],
                "plays": sess["plays"],
                "watched_s": sess.get("watched", 0.0),
            }
        )
    _count(state, sess["start"], SESSIONS)
    if sess["plays"] >= BINGE_PLAYS:
        _count(state, sess["start"], BINGES)
    state["last_session"] = sess["last"]
    return True


def session_timed_out(state: dict[str, Any], now: float) -> bool:
    """Quiet for longer than the gap; while a title plays (no events for an episode's
    length is normal), only after MAX_PLAY_S."""
    sess = state["sess"]
    if sess is None:
        return False
    gap = now - sess["last"]
    return gap > (MAX_PLAY_S if sess.get("playing") else SESSION_GAP_S)


def fold(
    state: dict[str, Any],
    kind: str,
    ts: float,
    fields: dict[str, Any],
    closed: list[dict[str, Any]] | None = None,
) -> bool:
    """Fold one event into the state; True if a session ended (a moment to score). The
    sessions that ended are added to `closed`."""
    ended = session_timed_out(state, ts) and close_session(state, closed)
    state["last"] = max(state["last"], ts)
    price, plan = fields.get("price"), fields.get("plan")
    if price is not None:
        old = state["price"]
        if old is not None and old > 0 and abs(price - old) > 0.005:
            state["price_change"] = (price - old) / old
            state["price_change_ts"] = ts
        state["price"] = price
    if plan is not None:
        state["plan"] = plan
    if kind == "session_start" or (state["sess"] is None and kind in _IN_SESSION):
        ended = close_session(state, closed) or ended
        state["sess"] = {"start": ts, "last": ts, "plays": 0, "playing": False, "watched": 0.0}
    elif state["sess"] is not None:
        state["sess"]["last"] = max(state["sess"]["last"], ts)
    title = fields.get("title_id")
    if state["sess"] is not None and kind in ("play", "pause", "stop"):
        state["sess"]["playing"] = kind == "play"
    if kind == "play" and state["sess"] is not None:
        state["sess"]["plays"] += 1
        if title:
            _remember_title(state, title, ts)
    elif kind == "stop":
        watched = fields.get("watched_s") or 0.0
        if state["sess"] is not None:
            state["sess"]["watched"] = state["sess"].get("watched", 0.0) + watched
        _count(state, ts, MINUTES, watched / 60.0)
        _count(state, ts, STOPS)
        if watched >= COMPLETE_S:
            _count(state, ts, COMPLETES)
    elif kind == "cancel_page":
        _count(state, ts, CANCEL_PAGES)
    elif kind == "cancel":
        ended = close_session(state, closed) or ended
        state["status"] = "cancelled"
    elif kind in ("signup", "resubscribe"):
        if state["status"] == "cancelled" or kind == "signup":
            state["since"] = ts
        state["status"] = "active"
    return ended


_IN_SESSION = frozenset({"browse", "search", "play", "pause", "stop", "rate", "list_add"})


def _remember_title(state: dict[str, Any], title: str, ts: float) -> None:
    titles = state["titles"]
    titles[title] = day_of(ts)
    if len(titles) > MAX_TITLES:
        del titles[min(titles, key=titles.__getitem__)]


def _window(state: dict[str, Any], now: float, days: int) -> list[float]:
    today = day_of(now)
    total = [0.0] * 6
    for day, row in state["days"].items():
        if today - days < int(day) <= today:
            for i, value in enumerate(row):
                total[i] += value
    return total


def features(state: dict[str, Any], now: float) -> list[float]:
    """The feature vector (in FEATURES order) as of event time `now`."""
    w7, w28 = _window(state, now, 7), _window(state, now, KEEP_DAYS)
    last = state["last_session"] or state["since"]
    if state["sess"] is not None:
        last = state["sess"]["last"]
    today = day_of(now)
    breadth = sum(1 for day in state["titles"].values() if day > today - KEEP_DAYS)
    changed = state["price_change_ts"]
    since_change = 90.0 if changed is None else min(90.0, (now - changed) / DAY_S)
    plan = state["plan"] or ""
    return [
        w7[SESSIONS],
        w28[SESSIONS],
        math.log1p(w7[MINUTES]),
        math.log1p(w28[MINUTES]),
        (4 * w7[MINUTES] - w28[MINUTES]) / (w28[MINUTES] + 60.0),
        (4 * w7[SESSIONS] - w28[SESSIONS]) / (w28[SESSIONS] + 2.0),
        min(60.0, max(0.0, now - last) / DAY_S),
        w28[COMPLETES] / w28[STOPS] if w28[STOPS] else 0.0,
        w28[BINGES] / w28[SESSIONS] if w28[SESSIONS] else 0.0,
        float(breadth),
        math.log1p(max(0.0, now - state["since"]) / DAY_S),
        state["price"] or 0.0,
        state["price_change"] if since_change < 90 else 0.0,
        since_change,
        w7[CANCEL_PAGES],
        w28[CANCEL_PAGES],
        1.0 if "ads" in plan else 0.0,
        1.0 if "premium" in plan else 0.0,
    ]
