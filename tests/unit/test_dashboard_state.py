"""The dashboard's decoding, shared state and plot columns, without a server or Kafka."""

from __future__ import annotations

import json
import math

import pytest

from streamapp.panel_dashboard import listings, queries, records
from streamapp.panel_dashboard.lag import lag_by_topic
from streamapp.panel_dashboard.ring import STATS, BucketRing
from streamapp.panel_dashboard.state import MENTIONS, DashboardState
from tests.harness.clock import FakeClock as Clock

NOW = 1_800_000_000.0


def signal(t: float, platforms=("netflix",), intents=(), sentiment=0.0, move=(None, None)):
    return records.Signal(t, tuple(platforms), frozenset(intents), sentiment, *move)


def alert(alert_id: str, status: str, fired: float, platform="netflix", severity="warning"):
    return {
        "alert_id": alert_id,
        "rule": "piracy_surge",
        "platform": platform,
        "status": status,
        "severity": severity,
        "message": f"{alert_id} {status}",
        "fired_epoch": fired,
    }


def test_parsers_read_the_workers_json_and_refuse_bad_messages():
    raw = {
        "event_id": "t3_a",
        "created_utc": NOW,
        "platforms": ["netflix", "hulu"],
        "intents": ["switching"],
        "sentiment": -0.4,
        "switch_from": "netflix",
        "switch_to": "hulu",
    }
    got = records.parse_signal(json.dumps(raw).encode())
    assert got.platforms == ("netflix", "hulu") and got.switch_to == "hulu"
    assert got.event_id == "t3_a"
    with pytest.raises(ValueError, match="not valid JSON"):
        records.parse_signal(b"{nope")
    with pytest.raises(ValueError, match="sentiment"):
        records.parse_signal(json.dumps({**raw, "sentiment": "bad"}))
    point = {"keyword": "netflix", "platform": "netflix", "timestamp": "2026-11-21T10:00:00Z"}
    assert records.parse_interest(json.dumps({**point, "interest": 40})).interest == 40
    with pytest.raises(ValueError, match="UTC offset"):
        records.parse_interest(json.dumps({**point, "timestamp": "2026-11-21T10:00:00"}))
    with pytest.raises(ValueError, match="status"):
        records.parse_alert(json.dumps({"alert_id": "a", "rule": "r", "platform": "p"}))


def test_forecast_points_are_sorted_and_bands_default_to_yhat():
    raw = {
        "platform": "netflix",
        "metric": "mentions",
        "model": "prophet",
        "generated_at": "2026-11-21T10:00:00Z",
        "points": [
            {"timestamp": "2026-11-21T10:02:00Z", "yhat": 3, "yhat_lower": 2, "yhat_upper": 4},
            {"timestamp": "2026-11-21T10:01:00Z", "yhat": 1},
        ],
    }
    forecast = records.parse_forecast(json.dumps(raw))
    assert [p[1:] for p in forecast.points] == [(1, 1, 1), (3, 2, 4)]


def test_posts_fold_into_buckets_per_platform():
    state = DashboardState(bucket_s=5, clock=Clock(NOW))
    state.apply_signal(signal(NOW - 12, ["netflix", "hulu"], ["piracy"], 0.5))
    state.apply_signal(signal(NOW - 11, ["netflix"], [], -0.1))
    lines = queries.lines(state, "mentions", ["netflix", "hulu", "max"], 60)
    by_platform = dict(zip(lines["platform"], lines["ys"], strict=True))
    assert set(by_platform) == {"netflix", "hulu"}  # no line for a platform without data
    assert sum(by_platform["netflix"]) == 2 and sum(by_platform["hulu"]) == 1
    piracy = queries.lines(state, "piracy", ["netflix"], 60)
    assert sum(piracy["ys"][0]) == 1
    [bars] = [queries.sentiment_bars(state, ["netflix"], 60)]
    assert bars["sentiment"] == [pytest.approx(0.2)] and bars["colour"] == ["#D55E00"]


