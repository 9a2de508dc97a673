from streamapp.analytics.watermark import Watermark
from streamapp.analytics.windows import (
    ContributionBuilder,
    due_windows,
    empty_partial,
    merge_partial,
    summarize,
    window_start_of,
)


def test_window_start_floors_to_size():
    assert window_start_of(125.9, 60) == 120
    assert window_start_of(120.0, 60) == 120
    assert window_start_of(119.999, 60) == 60


def test_builder_folds_a_batch_into_one_partial_per_platform_and_window():
    b = ContributionBuilder(size=60, evidence_size=2)
    b.add_signal("a", 61, ["netflix"], ["piracy"], -0.6, None, None)
    b.add_signal("b", 62, ["netflix", "hulu"], ["piracy", "switching"], 0.2, "netflix", "hulu")
    b.add_signal("c", 63, ["netflix"], ["piracy"], 0.0, None, None)
    b.add_signal("d", 130, ["netflix"], [], 0.5, None, None)
    b.add_interest("netflix", 64, 40)
    parts = {(p["platform"], p["window_start"]): p for p in b.drain()}
    assert set(parts) == {("netflix", 60), ("hulu", 60), ("netflix", 120)}
    n = parts[("netflix", 60)]
    assert n["mentions"] == 3
    assert n["intent_counts"] == {"piracy": 3, "switching": 1, "switching_away": 1}
    assert n["evidence"]["piracy"] == ["a", "b"]  # capped at evidence_size
    assert n["evidence"]["negative"] == ["a"]
    assert n["switching_to"] == {"hulu": 1}
    assert parts[("hulu", 60)]["switching_from"] == {"netflix": 1}
    assert n["interest_sum"] == 40 and n["interest_count"] == 1
    assert n["max_event_time"] == 64
    assert b.drain() == []


def test_merge_adds_counts_and_caps_evidence():
    w = empty_partial("netflix", 0)
    p1 = empty_partial("netflix", 0)
    p1.update(mentions=2, sentiment_sum=0.5, sentiment_count=2, max_event_time=5)
    p1["intent_counts"] = {"piracy": 2}
    p1["evidence"] = {"piracy": ["a", "b"]}
    p2 = empty_partial("netflix", 0)
    p2.update(mentions=1, sentiment_sum=-1.0, sentiment_count=1, max_event_time=3)
    p2["intent_counts"] = {"piracy": 1, "cancellation": 1}
    p2["evidence"] = {"piracy": ["c", "d"]}
    merge_partial(w, p1, evidence_size=3)
    merge_partial(w, p2, evidence_size=3)
    assert w["mentions"] == 3
    assert w["intent_counts"] == {"piracy": 3, "cancellation": 1}
    assert w["evidence"]["piracy"] == ["a", "b", "c"]
    assert w["max_event_time"] == 5
    assert summarize(w)["sentiment_mean"] == -0.5 / 3
    assert summarize(w)["interest_mean"] is None


def test_watermark_advances_with_wall_clock_when_quiet():
    wm = Watermark()
    assert wm.effective(1000) is None
    wm.observe("raw:0", 100, wall_now=1000)
    assert not wm.observe("raw:0", 90, wall_now=1001)  # older events never move it back
    assert wm.event_time == 100
    assert wm.effective(1000) == 100
    assert wm.effective(1030) == 130
    assert Watermark.from_dict(wm.as_dict()) == wm


def test_watermark_waits_for_the_slowest_lane_catching_up_on_a_backlog():
    wm = Watermark()
    wm.observe("raw:0", 500, wall_now=1000)  # partition 0 is already at t=500
    wm.observe("raw:1", 120, wall_now=1000)  # partition 1 is still replaying t=120
    assert wm.event_time == 120 and wm.effective(1000) == 120
    wm.observe("raw:1", 480, wall_now=1002)
    assert wm.effective(1002) == 480
    # a lane that goes quiet is projected forward and stops holding the others back
    assert wm.effective(1100) == min(500 + 100, 480 + 98)


