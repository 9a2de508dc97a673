"""The daily brief's numbers and its two renderings, from hand-made topic records."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import pytest

from streamapp.analytics.brief import build_brief
from streamapp.brief import render
from streamapp.cli.brief import parse_since

DAY = 86400.0
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC).timestamp()


def iso(epoch):
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def window(platform, start, mentions, revision=0, piracy=0, cancellation=0, switching_to=None,
           interest=None):  # fmt: skip
    return {
        "window_id": f"{platform}|{start:.3f}",
        "platform": platform,
        "window_start": iso(start),
        "mentions": mentions,
        "intent_counts": {"piracy": piracy, "cancellation": cancellation},
        "interest_sum": interest or 0.0,
        "interest_count": 1 if interest is not None else 0,
        "interest_mean": interest,
        "switching_to": switching_to or {},
        "revision": revision,
    }


def alert(alert_id, status, at, rule="piracy_surge"):
    return {"alert_id": alert_id, "status": status, "fired_at": iso(at), "rule": rule,
            "platform": "netflix", "severity": "warning" if status == "firing" else "info",
            "message": f"{rule} {status}"}  # fmt: skip


def records():
    today, yesterday = NOW - 3600, NOW - DAY - 3600
    windows = [
        window("netflix", today, 50, piracy=9, switching_to={"max": 4, "hulu": 1}, interest=60),
        window(
            "netflix",
            today,
            60,
            revision=1,
            piracy=10,
            switching_to={"max": 5, "hulu": 1},
            interest=60,
        ),  # fmt: skip
        window("hulu", today, 40, cancellation=3, switching_to={"max": 2}, interest=30),
        window("netflix", yesterday, 40, piracy=2, interest=50),
        window("hulu", yesterday, 60, cancellation=4, interest=30),
        window("netflix", NOW - 3 * DAY, 999),  # older than both periods
    ]
    alerts = [
        alert("a", "firing", NOW - 7200),
        alert("a", "firing", NOW - 7100),  # a redelivery
        alert("a", "resolved", NOW - 600),
        alert("b", "firing", NOW - 300, rule="switching_surge"),
        alert("c", "firing", NOW - 2 * DAY),  # before the period
    ]
    forecasts = [
        {"platform": "netflix", "metric": "mentions", "generated_at": iso(today - 7200),
         "points": [{"timestamp": iso(today), "yhat": 40, "yhat_lower": 30, "yhat_upper": 50}]},
        {"platform": "netflix", "metric": "mentions", "generated_at": iso(today - 600),
         "points": [{"timestamp": iso(today), "yhat": 55, "yhat_lower": 45, "yhat_upper": 65}]},
        # made after the window began: not a forecast of it
        {"platform": "netflix", "metric": "mentions", "generated_at": iso(today + 60),
         "points": [{"timestamp": iso(today), "yhat": 60, "yhat_lower": 59, "yhat_upper": 61}]},
    ]  # fmt: skip
    return windows, alerts, forecasts


def test_the_brief_counts_alerts_shares_flows_trends_and_forecasts():
    brief = build_brief(*records(), now=NOW, since_s=DAY)
    assert brief["windows"] == 2
    assert {k: brief["alerts"][k] for k in ("fired", "resolved", "open")} == {
        "fired": 2,
        "resolved": 1,
        "open": 1,
    }
    assert [(a["rule"], a["resolved"]) for a in brief["alerts"]["list"]] == [
        ("piracy_surge", True),
        ("switching_surge", False),
    ]
    netflix, hulu = brief["platforms"]
    # The revision replaced the first close: 60 of 100 mentions today, 40 of 100 before.
    assert (netflix["platform"], netflix["mentions"], netflix["share"]) == ("netflix", 60, 0.6)
    assert netflix["share_change"] == pytest.approx(0.2)
    assert hulu["share_change"] == pytest.approx(-0.2)
    assert netflix["interest"] == 60 and netflix["interest_change"] == 10
    assert (netflix["piracy"], netflix["piracy_before"]) == (10, 2)
    assert (hulu["cancellation"], hulu["cancellation_before"]) == (3, 4)
    assert brief["flows"] == [
        {"from": "netflix", "to": "max", "count": 5},
        {"from": "hulu", "to": "max", "count": 2},
        {"from": "netflix", "to": "hulu", "count": 1},
    ]
    [forecast] = brief["forecasts"]
    # The forecast made last before the window: yhat 55 against 60, inside 45-65.
    assert forecast == {
        "platform": "netflix",
        "metric": "mentions",
        "windows": 1,
        "actual_mean": 60.0,
        "forecast_mean": 55.0,
        "mae": 5.0,
        "inside_band": 1.0,
    }


def test_text_and_html_show_every_part_and_escape():
    windows, alerts, forecasts = records()
    alerts.append(alert("x", "firing", NOW - 60, rule="<script>"))
    brief = build_brief(windows, alerts, forecasts, now=NOW, since_s=DAY)
    out = render.text(brief)
    assert out.splitlines()[0] == "streamapp brief 2026-12-05 12:00 UTC - 2026-12-06 12:00 UTC"
    assert "Alerts: 3 fired, 1 resolved, 2 still open" in out
    assert "Netflix   60        60.0%  +20.0 pp" in out
    assert "Netflix  Max   5" in out
    assert "Netflix   10 (before 2, +8)" in out
    assert "Netflix   mentions  1        60.0         55.0           5.0  100.0%" in out
    page = render.page(brief)
    assert "<h2>Top switching flows</h2>" in page and "&lt;script&gt;" in page
    assert "<script>" not in page


def test_an_empty_period_says_none_rather_than_failing():
    out = render.text(build_brief([], [], [], now=NOW, since_s=DAY))
    assert "Alerts: 0 fired, 0 resolved, 0 still open" in out and "(none)" in out


def test_since_takes_minutes_hours_and_days_only():
    assert parse_since("24h") == DAY and parse_since("90m") == 5400 and parse_since("7d") == 7 * DAY
    for bad in ("24", "0h", "1w", "-1h"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_since(bad)
