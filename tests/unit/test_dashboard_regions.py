"""The Regions tab from a fake feed: `region-interest` snapshots decoded (bad ones refused
with a reason, skipped by the feed), the newest per keyword kept, regions ranked by the
platforms' and the alternative-viewing terms' interest and by the alternative share."""

from __future__ import annotations

import csv
import io
import json

import panel as pn
import pytest
from bokeh.models import DataTable, GlyphRenderer

from streamapp.panel_dashboard import exports, layout, regions
from streamapp.panel_dashboard.feed import KafkaFeed
from streamapp.panel_dashboard.region_board import MAX_KEYWORDS, RegionBoard, parse_snapshot
from streamapp.panel_dashboard.state import DashboardState
from streamapp.panel_dashboard.view import DashboardView
from streamapp.records.raw import iso_utc
from streamapp.topics import REGION_INTEREST

NOW = 1_800_000_000.0
HOUR = NOW - NOW % 3600


def record(keyword: str, platform: str | None, interest: dict[str, float], *,
           at: float = HOUR, region_of: str = "US") -> bytes:  # fmt: skip
    """A `region-interest` record as the worker writes it (ranked, ties share a rank)."""
    ordered = sorted(interest.items(), key=lambda item: (-item[1], item[0]))
    ranks = [1 + [v for _, v in ordered].index(v) for _, v in ordered]
    return json.dumps({
        "keyword": keyword, "platform": platform, "region_of": region_of,
        "timestamp": iso_utc(at), "schema_version": 1,
        "regions": [{"geo": g, "interest": v, "rank": r} for (g, v), r in zip(ordered, ranks,
                                                                              strict=True)],
    }).encode()  # fmt: skip


SNAPSHOTS = [
    record("netflix", "netflix", {"US-CA": 100, "US-NY": 80, "US-TX": 40}),
    record("hulu", "hulu", {"US-CA": 60, "US-NY": 100, "US-TX": 20}),
    record("free streaming", None, {"US-TX": 100, "US-NY": 50, "US-CA": 30}),
    record("watch free online", None, {"US-TX": 80, "US-NY": 50, "US-WY": 90}),
    record("cancel netflix", None, {"US-CA": 100}),  # a churn term: no piracy indicator
]


def board_of(*raw: bytes) -> RegionBoard:
    board = RegionBoard()
    for item in raw:
        board.apply(parse_snapshot(item))
    return board


def test_a_snapshot_is_decoded_with_its_regions_highest_first():
    snap = parse_snapshot(SNAPSHOTS[2])
    assert (snap.keyword, snap.platform, snap.region_of, snap.fetched) == (
        "free streaming", None, "US", HOUR)  # fmt: skip
    assert snap.regions == (("US-TX", 100.0, 1), ("US-NY", 50.0, 2), ("US-CA", 30.0, 3))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"regions": "US-CA"}, "'regions' must be a list"),
        ({"regions": [{"geo": "US-CA", "interest": 120, "rank": 1}]}, "0-100"),
        ({"regions": [{"geo": "US-CA", "interest": float("nan"), "rank": 1}]}, "finite"),
        ({"regions": [{"geo": "", "interest": 5, "rank": 1}]}, "'geo'"),
        ({"regions": [{"geo": "US-CA", "interest": 5, "rank": 0}]}, "'rank'"),
        ({"regions": [{"geo": f"G{i}", "interest": 1, "rank": 1} for i in range(401)]}, "400"),
        ({"timestamp": "2026-12-06T01:00:00"}, "UTC offset"),
        ({"keyword": None}, "'keyword'"),
        ({"platform": 7}, "'platform'"),
        ({"region_of": ""}, "'region_of'"),
        ({"schema_version": 2}, "schema_version"),
    ],
)
def test_a_bad_snapshot_is_refused_with_its_reason(change, reason):
    good = json.loads(SNAPSHOTS[0])
    with pytest.raises(ValueError, match=reason):
        parse_snapshot(json.dumps({**good, **change}))


def test_the_feed_skips_a_bad_snapshot_and_keeps_following():
    state = DashboardState()
    feed = KafkaFeed("unused:9092", state)
    [stream] = [s for s in feed.streams() if s.topic == REGION_INTEREST]
    feed._apply(stream, b"[1, 2]", "p.region-interest")
    feed._apply(stream, None, "p.region-interest")
    before = state.version
    feed._apply(stream, SNAPSHOTS[0], "p.region-interest")
    assert state.rejected == 2
    assert list(state.regions.latest) == ["netflix"] and state.version == before + 1


def test_the_newest_fetch_per_keyword_is_kept():
    newer = record("netflix", "netflix", {"US-NY": 90}, at=HOUR + 3600)
    board = board_of(SNAPSHOTS[0], newer, SNAPSHOTS[0])  # the old fetch again: ignored
    assert board.latest["netflix"].regions == (("US-NY", 90.0, 1),)
    # A later record of the same fetch holds the earlier one's regions too: it replaces.
    more = record("netflix", "netflix", {"US-NY": 90, "US-CA": 70}, at=HOUR + 3600)
    board.apply(parse_snapshot(more))
    assert [g for g, _, _ in board.latest["netflix"].regions] == ["US-NY", "US-CA"]


def test_after_a_settings_change_only_the_newest_scope_is_shown():
    countries = record("hulu", "hulu", {"GB": 100, "DE": 40}, at=HOUR + 3600, region_of="world")
    board = board_of(*SNAPSHOTS, countries)
    assert [s.keyword for s in board.current()] == ["hulu"]
    assert {s.region_of for s in board.current()} == {"world"}


