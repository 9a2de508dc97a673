"""Live forecasting state: history, refit inputs, forecast_breach with hysteresis."""

from streamapp.analytics.alert_episodes import alert_id
from streamapp.analytics.forecasting import default_models
from streamapp.analytics.forecasting.live import (
    LiveConfig,
    append_window,
    check_breach,
    fit_platform,
    new_state,
    series,
)

CFG = LiveConfig(window_seconds=60, horizon=3, min_history=20, cooldown_windows=2)


def test_history_fills_gaps_skips_replays_and_stays_bounded():
    state = new_state()
    assert append_window(state, 0, 4, 50.0, CFG)
    assert append_window(state, 180, 6, None, CFG)  # two empty windows in between
    assert not append_window(state, 120, 9, 1.0, CFG)  # replayed after a crash
    assert state["points"] == [[0, 4, 50.0], [60, 0, None], [120, 0, None], [180, 6, None]]
    stamps, mentions = series(state["points"], "mentions")
    assert mentions == [4, 0, 0, 6]
    _, interest = series(state["points"], "interest")
    assert interest == [50.0, 50.0, 50.0, 50.0]  # carried forward, not zero
    small = LiveConfig(window_seconds=60, max_history=3)
    for i in range(10):
        append_window(state, 240 + 60 * i, 1, None, small)
    assert len(state["points"]) == 3


def test_fit_gives_a_band_per_metric_with_enough_history():
    state = new_state()
    for i in range(30):
        append_window(state, 60 * i, 10 + i % 3, 40.0 + (i % 2), CFG)
    forecasts = fit_platform(state["points"], CFG, default_models(with_prophet=False))
    assert set(forecasts) == {"mentions", "interest"}
    mentions = forecasts["mentions"]
    assert [p.timestamp.timestamp() for p in mentions.points] == [1800.0, 1860.0, 1920.0]
    for p in mentions.points:
        # never narrower than Poisson noise on the count: 1.96 * sqrt(last count)
        assert p.yhat_upper - p.yhat >= 1.95 * (10 + 29 % 3) ** 0.5
    assert fit_platform(state["points"][:10], CFG, default_models(False)) == {}


def with_forecast(yhat=10.0, lower=6.0, upper=14.0, starts=range(0, 600, 60)):
    state = new_state()
    state["forecasts"]["mentions"] = {
        "model": "naive",
        "generated_at": 0.0,
        "points": [[float(s), yhat, lower, upper] for s in starts],
    }
    return state


def test_breach_fires_once_stays_firing_then_resolves_and_cools_down():
    state = with_forecast()
    assert check_breach(state, "netflix", "mentions", 0, 13, CFG) is None  # inside
    fired = check_breach(state, "netflix", "mentions", 60, 30, CFG)
    assert fired["rule"] == "forecast_breach" and fired["status"] == "firing"
    assert fired["alert_id"] == alert_id("netflix", "forecast_breach:mentions", 60)
    assert (fired["observed"], fired["baseline"], fired["score"]) == (30, 10, 5.0)
    assert fired["severity"] == "critical" and "above the forecast band" in fired["message"]
    # still outside, then inside but not yet near the forecast: hysteresis holds it
    assert check_breach(state, "netflix", "mentions", 120, 25, CFG) is None
    assert check_breach(state, "netflix", "mentions", 180, 13, CFG) is None
    resolved = check_breach(state, "netflix", "mentions", 240, 11, CFG)
    assert (resolved["status"], resolved["alert_id"]) == ("resolved", fired["alert_id"])
    # cooldown of two windows (counted from the resolving one, as the other rules do)
    assert check_breach(state, "netflix", "mentions", 300, 40, CFG) is None
    again = check_breach(state, "netflix", "mentions", 360, 40, CFG)
    assert again["status"] == "firing" and again["alert_id"] != fired["alert_id"]


def test_no_verdict_without_a_forecast_for_the_window_or_for_small_misses():
    state = with_forecast(yhat=2.0, lower=1.0, upper=3.0)
    assert check_breach(state, "hulu", "mentions", 60, 6, CFG) is None  # miss of 4 < min_count
    assert check_breach(state, "hulu", "mentions", 9_999, 60, CFG) is None  # no forecast
    assert check_breach(new_state(), "hulu", "interest", 60, 90.0, CFG) is None
    below = check_breach(with_forecast(), "hulu", "mentions", 60, 0, CFG)
    assert below["status"] == "firing" and "below" in below["message"] and below["score"] < -1


def test_interest_that_came_after_the_first_close_joins_the_history_once():
    from streamapp.analytics.forecasting.live import revise_interest

    state = new_state()
    assert append_window(state, 0, 4, None, CFG)  # closed before its trend point came
    assert append_window(state, 180, 6, 40.0, CFG)  # windows 60 and 120: gaps
    assert revise_interest(state, 0, 55.0)  # the revision with the point: judged now
    assert revise_interest(state, 120, 41.0)  # a window that never opened, sent late
    assert not revise_interest(state, 0, 56.0)  # a second reading: not judged again
    assert not revise_interest(state, 60, None)
    assert not revise_interest(state, 600, 1.0)  # not in the history
    assert [p[2] for p in state["points"]] == [55.0, None, 41.0, 40.0]
