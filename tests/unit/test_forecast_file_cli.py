"""`streamapp forecast FILE`: a quarterly subscriber series forecast with its band as CSV,
a plot, the drivers the chosen model used, and bad input refused."""

import csv
import io
from pathlib import Path

from streamapp.cli import main

ROOT = Path(__file__).parent.parent.parent
QUARTERLY = ROOT / "examples" / "netflix_quarterly_subscribers.csv"
DRIVERS = ROOT / "examples" / "drivers.csv"


def test_quarterly_subscribers_forecast_as_csv_with_band_and_plot(capsys, tmp_path):
    png, out = tmp_path / "forecast.png", tmp_path / "forecast.csv"
    args = ["forecast", str(QUARTERLY), "--column", "Netflix Subs M", "--no-prophet"]
    assert main([*args, "--drivers", str(DRIVERS), "--out", str(out), "--plot", str(png)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["date"] for r in rows] == ["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31"]
    assert {r["series"] for r in rows} == {"Netflix Subs M"}
    for row in rows:
        assert float(row["yhat_lower"]) < float(row["yhat"]) < float(row["yhat_upper"])
        assert 200 < float(row["yhat"]) < 400  # millions of members, growing from 260.28
    [model] = {r["model"] for r in rows}
    assert model in {"naive", "seasonal_naive", "drift", "arima_drivers"}
    # the band widens (or stays) with the horizon
    widths = [float(r["yhat_upper"]) - float(r["yhat_lower"]) for r in rows]
    assert widths == sorted(widths)
    assert f"forecast: Netflix Subs M: {model}" in capsys.readouterr().err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_user_series_with_future_values_is_a_driver(capsys, tmp_path):
    # a steady series and a "marketing" series that moves it, known for the horizon
    days = [f"2024-01-{d:02d}" for d in range(1, 32)] + [f"2024-02-{d:02d}" for d in range(1, 30)]
    spend = [1.0 if i % 6 == 0 else 0.0 for i in range(len(days) + 7)]
    series = tmp_path / "demand.csv"
    series.write_text(
        "date,demand\n"
        + "".join(f"{d},{50 + 20 * spend[i] + (i % 3)}\n" for i, d in enumerate(days))
    )
    future = [f"2024-03-{d:02d}" for d in range(1, 8)]
    marketing = tmp_path / "marketing.csv"
    marketing.write_text(
        "date,name,value\n"
        + "".join(f"{d},marketing,{spend[i]}\n" for i, d in enumerate(days + future))
    )
    args = ["forecast", str(series), "--no-prophet", "--country", "", "--drivers", str(marketing)]
    assert main(args) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 7 and rows[0]["date"] == "2024-03-01"
    assert rows[0]["model"] == "arima_drivers" and rows[0]["drivers"] == "marketing"
    # the spend day (index 60 = 1 March) is forecast higher than the quiet day after it
    assert float(rows[0]["yhat"]) > float(rows[1]["yhat"]) + 10


def test_bad_drivers_line_exits_2_with_the_reason(capsys, tmp_path):
    bad = tmp_path / "drivers.csv"
    bad.write_text("date,platform,name,value\n2024-01-01,netflix,price_change,\n")
    assert main(["forecast", str(QUARTERLY), "--no-prophet", "--drivers", str(bad)]) == 2
    assert f"{bad}:2: value '' is not a number" in capsys.readouterr().err
