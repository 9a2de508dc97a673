"""Per-account features, sessionisation, delayed labels (no leakage), learning exactly
once, and the prequential figures."""

from __future__ import annotations

import json
import math

import pytest

from streamapp.analytics.viewers.engine import ChurnEngine
from streamapp.analytics.viewers.features import (
    DAY_S,
    FEATURES,
    RECENCY,
    features,
    new_state,
)
from streamapp.analytics.viewers.quality import log_loss, pr_auc, roc_auc
from streamapp.analytics.viewers.snapshots import unpack

T0 = 20_700 * DAY_S + 20 * 3600  # 20:00 UTC on some day
F = {name: i for i, name in enumerate(FEATURES)}


def session(state, engine, at, minutes=45.0, plays=1, offset=None):  # type: ignore[no-untyped-def]
    engine.on_event(state, "session_start", at, {"price": 9.99, "plan": "standard"}, offset)
    t = at
    for _ in range(plays):
        engine.on_event(state, "play", t + 10, {"title_id": "t1"})
        t += 10 + minutes * 60
        engine.on_event(state, "stop", t, {"title_id": "t1", "watched_s": minutes * 60})
    return t


def test_sessions_end_after_the_gap_and_count_once() -> None:
    engine, state = ChurnEngine(), new_state(T0)
    end = session(engine=engine, state=state, at=T0, plays=3)
    assert state["sess"] is not None  # still open: no gap yet
    score = engine.on_event(state, "browse", end + 3600, {})  # an hour later: a new session
    assert score is not None and score.reason == "session_end"
    x = features(state, end + 3600)
    assert x[F["sessions_7d"]] == 1 and x[F["binge_share"]] == 1.0
    assert x[F["completion_rate"]] == 1.0 and x[F["log_minutes_7d"]] == pytest.approx(
        math.log1p(135)
    )


def test_features_see_price_changes_cancel_pages_and_recency() -> None:
    engine, state = ChurnEngine(), new_state(T0)
    session(state, engine, T0)
    engine.on_event(state, "cancel_page", T0 + 2 * DAY_S, {"price": 12.49})
    x = features(state, T0 + 5 * DAY_S)
    assert x[F["price"]] == 12.49 and x[F["price_change"]] == pytest.approx(0.25, abs=0.01)
    assert x[F["cancel_page_7d"]] == 1 and x[RECENCY] == pytest.approx(5, abs=0.1)
    assert x[F["days_since_price_change"]] == pytest.approx(3)


def test_a_repeated_event_is_not_folded_twice() -> None:
    engine, state = ChurnEngine(), new_state(T0)
    engine.on_event(state, "stop", T0, {"watched_s": 600}, offset=5)
    engine.on_event(state, "stop", T0, {"watched_s": 600}, offset=5)  # read again after a crash
    assert features(state, T0)[F["log_minutes_7d"]] == pytest.approx(math.log1p(10))


def test_a_label_is_never_learned_before_its_horizon_has_passed() -> None:
    """The leakage test: snapshots wait until their horizon has passed in event time,
    whatever happens before (a cancel included), and learn their snapshot's features."""
    engine, state = ChurnEngine(horizon_days=30), new_state(T0)
    learned: list[tuple[list[float], bool]] = []
    real_learn = engine.model.learn
    engine.model.learn = lambda x, y: (learned.append((list(x), y)), real_learn(x, y))[1]  # type: ignore[method-assign]
    session(state, engine, T0)
    first = T0 + DAY_S - T0 % DAY_S  # the next midnight
    engine.tick(state, first)
    snapshot = list(unpack(state["pending"])[0][1])
    for day in range(1, 30):
        session(state, engine, first + day * DAY_S - 3 * 3600)
        engine.tick(state, first + day * DAY_S)
        assert learned == [], f"learned on day {day}, before the horizon"
    engine.on_event(state, "cancel", first + 29.5 * DAY_S, {})
    assert learned == [] and all(p[4] for p in unpack(state["pending"]))  # known, not yet learned
    engine.tick(state, first + 30 * DAY_S - 1)
    assert learned == []
    engine.tick(state, first + 30 * DAY_S)
    assert learned[0] == (snapshot, True)  # the features as scored, 30 days ago
    assert engine.learned == 1


def test_survival_is_learned_as_zero_once_the_horizon_passes() -> None:
    engine, state = ChurnEngine(horizon_days=2), new_state(T0)
    engine.tick(state, T0 + DAY_S)
    engine.tick(state, T0 + 2 * DAY_S)
    assert engine.learned == 0
    engine.tick(state, T0 + 3 * DAY_S)
    assert engine.learned == 1 and engine.quality.labels == 1 and engine.quality.positives == 0


def test_a_restored_checkpoint_neither_forgets_nor_relearns() -> None:
    engine, state = ChurnEngine(horizon_days=1), new_state(T0)
    engine.tick(state, T0 + DAY_S, offset=1)
    engine.on_event(state, "browse", T0 + 2.5 * DAY_S, {}, offset=7)  # matures: learned at 7
    assert engine.learned == 1
    checkpoint = json.loads(json.dumps(engine.checkpoint()))  # through a table's JSON
    again = ChurnEngine(horizon_days=1)
    again.restore(checkpoint)
    assert again.learned == 1
    assert again.model.model._weights == engine.model.model._weights
    x = [1.0] * len(FEATURES)
    assert again.model.proba(x) == pytest.approx(engine.model.proba(x))
    stale = new_state(T0)  # a state the crash lost: the event at offset 7 is read again
    again.tick(stale, T0 + DAY_S, offset=1)
    again.on_event(stale, "browse", T0 + 2.5 * DAY_S, {}, offset=7)
    assert again.learned == 1  # not learned twice
    again.on_event(stale, "browse", T0 + 4 * DAY_S, {}, offset=8)
    again.tick(stale, T0 + 4 * DAY_S + 1, offset=8)
    again.on_event(stale, "browse", T0 + 6 * DAY_S, {}, offset=9)
    assert again.learned == 2  # and what comes after is learned


def test_quality_figures_against_hand_computed_values() -> None:
    ys = [True, False, True, False, False]
    ps = [0.9, 0.8, 0.7, 0.2, 0.2]
    assert roc_auc(ys, ps) == pytest.approx(5 / 6)
    assert pr_auc(ys, ps) == pytest.approx((1 + 2 / 3) / 2)
    assert log_loss([True, False], [0.5, 0.5]) == pytest.approx(math.log(2))
    assert roc_auc([True, True], [0.1, 0.2]) is None
    assert roc_auc([True, False], [0.5, 0.5]) == 0.5


def test_ended_sessions_are_handed_over_once_with_their_plays_and_minutes() -> None:
    engine, state = ChurnEngine(), new_state(T0)
    engine.closed = []
    end = session(state, engine, T0, minutes=30.0, plays=2)
    assert engine.closed == []  # still open
    engine.on_event(state, "session_start", end + 7200, {})
    assert engine.closed == [{"start": T0, "end": end, "plays": 2, "watched_s": 3600.0}]
    engine.closed.clear()
    engine.tick(state, end + 7200 + 3 * 3600)  # the new one timed out: the tick ends it
    assert [s["start"] for s in engine.closed] == [end + 7200]
