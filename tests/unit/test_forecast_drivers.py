"""Drivers: the calendar parser, holidays and events aligned to every frequency and to
local time, the rule that a driver without known future values is never used, and the
shipped file of sourced events."""

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pydantic
import pytest

from streamapp.analytics.forecasting import by_name
from streamapp.analytics.forecasting.driver_models import ArimaDrivers, SeedArima, with_drivers
from streamapp.analytics.forecasting.drivers import Driver, DriverError, parse_drivers
from streamapp.analytics.forecasting.frequency import seconds_frequency
from streamapp.analytics.forecasting.regressors import DriverContext, public_holidays
from streamapp.config import ForecastSettings
from streamapp.sources.checkpoints import KafkaCheckpointStore

ROOT = Path(__file__).parent.parent.parent
THANKSGIVING = date(2022, 11, 24)


def test_calendar_and_user_series_lines():
    calendar = parse_drivers(
        "# a comment\n"
        "date,platform,name,value,end_date,source\n"
        "2022-11-03,netflix,ad_tier,6.99,,Netflix 2022-10-13\n"
        "2022-12-01,,promotion,0.5,2022-12-07,\n",
        "d.csv",
    )
    assert calendar[0] == Driver(
        date(2022, 11, 3), date(2022, 11, 3), "netflix", "ad_tier", 6.99, "Netflix 2022-10-13"
    )
    assert calendar[0].key == "2022-11-03|netflix|ad_tier"
    assert (calendar[1].platform, calendar[1].end) == ("", date(2022, 12, 7))
    assert Driver.from_dict(calendar[1].as_dict()) == calendar[1]
    [weather] = parse_drivers("date,name,value\n2022-11-01,temperature,11.5\n", "w.csv")
    assert weather.series and (weather.name, weather.value) == ("temperature", 11.5)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2022-13-01,netflix,price_change,1", "date '2022-13-01' is not a YYYY-MM-DD date"),
        ("2022-11-01,netflix,price_change,cheap", "value 'cheap' is not a number"),
        ("2022-11-01,netflix,price_change,nan", "value 'nan' is not finite"),
        ("2022-11-01,netflix,Price Change,1", "name 'Price Change'"),
        ("2022-11-05,netflix,promotion,1,2022-11-01", "end_date 2022-11-01 is before date"),
        ("2022-11-01,netflix,release,1,,src,extra", "7 cells, the header has 6"),
    ],
)
def test_a_bad_line_is_refused_with_file_line_and_reason(line, reason):
    text = "date,platform,name,value,end_date,source\n2022-11-02,,release,1,,\n" + line + "\n"
    with pytest.raises(DriverError) as caught:
        parse_drivers(text, "drivers.csv")
    assert str(caught.value).startswith("drivers.csv:3: ")
    assert reason in str(caught.value)


def test_a_file_without_a_known_header_is_refused():
    with pytest.raises(DriverError, match="drivers.csv:1: header must be"):
        parse_drivers("when,what\n2022-11-01,x\n", "drivers.csv")


def test_holidays_come_from_the_holidays_package():
    us = public_holidays("US", (2022,))
    assert us[THANKSGIVING] == "Thanksgiving Day" and date(2022, 11, 23) not in us
    with pytest.raises(ValueError, match="no public holidays"):
        public_holidays("XX", (2022,))


def _raw(context, stamps, freq):
    return [
        sum(d in public_holidays("US", (2022,)) for d in p) / len(p)
        for p in (context.period(s, freq) for s in stamps)
    ]


def test_holiday_alignment_at_every_frequency():
    daily = [datetime(2022, 11, 20) + timedelta(days=i) for i in range(7)]
    assert _raw(DriverContext(), daily, by_name("D"))[4] == 1.0  # the 24th
    assert sum(_raw(DriverContext(), daily, by_name("D"))) == 1.0
    # a Trends week starts on its stamp: the week of Sunday 20 Nov holds Thanksgiving
    weeks = [datetime(2022, 11, 13), datetime(2022, 11, 20), datetime(2022, 11, 27)]
    assert _raw(DriverContext(), weeks, by_name("W")) == [0.0, 1 / 7, 0.0]
    # month stamps on the first or on the last day name the same month
    for stamp in (datetime(2022, 11, 1), datetime(2022, 11, 30)):
        [share] = _raw(DriverContext(), [stamp], by_name("M"))
        assert share == pytest.approx(2 / 30)  # Veterans Day and Thanksgiving
    # quarters: the quarter-end stamp (16Q4 -> 2016-12-31) stands for Oct-Dec
    [q4] = DriverContext().period(datetime(2022, 12, 31), by_name("Q"))[:1]
    assert q4 == date(2022, 10, 1)
    assert len(DriverContext().period(datetime(2022, 12, 31), by_name("Q"))) == 92


