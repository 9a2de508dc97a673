from streamapp.analytics.windows import (
    ContributionBuilder,
    Watermark,
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