def test_memory_stays_bounded_by_the_history_however_long_it_runs():
    clock = Clock(NOW)
    state = DashboardState(bucket_s=5, history_s=600, clock=clock)
    for step in range(20_000):  # ~28 hours at one post every 5 s
        clock.now = NOW + step * 5
        state.apply_signal(signal(clock.now, move=("netflix", "hulu")))
    assert state.ring.values.nbytes == STATS * state.ring.capacity * 8  # one platform, fixed
    assert state.ring.capacity <= (600 + 300) / 5 + 2  # the history plus the future slack
    assert len(state.switching) <= 600 / 5 + 1
    lines = queries.lines(state, "mentions", ["netflix"], 300)
    assert sum(lines["ys"][0]) == 60  # the last 5 minutes: one post per 5 s
    state.apply_signal(signal(clock.now - 3600))  # older than the history: refused
    state.apply_signal(signal(clock.now + 3600))  # far in the future: refused
    assert state.rejected == 2


def test_shares_sum_to_100_and_the_leader_ratio_comes_from_the_data():
    state = DashboardState(bucket_s=5, clock=Clock(NOW))
    for i in range(30):
        state.apply_signal(signal(NOW - 30 + i * 0.5, ["netflix"]))
    for i in range(12):
        state.apply_signal(signal(NOW - 30 + i, ["disney_plus"]))
    state.apply_interest(records.Interest(NOW - 5, "netflix", "netflix", 60))
    state.apply_interest(records.Interest(NOW - 5, "disney plus", "disney_plus", 20))
    share = queries.shares(state, ["netflix", "disney_plus", "hulu"], 300)
    assert share["platform"] == ["netflix", "disney_plus"]
    assert sum(share["mention_share"]) == pytest.approx(100)
    assert share["interest_share"] == [pytest.approx(75), pytest.approx(25)]
    assert queries.leader_ratio(share) == (
        "Netflix : Disney+ = 2.5 : 1 in mentions, 3.0 : 1 in search interest"
    )


def test_interest_lines_are_means_and_alternative_terms_get_their_own_line():
    state = DashboardState(bucket_s=60, clock=Clock(NOW))
    for value in (40, 60):
        state.apply_interest(records.Interest(NOW - 30, "netflix", "netflix", value))
    state.apply_interest(records.Interest(NOW - 30, "free streaming", None, 7))
    state.apply_interest(records.Interest(NOW - 30, "cancel netflix", None, 90))  # churn term
    # interest by region (a state compared with the others): never in the national lines
    region = records.parse_interest(
        json.dumps(
            {
                "keyword": "netflix",
                "platform": "netflix",
                "timestamp": "2026-11-21T10:00:00Z",
                "interest": 100,
                "geo": "US-CA",
                "region_of": "US",
            }
        )
    )
    assert region.region_of == "US"
    state.apply_interest(records.Interest(NOW - 30, "netflix", "netflix", 100, region_of="US"))
    lines = queries.lines(state, "interest", ["netflix", "_alternative"], 300)
    values = {
        p: [y for y in ys if not math.isnan(y)]
        for p, ys in zip(lines["platform"], lines["ys"], strict=True)
    }
    assert values == {"netflix": [50], "_alternative": [7]}
    dots = queries.points(lines)  # a lone value draws no line: it gets a dot
    assert sorted(zip(dots["platform"], dots["y"], strict=True)) == [
        ("_alternative", 7),
        ("netflix", 50),
    ]


def test_switch_matrix_keeps_moves_touching_the_selection():
    state = DashboardState(bucket_s=5, clock=Clock(NOW))
    moves = [("netflix", "hulu")] * 3 + [("max", "peacock")]
    for i, move in enumerate(moves):
        state.apply_signal(signal(NOW - i, list(move), ["switching"], move=move))
    matrix = queries.switch_matrix(state, ["hulu"], 60)
    assert (matrix["from"], matrix["to"], matrix["moves"]) == (["Netflix"], ["Hulu"], [3])


def test_alerts_newest_first_deduplicated_and_bounded():
    state = DashboardState(clock=Clock(NOW), max_alerts=3)
    state.apply_alert(alert("a", "firing", NOW - 50, severity="critical"))
    state.apply_alert(alert("a", "firing", NOW - 50, severity="critical"))  # redelivered
    state.apply_alert(alert("a", "resolved", NOW - 10, severity="info"))
    state.apply_alert(alert("b", "firing", NOW - 30, platform="hulu"))
    rows = listings.alert_rows(state, ["netflix", "hulu"])
    assert rows["message"] == ["a resolved", "b firing", "a firing"]
    assert rows["colour"] == ["#2e7d32", "#ef6c00", "#c62828"]
    assert listings.alert_rows(state, ["hulu"])["message"] == ["b firing"]
    state.apply_alert(alert("c", "firing", NOW))
    assert (
        len(state.alerts) == 3
        and "a firing" not in listings.alert_rows(state, ["netflix"])["message"]
    )


