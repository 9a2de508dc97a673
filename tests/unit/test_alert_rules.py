import pytest

from streamapp.analytics.alert_episodes import alert_id, evaluate_window, new_state
from streamapp.analytics.alert_rules import Thresholds, window_metrics
from streamapp.analytics.windows import empty_partial

SIZE = 60.0
T = Thresholds(min_baseline_windows=5, cooldown_windows=3, baseline_windows=10)


def window(start, piracy=0, mentions=10, sentiment=0.2, interest=None, evidence=()):
    w = empty_partial("netflix", start)
    w.update(mentions=mentions, sentiment_sum=sentiment * mentions, sentiment_count=mentions)
    w["intent_counts"] = {"piracy": piracy} if piracy else {}
    w["evidence"] = {"piracy": list(evidence)} if evidence else {}
    if interest is not None:
        w.update(interest_sum=interest, interest_count=1)
    return w


def run(state, windows):
    out = []
    for w in windows:
        state, alerts = evaluate_window(state, "netflix", w, SIZE, T)
        out.extend(alerts)
    return state, out


def test_no_verdict_before_enough_baseline():
    state, alerts = run(new_state(), [window(i * SIZE, piracy=50) for i in range(5)])
    assert alerts == []  # the 5th window is the first with 4 of history: still too little
    assert len(state["history"]) == 5


def test_piracy_surge_fires_once_then_resolves_with_the_same_id():
    baseline = [window(i * SIZE, piracy=1) for i in range(8)]
    surge = [window((8 + i) * SIZE, piracy=30, evidence=["t3_a", "t3_b"]) for i in range(3)]
    calm = [window((11 + i) * SIZE, piracy=1) for i in range(2)]
    state, alerts = run(new_state(), baseline + surge + calm)
    piracy = [a for a in alerts if a["rule"] == "piracy_surge"]
    assert [a["status"] for a in piracy] == ["firing", "resolved"]
    first, resolved = piracy
    assert (
        first["alert_id"] == resolved["alert_id"] == alert_id("netflix", "piracy_surge", 8 * SIZE)
    )
    assert first["evidence"] == ["t3_a", "t3_b"]
    assert first["observed"] == 30 and first["baseline"] == pytest.approx(1.0)
    assert first["score"] >= T.fire_score
    assert first["severity"] == "critical"
    assert first["window_start"] == 8 * SIZE and first["window_end"] == 9 * SIZE


def test_hysteresis_keeps_firing_between_thresholds():
    baseline = [window(i * SIZE, piracy=2) for i in range(8)]
    # 30 fires; then 4 is above the resolve score but under the fire score: still firing.
    seq = baseline + [window(8 * SIZE, piracy=30), window(9 * SIZE, piracy=6)]
    _, alerts = run(new_state(), seq)
    assert [a["status"] for a in alerts if a["rule"] == "piracy_surge"] == ["firing"]


def test_cooldown_blocks_an_immediate_second_episode():
    seq = [window(i * SIZE, piracy=1) for i in range(8)]
    seq += [window(8 * SIZE, piracy=40), window(9 * SIZE, piracy=0)]  # fire, resolve
    seq += [window(10 * SIZE, piracy=40)]  # inside the 3-window cooldown
    seq += [window(i * SIZE, piracy=0) for i in range(11, 14)]
    seq += [window(14 * SIZE, piracy=60)]  # after the cooldown: a new episode
    _, alerts = run(new_state(), seq)
    piracy = [(a["status"], a["window_start"]) for a in alerts if a["rule"] == "piracy_surge"]
    assert piracy[:2] == [("firing", 8 * SIZE), ("resolved", 9 * SIZE)]
    assert ("firing", 10 * SIZE) not in piracy
    assert ("firing", 14 * SIZE) in piracy


def test_small_counts_never_fire():
    seq = [window(i * SIZE, piracy=0) for i in range(8)] + [window(8 * SIZE, piracy=4)]
    _, alerts = run(new_state(), seq)
    assert alerts == []  # 4 < min_count, however unusual


def test_replayed_window_is_not_evaluated_twice():
    seq = [window(i * SIZE, piracy=1) for i in range(8)] + [window(8 * SIZE, piracy=30)]
    state, alerts = run(new_state(), seq)
    assert len(alerts) == 1
    state, again = run(state, [window(8 * SIZE, piracy=30)])
    assert again == []