def test_builder_partials_carry_the_batch_source_event_times():
    b = ContributionBuilder(size=60)
    b.saw("raw:0", 10)
    b.saw("raw:0", 30)
    b.saw("raw:1", 20)
    b.add_interest("hulu", 30, 10)
    [partial] = b.drain()
    assert partial["sources"] == {"raw:0": 30, "raw:1": 20}
    assert b.sources == {}


def test_due_windows_respects_lateness_and_orders_oldest_first():
    ws = [empty_partial("hulu", 120), empty_partial("netflix", 60), empty_partial("netflix", 0)]
    assert due_windows(ws, 69.9, size=60, lateness=10) == []
    due = due_windows(ws, 130, size=60, lateness=10)
    assert [(w["platform"], w["window_start"]) for w in due] == [("netflix", 0), ("netflix", 60)]


# -- every lane expected, idleness and backlogs (issue 12), with a fake clock ------------

YEAR_AGO = 1_000_000.0 - 365 * 86400  # event times far behind the wall clock: a replay


def replay_watermark(lanes=("raw:0", "raw:1"), now=1_000_000.0):
    wm = Watermark(idle_after=5.0, backlog_after=300.0, readable_since=now)
    wm.expect(lanes, now)
    return wm


def test_a_lane_that_has_not_delivered_yet_holds_every_window():
    wm = replay_watermark()
    wm.observe("raw:0", YEAR_AGO + 4800, wall_now=1_000_000.0)  # its batch spans the file
    assert wm.effective(1_000_000.0) is None  # raw:1 has not been read yet
    wm.observe("raw:1", YEAR_AGO + 4800, wall_now=1_000_000.5)
    assert wm.effective(1_000_000.5) == YEAR_AGO + 4800


def test_in_a_backlog_an_idle_lane_is_not_projected():
    wm = replay_watermark(("raw:0", "raw:1", "trends:0"))
    wm.observe("raw:0", YEAR_AGO + 100, wall_now=1_000_000.0)
    wm.observe("raw:1", YEAR_AGO + 50, wall_now=1_000_000.0)
    # 30 s later raw:0 is still reading its backlog; raw:1 and trends:0 are quiet
    wm.observe("raw:0", YEAR_AGO + 3000, wall_now=1_000_030.0)
    assert wm.catching_up(1_000_030.0)
    assert wm.effective(1_000_030.0) is None  # trends:0 never delivered: holds everything
    wm.observe("trends:0", YEAR_AGO + 10, wall_now=1_000_030.0)
    assert wm.effective(1_000_031.0) == YEAR_AGO + 10  # no projection of raw:1 either
    # once nothing moves any more the backlog is read: idle lanes are projected again
    assert not wm.catching_up(1_000_040.0)
    assert wm.effective(1_000_040.0) == min(YEAR_AGO + 10 + 5, YEAR_AGO + 50 + 40 - 5)


def test_a_live_quiet_lane_is_projected_and_one_that_never_delivered_stops_holding():
    now = 1_000_000.0
    wm = Watermark(idle_after=5.0, backlog_after=300.0, readable_since=now)
    wm.expect(["raw:0", "trends:0"], now)
    wm.observe("raw:0", now - 1, wall_now=now)  # a live post
    assert wm.effective(now + 4) is None  # trends:0 may still deliver: not idle yet
    assert wm.effective(now + 5) == now - 1  # both idle: raw:0 projected from here on
    assert wm.effective(now + 8) == now - 1 + 3


def test_idleness_counts_from_when_the_worker_could_first_read_the_lanes():
    # A worker back after 10 minutes: the lanes last moved before it went down.
    before = {"lanes": {"raw:0": {"event_time": 400.0, "wall_time": 400.0}}}
    restarted = Watermark.from_dict(before, idle_after=5.0, backlog_after=300.0)
    assert restarted.effective(1000.0) == 400.0 + 600 - 5  # as if idle: the backlog is late
    wm = Watermark.from_dict(before, idle_after=5.0, backlog_after=300.0, readable_since=1000.0)
    assert wm.effective(1000.0) == 400.0  # waits for the backlog ...
    assert wm.effective(1004.0) == 400.0
    assert wm.effective(1006.0) == 400.0 + 600 + 1  # ... a while, then projects as before