def test_the_newest_window_and_forecast_win():
    state = DashboardState(clock=Clock(NOW))
    for end, mentions in ((NOW - 60, 5), (NOW, 9), (NOW - 120, 1)):
        state.apply_window({"platform": "netflix", "window_end_epoch": end, "mentions": mentions})
    assert listings.window_rows(state, ["netflix"])["mentions"] == [9]
    for generated, yhat in ((NOW, 5.0), (NOW - 60, 1.0)):
        state.apply_forecast(
            records.Forecast("netflix", "mentions", "prophet", generated, ((NOW + 60, yhat, 1, 9),))
        )
    bands = listings.forecast_bands(state, ["netflix"])
    assert bands["ys"] == [[5.0]] and bands["band_ys"] == [[1, 9]]
    assert listings.forecast_bands(state, ["hulu"])["label"] == []


def test_freshness_badges_say_how_old_the_newest_event_is():
    clock = Clock(NOW)
    state = DashboardState(clock=clock)
    state.apply_signal(signal(NOW - 2))
    state.apply_interest(records.Interest(NOW - 600, "netflix", "netflix", 50))
    html = listings.badges_html(state)
    assert "signals: newest 2.0 s old" in html and "trends: newest 10 min old" in html
    assert "alerts: no events" in html and "worker lag: unknown" in html
    state.set_worker_lag({"reddit-discussions": 1200, "streaming-trends": 3})
    assert "worker lag: 1,203 messages" in listings.badges_html(state)
    rows = listings.freshness_rows(state)
    assert rows["newest_ms"][0] == (NOW - 2) * 1000 and rows["messages"][0] == 1


def test_lag_is_end_minus_committed_per_topic():
    class TP:
        def __init__(self, topic: str, partition: int) -> None:
            self.topic, self.partition = topic, partition

    a0, a1, b0 = TP("p.raw", 0), TP("p.raw", 1), TP("p.other", 0)
    lag = lag_by_topic({a0: 10, a1: 5, b0: 7}, {a0: 15, a1: 5, b0: 7}, "p.")
    assert lag == {"raw": 5, "other": 0}


def test_the_ring_reuses_positions_and_never_reads_a_stale_bucket():
    ring = BucketRing(capacity=4)
    assert ring.add(10, "netflix", MENTIONS, 2)
    assert ring.add(11, "hulu", MENTIONS, 1)
    assert ring.add(14, "netflix", MENTIONS, 5)  # position of bucket 10: starts afresh
    assert not ring.add(10, "netflix", MENTIONS, 1)  # older than what its position holds
    got = ring.window(11, 2, 2)  # buckets 11-12 and 13-14
    assert got["netflix"][MENTIONS].tolist() == [0, 5]
    assert got["hulu"][MENTIONS].tolist() == [1, 0]
    assert ring.window(9, 1, 2)["netflix"][MENTIONS].tolist() == [0]  # bucket 10 is gone


def test_a_signal_delivered_again_is_counted_once_within_a_bounded_memory():
    state = DashboardState(clock=Clock(NOW), max_recent_ids=2)
    first = records.Signal(NOW - 10, ("netflix",), frozenset(), 0.0, None, None, "t3_a")
    state.apply_signal(first)
    state.apply_signal(first)  # the same post again, after a worker took over
    window = state.ring.window(int((NOW - 10) // state.bucket_s), 1, 1)
    assert window["netflix"][MENTIONS].tolist() == [1]
    assert state.duplicates == 1 and state.freshness["signals"].messages == 2
    for pid in ("t3_b", "t3_c"):  # two newer ids push t3_a out of the bounded memory
        state.apply_signal(records.Signal(NOW - 10, ("hulu",), frozenset(), 0.0, None, None, pid))
    assert list(state._recent_ids) == ["t3_b", "t3_c"]
