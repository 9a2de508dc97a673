"""The CSV shapes `streamapp backtest` reads, and the errors bad files give."""

from datetime import datetime
from pathlib import Path

import pytest

from streamapp.forecast_files.read import ForecastInputError, load_series, parse_date

DATA = Path(__file__).parent.parent / "data" / "forecast"


def test_google_trends_export_with_its_two_header_lines():
    netflix, youtube = load_series(DATA / "netflix_vs_youtube_weekly_2019_2021.csv")
    assert (netflix.name, youtube.name) == ("netflix", "youtube")
    assert len(netflix.values) == 157
    assert netflix.timestamps[0] == datetime(2018, 12, 30)
    assert netflix.values[:3] == [20, 17, 16] and youtube.values[0] == 98


def test_long_trends_shape_gives_one_series_per_keyword():
    series = load_series(DATA / "platforms_daily_2022q4.csv")
    assert [s.name for s in series] == ["netflix", "disney plus", "hulu", "prime video", "hbo max"]
    assert all(len(s.values) == 68 for s in series)
    assert series[0].timestamps[-1] == datetime(2022, 12, 7)


def test_quarterly_day_first_dates_with_a_bom():
    series = load_series(
        DATA / "netflix_quarterly_2019_2024.csv", ["Netflix Streaming Memberships"]
    )
    [members] = series
    assert members.timestamps[0] == datetime(2019, 3, 31)
    assert members.values[0] == 148_863_000 and len(members.values) == 21


def test_quarter_labels_na_cells_and_text_columns():
    series = {s.name: s for s in load_series(DATA / "netflix_quarterly_2016_2023.csv")}
    assert "Level of Lockdown" not in series  # text
    assert "Sub Increase Q2Q % $M" not in series  # percentages
    assert "Price Hike for at least 1 plan" not in series  # TRUE/FALSE
    subs = series["Netflix Subs M"]
    assert subs.timestamps[0] == datetime(2016, 3, 31) and subs.values[0] == 77.71
    # the first row's #N/A is a leading gap: dropped, not invented
    assert series["Sub Increase Q2Q M"].timestamps[0] == datetime(2016, 6, 30)


def test_plain_date_value_with_lt1_gaps_and_unnamed_columns(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text(
        "date,value,,\n2024-01-01,<1,,\n2024-01-02,#N/A,,\n2024-01-03,4.5,x,\n"
        "2024-01-04,5,,\n2024-01-05,6,,\n",
        encoding="utf-8",
    )
    [series] = load_series(path)
    assert series.name == "value"
    assert series.values == [0.5, 2.5, 4.5, 5, 6]  # <1 -> 0.5; the gap interpolated
    assert series.notes == ["1 missing values interpolated"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("16Q1", datetime(2016, 3, 31)),
        ("2016-Q4", datetime(2016, 12, 31)),
        ("Q2 2020", datetime(2020, 6, 30)),
        ("31-03-2019", datetime(2019, 3, 31)),
        ("2021-07", datetime(2021, 7, 1)),
    ],
)
def test_date_shapes(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        ("date,value\n", "no data rows"),
        ("date,value\n2024-01-01,1\nyesterday,2\n", "row 3: date 'yesterday' not recognised"),
        ("date,label\n2024-01-01,a\n2024-01-02,b\n", "no numeric series"),
        ("date,value\n2024-01-01,1\n2024-01-01,2\n", "same date twice"),
        ("date,value\n2024-01-01,1\n2024-01-02,\n2024-01-03,\n2024-01-04,4\n", "missing 2 of 4"),
        ("date,hits,keyword\n2024-01-01,abc,netflix\n", "row 2: could not convert"),
    ],
)
def test_bad_files_say_where_and_why(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ForecastInputError, match=message):
        load_series(path)


def test_unknown_column_and_binary_file(tmp_path):
    with pytest.raises(ForecastInputError, match="no numeric column named"):
        load_series(DATA / "netflix_quarterly_2016_2023.csv", ["Subscribers"])
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\xff\xfe\x00date")
    with pytest.raises(ForecastInputError, match="not UTF-8"):
        load_series(binary)