def test_lane_progress_holds_at_a_gap_until_the_skipped_record_is_read():
    from streamapp.analytics.watermark import LaneProgress

    progress = LaneProgress(give_up_after=20.0)
    assert progress.batch("raw:0", [10, 11], 110.0, 1, [[0, 9]], now=0.0) == 110.0
    # a new generation (restart): Faust skips offset 12 and delivers 13, 14
    assert progress.batch("raw:0", [13, 14], 140.0, 2, [[0, 11]], now=1.0) is None
    assert progress.batch("raw:0", [15], 150.0, 2, None, now=2.0) is None
    # the stalled-head watch reads it again (and what follows): released
    assert progress.batch("raw:0", [12, 13], 120.0, 2, None, now=3.0) == 150.0
    # a gap that is never filled is given up after `give_up_after`
    assert progress.batch("raw:1", [5], 50.0, 2, [[0, 3]], now=10.0) is None
    assert progress.batch("raw:1", [6], 60.0, 2, None, now=31.0) == 60.0
    progress.delivered("raw:0", 150.0)
    progress.delivered("raw:0", 120.0)
    assert progress.reached == {"raw:0": 150.0}


# -- post lanes and interest lanes (search interest arrives hours late) ---------------------


def two_kinds(now=1_000_000.0):
    from streamapp.analytics.watermark import close_points

    wm = Watermark(idle_after=5.0, backlog_after=300.0, readable_since=now)
    wm.expect(["raw:0", "trends:0", "trends:1"], now)

    def points(at):
        return close_points(wm, at, lambda lane: lane.startswith("trends:"), 3 * 3600.0)

    return wm, points


def test_a_trends_lane_hours_behind_holds_the_interest_close_not_the_first_close():
    now = 1_000_000.0
    wm, points = two_kinds(now)
    wm.observe("raw:0", now - 1, wall_now=now)
    wm.observe("trends:0", now - 5400, wall_now=now)  # an hour-old point, just delivered
    wm.observe("trends:1", now - 6300, wall_now=now)
    assert points(now).first == now - 1  # not a backlog of the posts
    assert points(now).interest == now - 6300
    later = points(now + 600)  # all quiet ten minutes: the post lane is projected ...
    assert later.first == now - 1 + 600 - 5
    assert later.interest == now - 6300  # ... a Trends lane is not: it holds where it is
    # a Trends lane quiet for longer than the interest lateness stops holding beyond it
    assert points(now + 4 * 3600).interest == now + 4 * 3600 - 3 * 3600


def test_a_kind_of_lane_that_holds_nothing_leaves_the_decision_to_the_other():
    now = 1_000_000.0
    wm, points = two_kinds(now)
    wm.observe("raw:0", now - 1, wall_now=now)
    # no Trends collector: its lanes never deliver; once idle, the interest close is the first
    assert points(now + 1).interest is None  # not idle yet: they may still deliver
    assert points(now + 6).interest == points(now + 6).first == now - 1 + 1
    wm2, points2 = two_kinds(now)
    wm2.observe("trends:0", now - 5400, wall_now=now)
    wm2.observe("trends:1", now - 5400, wall_now=now)
    # no posts at all: the windows close on the Trends lanes
    assert points2(now + 10).first == points2(now + 10).interest == now - 5400


def test_while_posts_catch_up_a_quiet_trends_lane_holds_the_interest_close():
    now = 1_000_000.0
    wm, points = two_kinds(now)
    wm.observe("trends:0", YEAR_AGO + 10, wall_now=now)
    wm.observe("trends:1", YEAR_AGO + 10, wall_now=now)
    wm.observe("raw:0", YEAR_AGO + 50, wall_now=now + 30)  # a replay's posts, still read
    assert points(now + 30).first == YEAR_AGO + 50
    assert points(now + 30).interest == YEAR_AGO + 10  # not raised to the floor
    assert points(now + 40).interest == now + 40 - 3 * 3600  # all quiet: over
