"""The Viewers tab's churn section from a fake feed: the risk distribution per platform
(newest daily tick in the range), the observed moves from -> to (once per event id) and
the model's prequential quality next to the baseline's, with their CSV."""

from __future__ import annotations

import json

import pytest

from streamapp.analytics.viewer_gauge import RISK_EDGES
from streamapp.panel_dashboard import exports, records, viewer_churn
from streamapp.panel_dashboard.view import DashboardView
from streamapp.records.raw import iso_utc
from tests.unit.test_dashboard_viewers import NOW, FakeFeed

EDGES = list(RISK_EDGES)


def window(platform: str, end: float, accounts: list[int] | None, quality=None) -> bytes:
    return json.dumps({
        "window_id": f"{platform}|{end - 60:.3f}", "platform": platform,
        "window_end": iso_utc(end), "mentions": 1, "accounts_active": sum(accounts or [0]),
        "accounts_at_risk": 1, "expected_cancellations": 1.5,
        "risk_histogram": None if accounts is None else {"edges": EDGES, "accounts": accounts},
        "churn_quality": quality,
    }).encode()  # fmt: skip


def change(event_id: str, platform: str, kind: str, at: float, moved_from=None) -> bytes:
    return json.dumps({
        "event_id": event_id, "account": "e" * 64, "platform": platform, "type": kind,
        "occurred_at": iso_utc(at), "moved_from": moved_from, "schema_version": 1,
    }).encode()  # fmt: skip


QUALITY = {"labels": 900, "model_roc_auc": 0.78, "baseline_roc_auc": 0.7, "model_pr_auc": 0.3,
           "baseline_pr_auc": 0.15, "model_log_loss": 0.18, "baseline_log_loss": None}  # fmt: skip


@pytest.fixture
def fed() -> tuple[FakeFeed, DashboardView]:
    feed = FakeFeed()
    state = feed.state
    older = [90, 10, 0, 0, 0, 0, 0, 0]
    state.apply_window(records.parse_window(window("max", NOW - 180, older)))
    newest = [50, 20, 10, 10, 5, 3, 1, 1]
    state.apply_window(records.parse_window(window("max", NOW - 120, newest, QUALITY)))
    state.apply_window(records.parse_window(window("max", NOW - 60, None)))  # an older worker
    state.apply_window(records.parse_window(window("hulu", NOW - 60, [4, 0, 0, 0, 0, 0, 0, 0])))
    apply = viewer_churn.change_applier(state)
    for raw in (
        change("c1", "netflix", "cancel", NOW - 600),
        change("s1", "max", "signup", NOW - 500, "netflix"),
        change("s1", "max", "signup", NOW - 500, "netflix"),  # sent again: once
        change("s2", "max", "resubscribe", NOW - 400, "netflix"),
        change("s3", "hulu", "signup", NOW - 300, "max"),
        change("s4", "peacock", "signup", NOW - 300, "sling_tv"),  # touches no chosen platform
        change("s5", "hulu", "signup", NOW - 200),  # no cancel before it: no move
    ):
        apply(viewer_churn.parse_change(raw))
    view = DashboardView(feed, clock=lambda: feed.now)
    view.platforms = ["max", "hulu", "netflix"]
    view.show_viewers(True)
    view.refresh()
    return feed, view


def test_the_risk_distribution_is_each_platforms_newest_histogram_in_the_range(fed):
    _, view = fed
    risk = view.viewers.churn.risk.data
    maxes = [(b, n, s) for p, b, n, s in zip(risk["platform"], risk["band"], risk["accounts"],
                                            risk["share"], strict=True) if p == "max"]  # fmt: skip
    assert [n for _, n, _ in maxes] == [50, 20, 10, 10, 5, 3, 1, 1]  # not the older tick's
    assert maxes[0] == ("0-2 %", 50, 50.0) and maxes[-1] == ("70-100 %", 1, 1.0)
    assert risk["platform"].count("hulu") == 8 and "netflix" not in risk["platform"]
    legend = {i.name.split(":")[1]: i.visible for i in view.viewers.churn.risk_fig.legend[0].items}
    assert legend["max"] and legend["hulu"] and not legend["netflix"]
    text = exports.csv_text(risk).splitlines()
    assert text[0] == "platform,label,band,accounts,share,as_of" and len(text) == 17


def test_observed_moves_count_each_signup_once_and_touch_a_chosen_platform(fed):
    feed, view = fed
    moves = view.viewers.churn.moves.data
    cells = dict(zip(zip(moves["from"], moves["to"], strict=True), moves["moves"], strict=True))
    assert cells == {("Netflix", "Max"): 2, ("Max", "Hulu"): 1}
    assert exports.csv_text(moves).splitlines()[0] == "from,to,moves"
    assert list(view.viewers.churn.moves_fig.y_range.factors) == ["Netflix", "Max"]
    view.platforms = ["peacock"]
    view.refresh()
    assert view.viewers.churn.moves.data["moves"] == [1]
    feed.now += 2 * 3600  # past the history: pruned
    feed.state.viewers.prune()
    assert feed.state.viewers.changes == {}


def test_the_models_quality_is_shown_next_to_the_baselines(fed):
    _, view = fed
    q = view.viewers.churn.quality.data
    assert q["figure"] == ["ROC-AUC", "PR-AUC", "log-loss"]
    assert q["model"] == [0.78, 0.3, 0.18] and q["baseline"] == [0.7, 0.15, None]
    assert q["model_minus_baseline"] == [0.08, 0.15, None] and q["labels"] == [900] * 3
    assert exports.csv_text(q).splitlines()[1].startswith("ROC-AUC,0.78,0.7,0.08,900,")


def test_a_bad_subscription_change_is_refused_with_a_reason():
    good = json.loads(change("x", "max", "signup", NOW))
    with pytest.raises(ValueError, match="'type'"):
        viewer_churn.parse_change(json.dumps({**good, "type": "upgrade"}))
    with pytest.raises(ValueError, match="moved_from"):
        viewer_churn.parse_change(json.dumps({**good, "moved_from": 3}))
    with pytest.raises(ValueError, match="occurred_at"):
        viewer_churn.parse_change(json.dumps({**good, "occurred_at": "yesterday"}))
