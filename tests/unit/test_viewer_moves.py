"""Observed moves (cancel here, sign up there within the window) and the records of
subscription changes the viewers agent sends."""

from __future__ import annotations

import pytest

from streamapp.agents.score_viewers import subscription
from streamapp.analytics.viewers.features import DAY_S
from streamapp.analytics.viewers.moves import moved_from
from streamapp.config import ViewerSettings
from streamapp.records.raw import iso_utc
from streamapp.records.viewing import parse_viewing_event
from streamapp.tables.viewer_scoring import ViewerScoring
from tests.fakes import FakeViewerTable

ACCOUNT = "d" * 64
T0 = 20_000 * DAY_S


def test_a_signup_moves_from_the_latest_cancel_elsewhere_within_the_window() -> None:
    window = 30 * DAY_S
    cancels = {"netflix": T0, "max": T0 + DAY_S, "hulu": T0 + 2 * DAY_S, "peacock": None}
    assert moved_from(cancels, "disney_plus", T0 + 3 * DAY_S, window) == "hulu"
    # the platform itself is no move (a resubscribe where one cancelled)
    assert moved_from(cancels, "hulu", T0 + 3 * DAY_S, window) == "max"
    assert moved_from({"netflix": T0}, "hulu", T0 + 30 * DAY_S, window) == "netflix"
    assert moved_from({"netflix": T0}, "hulu", T0 + 30 * DAY_S + 1, window) is None
    assert moved_from({"netflix": T0}, "hulu", T0 - 1, window) is None  # signed up first


def event(event_id: str, platform: str, kind: str, ts: float):  # type: ignore[no-untyped-def]
    return parse_viewing_event(
        f'{{"event_id": "{event_id}", "account": "{ACCOUNT}", "platform": "{platform}",'
        f' "type": "{kind}", "ts": "{iso_utc(ts)}", "plan": "standard", "price": 9.99}}'
    )


def fold(ops, batch, record, offset):  # type: ignore[no-untyped-def]
    """What score_viewers does with one event: the change first, then the engine."""
    state = ops.state(batch, f"{ACCOUNT}|{record.platform}", record.epoch, 0)
    change = subscription(ops, batch, record, (ACCOUNT, state), offset)
    batch.engine.on_event(state, record.type, record.epoch, {}, offset)
    return change


def test_changes_carry_the_move_and_are_sent_once_per_folded_event() -> None:
    table = FakeViewerTable()
    ops = ViewerScoring(table, ViewerSettings(viewer_move_days=10))  # type: ignore[arg-type]
    batch = ops.begin(0)
    assert fold(ops, batch, event("e0", "netflix", "play", T0), 0) is None  # not a change
    cancel = fold(ops, batch, event("e1", "netflix", "cancel", T0 + 60), 1)
    assert (cancel.type, cancel.moved_from, cancel.account) == ("cancel", None, ACCOUNT)
    ops.commit(0, batch)  # the cancel is remembered in the stored state
    batch = ops.begin(0)
    signup = fold(ops, batch, event("e2", "hulu", "signup", T0 + 3 * DAY_S), 2)
    assert (signup.event_id, signup.platform, signup.moved_from) == ("e2", "hulu", "netflix")
    assert signup.occurred_at == iso_utc(T0 + 3 * DAY_S) and signup.price == 9.99
    late = fold(ops, batch, event("e3", "max", "signup", T0 + 11 * DAY_S), 3)
    assert late.moved_from is None  # past the 10-day window
    ops.commit(0, batch)
    # read again after the commit (a crash before the ack): folded already, nothing sent
    batch = ops.begin(0)
    assert fold(ops, batch, event("e2", "hulu", "signup", T0 + 3 * DAY_S), 2) is None


def test_the_move_window_may_not_outlast_the_states_that_remember_cancels() -> None:
    with pytest.raises(ValueError, match="STREAMAPP_VIEWER_MOVE_DAYS"):
        ViewerSettings(viewer_move_days=50, account_expiry_days=45)
