"""The headline numbers, the selection's axis, the drill-down and the CSV exports, from a
fake feed (no server, no Kafka)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from streamapp.panel_dashboard import drilldown, exports, headline, records
from streamapp.panel_dashboard.state import DashboardState
from streamapp.panel_dashboard.view import CUSTOM, DashboardView

NOW = 1_800_000_000.0


class FakeFeed:
    def __init__(self) -> None:
        self.state = DashboardState(bucket_s=5, clock=lambda: NOW)


def post(t, platforms=("netflix",), intents=(), sentiment=0.0, pid=None):
    return records.Signal(
        t, tuple(platforms), frozenset(intents), sentiment, None, None, pid,
        text=f"text of {pid}", subreddit="cordcutters",
        permalink=f"https://www.reddit.com/r/cordcutters/comments/{pid}/" if pid else None,
    )  # fmt: skip


def by_key(found):
    return {m.key: m for m in found}


def test_headline_counts_posts_once_and_compares_with_the_previous_range():
    state = FakeFeed().state
    for i in range(10):  # this range: 10 posts, 2 piracy, 1 cancellation, both platforms
        intents = ("piracy",) if i < 2 else ("cancellation",) if i == 2 else ()
        state.apply_signal(post(NOW - 100 + i, ("netflix", "hulu"), intents, 0.5, f"a{i}"))
    for i in range(5):  # the previous 5 minutes: 5 posts
        state.apply_signal(post(NOW - 400 + i, ("netflix",), (), -0.5, f"b{i}"))
    state.apply_interest(records.Interest(NOW - 50, "netflix", "netflix", 60))
    state.apply_interest(records.Interest(NOW - 50, "hulu", "hulu", 20))
    state.apply_alert({"alert_id": "x", "rule": "r", "platform": "netflix", "status": "firing",
                       "severity": "warning", "fired_epoch": NOW - 30})  # fmt: skip
    found = by_key(headline.metrics(state, ["netflix", "hulu"], NOW - 300, NOW))
    assert (found["posts"].value, found["posts"].previous) == (10, 5)  # not 20: once each
    assert found["posts"].change() == ("&#9650;", "+100 %")
    assert found["searches"].value == 40
    assert found["piracy"].value == 20 and found["cancellation"].value == 10
    assert found["switching"].value == 0
    assert found["sentiment"].value == 0.5 and found["sentiment"].change()[1] == "+1.00"
    assert (found["alerts"].value, found["alerts"].previous) == (1, 0)
    assert headline.firing_now(state, ["netflix"]) == 1
    only_hulu = by_key(headline.metrics(state, ["hulu"], NOW - 300, NOW))
    assert only_hulu["posts"].previous == 0 and only_hulu["alerts"].value == 0
    html = headline.cards_html(list(found.values()), 1)
    assert "10" in html and "+100 %" in html and "(1 firing now)" in html


def test_the_x_axis_is_the_picked_range_ending_now_or_the_custom_range():
    feed = FakeFeed()
    view = DashboardView(feed, clock=lambda: NOW)
    view.range_s = 300
    view.refresh()
    # Five minutes, ending with the newest step (the bucket holding now): the axis moves
    # once a step, not at every refresh.
    step_end = (NOW // 5 + 1) * 5
    assert (view.time_range.start, view.time_range.end) == (
        (step_end - 300) * 1000,
        step_end * 1000,
    )
    feed.state.clock = lambda: NOW + 1.5
    view.clock = lambda: NOW + 1.5
    view.refresh()
    assert view.time_range.end == step_end * 1000
    feed.state.clock = view.clock = lambda: NOW
    feed.state.apply_signal(post(NOW - 3000, pid="old"))
    view.range_s = CUSTOM
    view.custom_start = datetime.fromtimestamp(NOW - 3600, UTC).replace(tzinfo=None)
    view.custom_end = datetime.fromtimestamp(NOW - 1800, UTC).replace(tzinfo=None)
    view.refresh()
    assert view.time_range.end - view.time_range.start == 1800 * 1000
    assert sum(view.mentions.data["ys"][0]) == 1  # the old post, in the custom range
    view.custom_start = datetime.fromtimestamp(NOW - 10 * 86400, UTC)  # before the history
    assert view.span()[0] == NOW - feed.state.history_s


def test_an_alerts_evidence_and_a_points_posts_resolve_to_what_they_said():
    state = FakeFeed().state
    state.apply_signal(post(NOW - 20, intents=("piracy",), sentiment=-0.3, pid="t3_p"))
    state.apply_signal(post(NOW - 20, ("hulu",), ("piracy",), pid="t3_h"))
    shown = drilldown.evidence_html(state, {"evidence": ["t3_p", "t3_gone"]})
    assert "Evidence posts (2):" in shown and "[piracy; sentiment -0.30]: text of t3_p" in shown
    assert "href='https://www.reddit.com/r/cordcutters/comments/t3_p/'" in shown
    assert "t3_gone: <i>no longer" in shown
    assert "none cited" in drilldown.evidence_html(state, {"evidence": 7})  # not a list
    assert [p for p, _ in drilldown.point_posts(state, "netflix", "piracy", NOW - 25, NOW)] == [
        "t3_p"
    ]
    view = DashboardView(FakeFeed(), clock=lambda: NOW)
    view.feed.state.apply_signal(post(NOW - 7, intents=("piracy",), pid="t3_q"))
    view.refresh()
    view.show_point("piracy", NOW - 6, 1.0)  # a click on the step holding the post
    assert "Netflix: 1 piracy posts in this step" in view.point_posts.text
    assert "text of t3_q" in view.point_posts.text


def test_the_csv_of_a_chart_is_what_its_source_holds():
    view = DashboardView(FakeFeed(), clock=lambda: NOW)
    for i in range(3):
        view.feed.state.apply_signal(post(NOW - 7, pid=f"c{i}"))
    view.refresh()
    rows = list(csv.DictReader(io.StringIO(exports.csv_text(view.mentions.data))))
    assert sum(float(r["value"]) for r in rows) == 3 and {r["platform"] for r in rows} == {
        "netflix"
    }
    assert rows[-1]["time_utc"].endswith("Z")
    table = list(csv.reader(io.StringIO(exports.csv_text(view.headline_numbers.data))))
    assert table[0] == ["metric", "value", "previous", "change"] and table[1][:2] == [
        "posts",
        "3.0",
    ]
