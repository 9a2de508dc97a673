"""The Viewers tab from a fake feed: the viewers' gauge per closed window, plays and the
share of them from a recommendation, content-gap posts, the trending titles, one time axis."""

from __future__ import annotations

import json

import pytest

from streamapp.panel_dashboard import exports, records
from streamapp.panel_dashboard.layout import TABS
from streamapp.panel_dashboard.state import DashboardState
from streamapp.panel_dashboard.view import DashboardView
from streamapp.records.raw import iso_utc

NOW = 1_800_000_000.0


class FakeFeed:
    def __init__(self) -> None:
        self.now = NOW
        self.state = DashboardState(bucket_s=5, history_s=3600, clock=lambda: self.now)


def trends(platform: str, end: float, plays: int, recommended: int, top=(), rising=()) -> bytes:
    return json.dumps({
        "window_id": f"{platform}|{end - 60:.3f}", "platform": platform,
        "window_start": iso_utc(end - 60), "window_end": iso_utc(end), "plays": plays,
        "recommended_plays": recommended, "titles": len(top), "closed_at": iso_utc(end),
        "top": [{"title_id": t, "plays": n} for t, n in top],
        "rising": [{"title_id": t, "plays": n, "previous_plays": p, "growth": (n - p) / max(p, 1)}
                   for t, n, p in rising],
        "schema_version": 1,
    }).encode()  # fmt: skip


def window(platform: str, end: float, active=None, at_risk=None, expected=None) -> bytes:
    return json.dumps({
        "window_id": f"{platform}|{end - 60:.3f}", "platform": platform,
        "window_end": iso_utc(end), "mentions": 1, "accounts_active": active,
        "accounts_at_risk": at_risk, "expected_cancellations": expected,
    }).encode()  # fmt: skip


@pytest.fixture
def fed() -> tuple[FakeFeed, DashboardView]:
    feed = FakeFeed()
    state = feed.state
    for k, (plays, rec) in enumerate([(10, 2), (20, 5)]):
        end = NOW - 120 + 60 * k
        state.apply_title_trends(records.parse_title_trends(trends("max", end, plays, rec)))
        state.apply_window(records.parse_window(window("max", end, 100 + k, 3 + k, 4.5)))
    newest = trends("hulu", NOW - 60, 8, 8, top=[("h1", 5), ("h2", 3)], rising=[("h1", 5, 1)])
    state.apply_title_trends(records.parse_title_trends(newest))
    # Sent again after a worker's crash: replaces, never adds.
    state.apply_title_trends(records.parse_title_trends(newest))
    state.apply_window(records.parse_window(window("hulu", NOW - 60)))  # no viewers yet
    state.apply_signal(records.Signal(NOW - 30, ("max",), frozenset({"content_gap"}), -0.5,
                                      None, None))  # fmt: skip
    view = DashboardView(feed, clock=lambda: feed.now)
    view.refresh()
    assert view.viewers.top.data["title_id"] == []  # not drawn while its tab is closed
    view.show_viewers(True)  # the user opened the Viewers tab
    view.refresh()
    return feed, view


def test_the_viewers_tab_is_one_of_the_tabs():
    assert "Viewers" in [title for title, _ in TABS]


def test_gauges_plays_and_recommended_share_per_platform_over_time(fed):
    _, view = fed
    lines = {m: src.data for m, (_, src) in view.viewers.lines.items()}
    assert lines["accounts_active"]["platform"] == ["max"]  # hulu's window has no gauge
    assert lines["accounts_active"]["ys"] == [[100.0, 101.0]]
    assert lines["accounts_at_risk"]["ys"] == [[3.0, 4.0]]
    assert view.viewers.markers["accounts_active"].data["y"] == [100.0, 101.0]  # dots too
    assert lines["plays"]["platform"] == ["hulu", "max"]  # in the platforms' order
    assert lines["plays"]["ys"] == [[8], [10, 20]]
    assert lines["recommended"]["ys"] == [[100.0], [20.0, 25.0]]
    assert lines["content_gap"]["platform"] == ["max"] and sum(lines["content_gap"]["ys"][0]) == 1
    assert lines["plays"]["xs"][1] == [(NOW - 120) * 1000, (NOW - 60) * 1000]
    shares = view.viewers.shares.data
    assert dict(zip(shares["platform"], shares["share"], strict=True)) == {
        "hulu": 100.0,
        "max": round(100 * 7 / 30, 1),
    }
    # One time axis for every chart on the page: the market charts' own range.
    assert all(fig.x_range is view.time_range for fig, _ in view.viewers.lines.values())


def test_the_newest_windows_trending_titles_per_platform_and_their_csv(fed):
    _, view = fed
    top, rising = view.viewers.top.data, view.viewers.rising.data
    assert list(zip(top["platform"], top["rank"], top["title_id"], top["plays"], strict=True)) == [
        ("Hulu", 1, "h1", 5),
        ("Hulu", 2, "h2", 3),
    ]
    assert (rising["title_id"], rising["previous_plays"], rising["growth"]) == (["h1"], [1], [4.0])
    assert "previous_plays" not in top
    text = exports.csv_text(rising)
    assert text.splitlines()[0] == "platform,window_end,rank,title_id,plays,previous_plays,growth"
    assert text.splitlines()[1].endswith(",1,h1,5,1,4.0")


def test_the_platform_filter_and_the_range_apply_to_the_viewers_too(fed):
    feed, view = fed
    view.platforms = ["hulu"]
    view.refresh()
    assert view.viewers.lines["plays"][1].data["platform"] == ["hulu"]
    assert view.viewers.lines["accounts_active"][1].data["platform"] == []
    feed.now += 3 * 3600  # the windows are older than the range (and the history)
    view.refresh()
    assert view.viewers.top.data["title_id"] == []
    feed.state.viewers.prune()
    assert feed.state.viewers.trends["hulu"] == {} and feed.state.viewers.gauges["max"] == {}


def test_a_bad_title_trends_message_is_refused_with_a_reason():
    bad = json.loads(trends("max", NOW, 1, 0))
    with pytest.raises(ValueError, match="plays"):
        records.parse_title_trends(json.dumps({**bad, "plays": "many"}))
    with pytest.raises(ValueError, match="'top' must be a list"):
        records.parse_title_trends(json.dumps({**bad, "top": "h1"}))


def test_opening_the_tab_turns_its_drawing_on_and_leaving_it_off():
    import panel as pn

    from streamapp.panel_dashboard.layout import page

    feed = FakeFeed()
    view = DashboardView(feed, clock=lambda: feed.now)
    [tabs] = [o for o in page(view).objects if isinstance(o, pn.Tabs)]
    index = [title for title, _ in TABS].index("Viewers")
    holder = tabs.objects[index]
    assert len(holder.objects) == 1  # closed: a line of text, no charts in the page
    for _ in range(2):  # opened again after leaving: built again
        tabs.active = index
        assert view.viewers.shown and len(holder.objects[0].objects) > 6
        tabs.active = 0
        assert not view.viewers.shown and len(holder.objects) == 1
        assert isinstance(holder.objects[0], pn.pane.Markdown)