def test_the_keywords_kept_are_bounded():
    board = board_of(*(record(f"k{i}", None, {"US-CA": 1}, at=HOUR + i)
                       for i in range(MAX_KEYWORDS + 5)))  # fmt: skip
    assert len(board.latest) == MAX_KEYWORDS and "k0" not in board.latest


def test_regions_ranked_by_platform_and_by_alternative_viewing_interest():
    board = board_of(*SNAPSHOTS)
    both = regions.ranked_bars(board, ["netflix", "hulu"], alternative=False)
    assert list(zip(both["region"], both["interest"], both["rank"], strict=True)) == [
        ("US-NY", 90.0, 1), ("US-CA", 80.0, 2), ("US-TX", 30.0, 3)]  # fmt: skip
    assert set(both["series"]) == {regions.MEAN}
    one = regions.ranked_bars(board, ["hulu"], alternative=False)  # one platform: its own
    assert one["region"] == ["US-NY", "US-CA", "US-TX"] and one["interest"] == [100, 60, 20]
    assert set(one["series"]) == {"Hulu"} and set(one["colour"]) == {"#009E73"}
    alt = regions.ranked_bars(board, ["hulu"], alternative=True)  # "cancel netflix" left out
    assert list(zip(alt["region"], alt["interest"], alt["terms"], strict=True)) == [
        ("US-TX", 90.0, 2), ("US-WY", 90.0, 1), ("US-NY", 50.0, 2), ("US-CA", 30.0, 1)]  # fmt: skip
    assert alt["rank"] == [1, 1, 3, 4]  # equal interest shares a rank, as the worker ranks


def test_the_alternative_share_per_region_highest_first():
    board = board_of(*SNAPSHOTS)
    found = regions.comparison(board, ["netflix", "hulu"])
    # TX: alt 90 vs platforms 30 -> 75 %; NY: 50 vs 90; CA: 30 vs 80; WY: no platform data
    assert found == {
        "region": ["US-TX", "US-NY", "US-CA"],
        "alternative_interest": [90.0, 50.0, 30.0],
        "platform_interest": [30.0, 90.0, 80.0],
        "alternative_share": [75.0, round(100 * 50 / 140, 2), round(100 * 30 / 110, 2)],
    }
    rows = list(csv.DictReader(io.StringIO(exports.csv_text(found))))
    assert rows[0] == {"region": "US-TX", "alternative_interest": "90.0",
                       "platform_interest": "30.0", "alternative_share": "75.0"}  # fmt: skip
    assert regions.comparison(board, ["max"])["region"] == []  # no terms of that platform
    assert regions.ranked_bars(board, ["max"], alternative=False)["as_of"] == []


class FakeFeed:
    def __init__(self) -> None:
        self.state = DashboardState(bucket_s=5, history_s=3600, clock=lambda: NOW)


def test_the_tab_says_how_to_turn_it_on_until_snapshots_arrive_then_draws_them():
    feed = FakeFeed()
    view = DashboardView(feed, clock=lambda: NOW)
    assert "Regions" in [title for title, _ in layout.TABS]
    view.refresh()
    panel = view.regions
    assert panel.empty.visible and not panel.charts.visible
    assert "STREAMAPP_TRENDS_REGIONS" in panel.empty.object
    apply = regions.applier(feed.state)
    for raw in SNAPSHOTS:
        apply(parse_snapshot(raw))
    view.platforms = ["netflix"]
    view.refresh()
    assert not panel.empty.visible and panel.charts.visible
    assert panel.platform.data["region"] == ["US-CA", "US-NY", "US-TX"]
    assert list(panel.platform_fig.y_range.factors) == ["US-TX", "US-NY", "US-CA"]  # top down
    assert panel.alternative.data["region"][:2] == ["US-TX", "US-WY"]
    assert panel.comparison.data["region"][0] == "US-TX"
    assert set(panel.keywords.data["keyword"]) == {"netflix", "free streaming",
                                                   "watch free online"}  # fmt: skip
    assert "US" in panel.note.object


def test_the_tab_is_in_the_page_only_while_it_is_open():
    view = DashboardView(FakeFeed(), clock=lambda: NOW)
    [tabs] = [o for o in layout.page(view).objects if isinstance(o, pn.Tabs)]
    index = [title for title, _ in layout.TABS].index("Regions")
    holder = tabs.objects[index]
    for _ in range(2):  # opened again after leaving: built again
        assert [type(o) for o in holder.objects] == [pn.pane.Markdown]  # closed: no charts
        tabs.active = index
        assert view.regions.charts in holder.objects[0].objects
        tabs.active = 0


def test_every_chart_and_table_of_the_tab_has_a_csv():
    view = DashboardView(FakeFeed(), clock=lambda: NOW)
    tab = layout.regions_content(view)
    drawn = set()
    for pane in tab.select(pn.pane.Bokeh):
        drawn |= {r.data_source.name for r in pane.object.select({"type": GlyphRenderer})}
        drawn |= {t.source.name for t in pane.object.select({"type": DataTable})}
    assert drawn == {"region_platforms", "region_alternative", "region_comparison",
                     "region_keywords"}  # fmt: skip
    buttons = [b.filename for b in tab.select(pn.widgets.FileDownload)]
    assert sorted(buttons) == sorted(f"{name}.csv" for name in drawn)
