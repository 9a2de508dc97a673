"""Error metrics and the backtest's arithmetic against hand computations."""

from datetime import datetime, timedelta

import pytest

from streamapp.analytics.forecasting import Naive, SeasonalNaive, by_name, run_backtest
from streamapp.analytics.forecasting.backtest import plan_origins, step_errors
from streamapp.analytics.forecasting.choice import band_half_widths
from streamapp.analytics.forecasting.metrics import mae, mape, mase, mase_scale


def test_metrics_match_a_hand_computation():
    train = [10, 12, 11, 13]
    actual, predicted = [14, 12], [13, 13]
    assert mae(actual, predicted) == 1.0
    # (1/14 + 1/12) / 2 * 100
    assert mape(actual, predicted) == pytest.approx(7.7380952)
    # naive in-sample MAE: (|12-10| + |11-12| + |13-11|) / 3 = 5/3
    assert mase_scale(train, 1) == pytest.approx(5 / 3)
    assert mase(actual, predicted, train, 1) == pytest.approx(0.6)
    # season 2: (|11-10| + |13-12|) / 2 = 1
    assert mase(actual, predicted, train, 2) == pytest.approx(1.0)


def test_mape_leaves_out_zero_actuals_and_mase_refuses_a_flat_history():
    assert mape([0, 10], [5, 12]) == pytest.approx(20.0)
    assert mape([0, 0], [1, 1]) is None
    assert mase([3], [4], [5, 5, 5], 1) is None
    # a season as long as the history falls back to naive
    assert mase_scale([1, 2, 4], 3) == pytest.approx(1.5)


def test_metrics_refuse_mismatched_lengths():
    with pytest.raises(ValueError, match="equal"):
        mae([1, 2], [1])


def weekly(values):
    start = datetime(2024, 1, 7)
    return [start + timedelta(weeks=i) for i in range(len(values))], values


def test_backtest_scores_match_a_hand_computation():
    # 12 points, horizon 2, three origins (step 2): 6, 8, 10; the last is held out.
    stamps, values = weekly([5, 7, 6, 8, 7, 9, 8, 10, 9, 11, 12, 10])
    result = run_backtest(
        stamps, values, by_name("W"), (Naive(),), horizon=2, origins=3, holdout=1, min_train=6
    )
    assert (result.selection, result.holdout) == ([6, 8], [10])
    assert result.forecasts["naive"] == {6: [9, 9], 8: [10, 10], 10: [11, 11]}
    held = result.scores["naive"]
    # origin 10: actual [12, 10] vs [11, 11] -> MAE 1; MAPE (1/12 + 1/10) / 2
    assert held.mae == pytest.approx(1.0)
    assert held.mape == pytest.approx(100 * (1 / 12 + 1 / 10) / 2)
    # scale: naive in-sample MAE over the first 10 points = (2+1+2+1+2+1+2+1+2) / 9
    assert held.mase == pytest.approx(1.0 / (14 / 9))
    chosen_on = result.selection_scores["naive"]
    # origin 6: [8, 10] vs 9 -> 1, 1; origin 8: [9, 11] vs 10 -> 1, 1
    assert chosen_on.mae == pytest.approx(1.0)
    # per-origin scales: 8/5 (first 6 points) and 11/7 (first 8); MASE is their mean
    assert chosen_on.mase == pytest.approx((1 / (8 / 5) + 1 / (11 / 7)) / 2)
    assert step_errors(values, result.forecasts["naive"]) == [[-1, -1, 1], [1, 1, -1]]


def test_seasonal_naive_repeats_the_last_season_once_two_are_known():
    stamps, values = weekly([1, 2, 3, 4, 1, 2, 3, 4])
    quarterly = by_name("Q")  # season 4
    assert SeasonalNaive().forecast(stamps, values, 6, quarterly) == [1, 2, 3, 4, 1, 2]
    # under two seasons of history: naive
    assert SeasonalNaive().forecast(stamps[:6], values[:6], 2, quarterly) == [2, 2]


def test_origins_are_spread_at_most_a_horizon_apart():
    assert plan_origins(30, 4, 5, 8) == [10, 14, 18, 22, 26]
    assert plan_origins(14, 4, 5, 8) == [8, 9, 10]
    with pytest.raises(ValueError, match="too few"):
        plan_origins(10, 4, 5, 8)


def test_band_widens_with_the_horizon_and_never_narrows():
    widths = band_half_widths([[1.0, -1.0], [0.0, 0.0], [3.0, -3.0]], level=0.95)
    assert widths[0] == pytest.approx(1.959964, rel=1e-5)
    assert widths[1] == widths[0]  # pooled RMS fell, the band did not
    assert widths[2] == pytest.approx(1.959964 * (20 / 6) ** 0.5, rel=1e-5)
    assert band_half_widths([[0.0]], 0.9, min_half_width=2.0) == [2.0]
