"""Backtests on real series (Google Trends exports, Netflix's reported memberships)."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from streamapp.analytics.forecasting import (
    ProphetModel,
    by_name,
    choose_and_forecast,
    default_models,
    detect,
    run_backtest,
)
from streamapp.analytics.forecasting.frequency import seconds_frequency
from streamapp.forecast_files.read import load_series

DATA = Path(__file__).parent.parent / "data" / "forecast"
HORIZON = {"D": 7, "W": 8, "Q": 4}
# The demand series: search interest and subscriber counts.
DEMAND = [
    ("netflix_vs_youtube_weekly_2019_2021.csv", None),
    ("platforms_daily_2022q4.csv", None),
    (
        "netflix_quarterly_2019_2024.csv",
        [
            "Netflix Streaming Memberships",
            "UCAN Members",
            "EMEA  Members",
            "LATM Members",
            "APAC Members",
        ],
    ),
    ("netflix_quarterly_2016_2023.csv", ["Netflix Subs M"]),
]


def demand_series():
    for name, columns in DEMAND:
        yield from load_series(DATA / name, columns)


def never_worse_than_both(result):
    scores = result.scores
    chosen = scores[result.chosen].mase
    return chosen <= scores["naive"].mase or chosen <= scores["seasonal_naive"].mase


def test_chosen_model_is_never_worse_than_both_naive_baselines_on_held_out_origins():
    checked = 0
    for series in demand_series():
        freq = detect(series.timestamps)
        result = run_backtest(
            series.timestamps,
            series.values,
            freq,
            default_models(with_prophet=False),
            HORIZON[freq.name],
        )
        assert result.holdout and not set(result.holdout) & set(result.selection)
        assert never_worse_than_both(result), (series.name, result.chosen, result.scores)
        checked += 1
    assert checked == 13


def test_with_prophet_on_the_weekly_trends_export():
    # The one real-series test that fits Prophet (8 origins x 1 fit each, ~1 s).
    [netflix, _] = load_series(DATA / "netflix_vs_youtube_weekly_2019_2021.csv")
    freq = detect(netflix.timestamps)
    result = run_backtest(netflix.timestamps, netflix.values, freq, default_models(), 8)
    assert set(result.scores) == {"naive", "seasonal_naive", "drift", "prophet", "ensemble"}
    assert never_worse_than_both(result)
    # the ensemble is the mean of Prophet and seasonal naive at every origin
    origin = result.holdout[0]
    pairs = zip(
        result.forecasts["prophet"][origin], result.forecasts["seasonal_naive"][origin], strict=True
    )
    assert result.forecasts["ensemble"][origin] == pytest.approx([(a + b) / 2 for a, b in pairs])


def test_prophet_is_deterministic_and_quiet(capfd):
    start = datetime(2024, 1, 1)
    stamps = [start + timedelta(days=i) for i in range(42)]
    values = [10 + (i % 7) + 0.1 * i for i in range(42)]
    first = ProphetModel().forecast(stamps, values, 7, by_name("D"))
    second = ProphetModel().forecast(stamps, values, 7, by_name("D"))
    assert first == second
    # weekly seasonality is picked up: the forecast follows the 7-day pattern
    assert first[6] - first[0] == pytest.approx(6, abs=1.0)
    captured = capfd.readouterr()
    assert "cmdstanpy" not in captured.err + captured.out


def test_frequency_detection():
    day = datetime(2024, 1, 1)
    assert detect([day + timedelta(days=i) for i in range(5)]).name == "D"
    assert detect([day + timedelta(weeks=i) for i in range(5)]).name == "W"
    minutes = detect([day + timedelta(seconds=60 * i) for i in range(5)])
    assert (minutes.name, minutes.season) == ("60s", 1440)
    with pytest.raises(ValueError, match="every 3.0 days"):
        detect([day + timedelta(days=3 * i) for i in range(5)])
    months = [datetime(2023, m, 28) for m in range(1, 13)]
    monthly = detect(months)
    assert (monthly.name, monthly.season) == ("M", 12)
    assert monthly.advance(datetime(2024, 1, 31), 1) == datetime(2024, 2, 29)  # month end
    quarter = by_name("Q")
    assert quarter.advance(datetime(2024, 3, 31), 1) == datetime(2024, 6, 30)
    assert quarter.advance(datetime(2024, 12, 31), 1) == datetime(2025, 3, 31)


def test_live_forecast_has_a_band_from_out_of_sample_errors():
    freq = seconds_frequency(60)
    start = datetime(2026, 11, 21, 10, 0)
    stamps = [start + timedelta(minutes=i) for i in range(40)]
    values = [20.0 + (3 if i % 2 else -3) for i in range(40)]
    forecast = choose_and_forecast(stamps, values, freq, default_models(False), horizon=3)
    assert forecast.model in {"naive", "seasonal_naive", "drift"}
    assert [p.timestamp for p in forecast.points] == [
        start + timedelta(minutes=40 + h) for h in range(3)
    ]
    for point in forecast.points:
        assert point.yhat_lower < point.yhat < point.yhat_upper