def test_live_windows_are_moved_to_local_time_before_the_calendar():
    freq = seconds_frequency(60)
    # 03:00 UTC on 25 Nov is 22:00 on Thanksgiving in New York, already Friday in UTC
    late = datetime(2022, 11, 25, 3, 0)
    new_york = DriverContext(utc=True, tz="America/New_York")
    assert new_york.period(late, freq) == [THANKSGIVING]
    assert DriverContext(utc=True, tz="UTC").period(late, freq) == [date(2022, 11, 25)]
    release = Driver(THANKSGIVING, THANKSGIVING, "netflix", "release", 1.0)
    ny = DriverContext((release,), "netflix", None, "America/New_York", utc=True)
    assert ny.active(late, late + timedelta(minutes=1)) == [release]
    assert (
        DriverContext((release,), "netflix", None, "UTC", utc=True).active(
            late, late + timedelta(minutes=1)
        )
        == []
    )
    assert DriverContext((release,), "hulu", None).relevant() == []


def _weather(days, until):
    return tuple(
        Driver(d.date(), d.date(), "", "temperature", 10.0 + (i % 5), series=True)
        for i, d in enumerate(days)
        if d.date() <= until
    )


def test_a_regressor_without_future_values_is_never_used():
    freq = by_name("D")
    days = [datetime(2022, 10, 1) + timedelta(days=i) for i in range(40)]
    values = [50.0 + (i % 7) * 3 + (i % 5) for i in range(33)]
    history, horizon = days[:33], 7
    # weather known only up to the last history day: the forecast must not use it
    short = DriverContext(_weather(days, days[32].date()), country=None)
    design = short.design(history, horizon, freq)
    assert design.names == () and "future unknown after 2022-11-02" in design.skipped["temperature"]
    plain = (SeedArima(),)
    assert with_drivers(plain, short, history, horizon, freq) == plain  # no driver model
    model = ArimaDrivers(short)
    assert model.uses(history, horizon, freq) == ()
    assert model.forecast(history, values, horizon, freq) == pytest.approx(
        SeedArima().forecast(history, values, horizon, freq)
    )
    # known through the horizon: used, and the forecast follows it
    full = DriverContext(_weather(days, days[-1].date()), country=None)
    assert full.design(history, horizon, freq).names == ("temperature",)
    assert [m.name for m in with_drivers(plain, full, history, horizon, freq)] == [
        "seed_arima",
        "arima_drivers",
    ]
    assert ArimaDrivers(full).forecast(history, values, horizon, freq) != pytest.approx(
        SeedArima().forecast(history, values, horizon, freq)
    )


def test_one_past_occurrence_is_not_enough():
    freq = by_name("D")
    days = [datetime(2022, 10, 1) + timedelta(days=i) for i in range(30)]
    once = Driver(date(2022, 10, 5), date(2022, 10, 5), "netflix", "release", 1.0)
    design = DriverContext((once,), "netflix", None).design(days, 7, freq)
    assert design.skipped == {"release": "active at 1 history point(s), need 2"}
    twice = (once, Driver(date(2022, 10, 19), date(2022, 10, 20), "", "release", 1.0))
    design = DriverContext(twice, "netflix", None).design(days, 7, freq)
    assert design.names == ("release",) and sum(design.history["release"]) == 3


def test_the_shipped_drivers_file_is_sourced():
    path = ROOT / "examples" / "drivers.csv"
    drivers = parse_drivers(path.read_text(), str(path))
    assert len(drivers) >= 20
    assert all(d.source and d.platform for d in drivers)
    assert {"price_change", "ad_tier", "password_sharing", "release"} <= {d.name for d in drivers}
    assert len({d.key for d in drivers}) == len(drivers)  # the topic's key is unique


def test_country_and_timezone_settings_are_checked_at_start(monkeypatch):
    assert ForecastSettings(country="de", timezone="Europe/Berlin").country == "DE"
    assert ForecastSettings(country="").country == ""  # no holidays
    with pytest.raises(pydantic.ValidationError, match="'XX' has no public holidays"):
        ForecastSettings(country="XX")
    with pytest.raises(pydantic.ValidationError, match="not an IANA time zone"):
        ForecastSettings(timezone="Mars/Base")


def test_a_tombstone_removes_a_driver_from_the_feed():
    store = KafkaCheckpointStore("unused:9092", "forecast-drivers", sink=None)
    key = "2022-11-03|netflix|ad_tier"
    record = Driver(date(2022, 11, 3), date(2022, 11, 3), "netflix", "ad_tier", 1.0).as_dict()
    store._apply({0: [_message(key, json.dumps(record).encode()), _message("x", b"not json")]})
    assert store._latest == {key: record}  # the bad value is skipped, with a warning
    store._apply({0: [_message(key, None)]})
    assert store._latest == {}


def _message(key, value):
    return SimpleNamespace(key=key.encode(), value=value, offset=0)