def test_quiet_windows_count_as_zero_in_the_baseline():
    state, _ = run(new_state(), [window(0, piracy=3), window(5 * SIZE, piracy=3)])
    assert [h["piracy"] for h in state["history"]] == [3, 0, 0, 0, 0, 3]


def test_interest_spike_and_sentiment_drop():
    seq = [window(i * SIZE, interest=30 + (i % 2), sentiment=0.3) for i in range(8)]
    seq.append(window(8 * SIZE, interest=60, sentiment=-0.5))
    _, alerts = run(new_state(), seq)
    assert {a["rule"] for a in alerts} == {"interest_spike", "sentiment_drop"}


def test_metrics_ignore_sentiment_of_tiny_windows():
    assert window_metrics(window(0, mentions=2), min_sentiment_posts=5)["sentiment"] is None


def test_a_long_surge_does_not_raise_its_own_baseline():
    seq = [window(i * SIZE, piracy=1) for i in range(8)]
    seq += [window((8 + i) * SIZE, piracy=30) for i in range(12)]
    _, alerts = run(new_state(), seq)
    assert [a["status"] for a in alerts if a["rule"] == "piracy_surge"] == ["firing"]


def test_a_new_rule_is_one_registry_entry(monkeypatch):
    """The registry is the only place a rule lives: an entry reading an existing metric
    fires, cites its evidence and names itself, with nothing else changed."""
    from streamapp.analytics import alert_rules

    rule = alert_rules.Rule(
        "piracy_twice",
        "piracy",
        alert_rules.RULES["piracy_surge"].verdict,
        "piracy",
        "piracy posts (second opinion)",
    )
    monkeypatch.setitem(alert_rules.RULES, rule.name, rule)
    baseline = [window(i * SIZE, piracy=1) for i in range(8)]
    surge = [window(8 * SIZE, piracy=30, evidence=["t3_x"])]
    _, alerts = run(new_state(), baseline + surge)
    [twice] = [a for a in alerts if a["rule"] == "piracy_twice"]
    assert twice["status"] == "firing" and twice["evidence"] == ["t3_x"]
    assert twice["alert_id"] == alert_id("netflix", "piracy_twice", 8 * SIZE)
    assert "piracy posts (second opinion) at 30.00" in twice["message"]


def test_every_rule_reads_a_metric_the_windows_provide():
    from streamapp.analytics.alert_rules import EMPTY_METRICS, RULES

    assert set(RULES) == {
        "interest_spike",
        "piracy_surge",
        "cancellation_surge",
        "switching_surge",
        "sentiment_drop",
        "churn_risk_surge",
    }
    for rule in RULES.values():
        assert rule.metric in EMPTY_METRICS
        assert rule.metric in window_metrics(window(0.0), 5)


def viewed(start, at_risk):
    w = window(start)
    w["accounts_at_risk"] = at_risk
    return w


def test_churn_risk_surge_reads_the_viewers_gauge_and_stays_quiet_without_one():
    steady = [viewed(i * SIZE, 20) for i in range(8)]
    _, alerts = run(new_state(), steady + [viewed(8 * SIZE, 24)])
    assert alerts == []  # +4 on 20: within sqrt(20) * 3
    _, alerts = run(new_state(), steady + [viewed(8 * SIZE, 40)])
    [surge] = alerts
    assert surge["rule"] == "churn_risk_surge" and surge["observed"] == 40
    assert surge["baseline"] == 20 and surge["evidence"] == []
    # Windows with no viewers' report (None) neither fire nor count as zero.
    _, alerts = run(new_state(), [window(i * SIZE) for i in range(8)] + [window(8 * SIZE)])
    assert alerts == []
    assert window_metrics(window(0.0), 5)["at_risk"] is None


def test_a_gap_in_the_posts_keeps_the_last_reading_of_accounts_at_risk():
    # 40 quiet windows (more than the baseline keeps) between the readings and the surge.
    steady = [viewed(i * SIZE, 20) for i in range(6)]
    state, alerts = run(new_state(), steady + [viewed(46 * SIZE, 40)])
    assert [a["rule"] for a in alerts] == ["churn_risk_surge"]
    assert alerts[0]["baseline"] == 20
    assert [h["piracy"] for h in state["history"][:-1]] == [0.0] * 9  # counts still zero
