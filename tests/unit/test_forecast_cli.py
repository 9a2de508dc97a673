"""`streamapp backtest`: output, last line, JSON, plot, and errors on bad files."""

import json
import re
from pathlib import Path

from streamapp.cli import main

ROOT = Path(__file__).parent.parent.parent
WEEKLY = ROOT / "examples" / "google_trends_netflix_youtube_weekly.csv"
QUARTERLY = ROOT / "examples" / "netflix_quarterly_subscribers.csv"
LAST_LINE = re.compile(
    r"^backtest: series=(\d+) chosen_mase=(\d+\.\d{3}) snaive_mase=(\d+\.\d{3}) "
    r"improvement=(-?\d+\.\d)% seed_arima_mase=(\d+\.\d{3})$"
)


def test_text_report_ends_with_the_fixed_last_line(capsys):
    assert main(["backtest", str(WEEKLY), "--no-prophet"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    match = LAST_LINE.match(lines[-1])
    assert match, lines[-1]
    assert match.group(1) == "2"
    assert lines[0].startswith("netflix: 157 points, freq W, season 52, horizon 8")
    assert sum(line.strip().startswith("chosen: ") for line in lines) == 2
    # improvement is the mean of the per-series improvements, recomputed from the table
    chosen = [float(r.split()[3]) for r in lines if r.endswith("<- chosen")]
    snaive = [float(r.split()[3]) for r in lines if r.strip().startswith("seasonal_naive")]
    gains = [100 * (1 - c / s) for c, s in zip(chosen, snaive, strict=True)]
    assert float(match.group(4)) == round(sum(gains) / 2, 1)


def test_json_report_and_plot(capsys, tmp_path):
    png = tmp_path / "backtest.png"
    args = ["backtest", str(QUARTERLY), "--column", "Netflix Subs M", "--horizon", "2"]
    assert main([*args, "--json", "--plot", str(png)]) == 0
    report = json.loads(capsys.readouterr().out)
    [series] = report["series"]
    assert series["name"] == "Netflix Subs M" and series["horizon"] == 2
    assert series["chosen"] in series["scores"]
    assert set(series["scores"]) == {
        "naive",
        "seasonal_naive",
        "drift",
        "prophet",
        "ensemble",
        "seed_arima",
    }
    assert report["summary"]["series"] == 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_seeds_arima_is_a_candidate_unless_told_not_to(capsys):
    data = ROOT / "tests" / "data" / "forecast" / "netflix_quarterly_2019_2024.csv"
    args = ["backtest", str(data), "--column", "APAC Members", "--no-prophet"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  chosen: seed_arima" in lines  # it wins the choosing origins of this series
    assert main([*args, "--no-seed-arima"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  chosen: drift" in lines
    [row] = [line for line in lines if line.strip().startswith("seed_arima")]
    assert row.endswith("(seed's ARIMA(1,1,1), not a candidate)")
    assert LAST_LINE.match(lines[-1]), lines[-1]


def test_bad_files_exit_2_with_the_reason(capsys, tmp_path):
    assert main(["backtest", str(tmp_path / "missing.csv")]) == 2
    assert "No such file" in capsys.readouterr().err
    short = tmp_path / "short.csv"
    short.write_text("date,value\n2024-01-01,1\n2024-01-02,2\n2024-01-03,3\n2024-01-04,4\n")
    assert main(["backtest", str(short), "--no-prophet"]) == 2
    err = capsys.readouterr().err
    assert "series 'value'" in err and "too few for a backtest" in err
    assert main(["backtest", str(WEEKLY), "--horizon", "0"]) == 2
