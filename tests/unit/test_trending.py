"""Title trends, the pure parts: a lane's counts and offsets, the per-platform windows
(re-sent totals replace, never add; closing), and the top and rising titles."""

from streamapp.analytics.trending import closing
from streamapp.analytics.trending.lanes import LaneBatch
from streamapp.analytics.trending.ranking import growth, rising_titles, top_titles

SIZE, LATENESS = 60.0, 10.0
T0 = 1_800_000_000.0  # a window start (a multiple of 60)


def lane_counts(plays, batches, stored=None):
    """Fold (offset, title, ts) plays cut into `batches` (lists of offsets); the stored
    value after each batch, and the totals each batch sent."""
    by_offset = {offset: (title, ts) for offset, title, ts in plays}
    sent = []
    for offsets in batches:
        batch = LaneBatch(stored, SIZE, LATENESS)
        for offset in offsets:
            if batch.first_time(offset):
                title, ts = by_offset[offset]
                batch.fold_play("hulu", title, ts, recommended=title == "rec")
        sent += [(p, s, dict(w["titles"]), batch.upto) for p, s, w in batch.changed()]
        stored = batch.done()
    return stored, sent


PLAYS = [(o, "a" if o % 3 else "b", T0 + o) for o in range(12)]


def test_a_lane_counts_each_offset_once_however_the_batches_are_cut_again():
    stored, _ = lane_counts(PLAYS, [range(0, 5)])
    # The worker died after the first batch was written; Kafka redelivers from offset 2
    # in other cuts: offsets 2-4 are skipped, the rest counted.
    again, sent = lane_counts(PLAYS, [range(2, 7), range(7, 12), range(3, 12)], stored)
    once, _ = lane_counts(PLAYS, [range(0, 12)])
    assert again == once
    # Running totals of the window, with the lane's highest offset; the last batch
    # (all counted before) changes nothing and sends nothing.
    assert [(totals, upto) for _, _, totals, upto in sent] == [
        ({"a": 4, "b": 3}, 6),
        ({"a": 8, "b": 4}, 11),
    ]


def test_a_batch_sends_running_totals_with_the_lanes_highest_offset():
    batch = LaneBatch(None, SIZE, LATENESS)
    for offset, title in enumerate(["x", "x", "rec"]):
        assert batch.first_time(offset)
        batch.fold_play("max", title, T0 + 5, recommended=title == "rec")
    assert not batch.first_time(1)  # a repeat within the batch
    [(platform, start, window)] = list(batch.changed())
    assert (platform, start, batch.upto) == ("max", T0, 2)
    assert window == {"titles": {"x": 2, "rec": 1}, "recommended": 1}


def test_a_play_for_a_window_its_lane_has_passed_is_late_and_the_window_is_dropped():
    batch = LaneBatch(None, SIZE, LATENESS)
    batch.first_time(0)
    batch.fold_play("hulu", "a", T0 + 1, False)
    batch.first_time(1)
    batch.fold_play("hulu", "a", T0 + SIZE + LATENESS, False)  # the lane passes T0's close
    batch.first_time(2)
    assert not batch.fold_play("hulu", "b", T0 + 30, False)
    assert batch.late == 1
    stored = batch.done()
    assert list(stored["open"]["hulu"]) == [f"{T0 + SIZE:.3f}"]
    # A play just inside the allowed lateness still counts.
    inside = LaneBatch(None, SIZE, LATENESS)
    inside.fold_play("hulu", "a", T0 + SIZE + LATENESS - 1, False)
    assert inside.fold_play("hulu", "b", T0 + 1, False)


def state_with(*partials):
    state = closing.new_platform(0)
    outcomes = [closing.fold_partial(state, *p) for p in partials]
    return state, outcomes


def test_totals_sent_again_replace_and_older_ones_are_ignored():
    state, outcomes = state_with(
        ("lane:0", T0, 10, {"a": 3}, 1),
        ("lane:0", T0, 10, {"a": 3}, 1),  # the same totals delivered twice
        ("lane:1", T0, 4, {"a": 1, "b": 2}, 0),
        ("lane:0", T0, 20, {"a": 5, "b": 1}, 2),  # newer totals of lane 0
        ("lane:0", T0, 15, {"a": 4}, 1),  # overtaken: arrived after the newer ones
    )
    assert outcomes == ["folded", "stale", "folded", "folded", "stale"]
    fields = closing.close(state, T0, SIZE, top_n=10, min_rising=1)
    assert fields["plays"] == 9 and fields["recommended_plays"] == 2
    assert fields["top"] == [{"title_id": "a", "plays": 6}, {"title_id": "b", "plays": 3}]
    assert fields["titles"] == 2
    assert closing.fold_partial(state, "lane:0", T0, 30, {"a": 9}, 0) == "late"
    assert state["open"] == {}


def test_windows_are_due_once_the_watermark_passes_end_plus_lateness_oldest_first():
    state, _ = state_with(("l", T0 + SIZE, 1, {"a": 1}, 0), ("l", T0, 1, {"a": 1}, 0))
    assert closing.due(state, None, SIZE, LATENESS) == []
    assert closing.due(state, T0 + SIZE + LATENESS - 0.001, SIZE, LATENESS) == []
    assert closing.due(state, T0 + 2 * SIZE + LATENESS, SIZE, LATENESS) == [T0, T0 + SIZE]


def test_rising_compares_with_the_window_just_before_only():
    state, _ = state_with(("l", T0, 1, {"a": 10, "b": 2}, 0))
    closing.close(state, T0, SIZE, 10, 3)
    closing.fold_partial(state, "l", T0 + SIZE, 2, {"a": 12, "b": 6, "c": 4}, 0)
    fields = closing.close(state, T0 + SIZE, SIZE, 10, 3)
    assert [r["title_id"] for r in fields["rising"]] == ["c", "b", "a"]
    assert fields["rising"][1] == {"title_id": "b", "plays": 6, "previous_plays": 2, "growth": 2.0}
    # After a gap, the window before is empty: everything is new.
    closing.fold_partial(state, "l", T0 + 3 * SIZE, 3, {"a": 3}, 0)
    fields = closing.close(state, T0 + 3 * SIZE, SIZE, 10, 3)
    assert fields["rising"] == [{"title_id": "a", "plays": 3, "previous_plays": 0, "growth": 3.0}]


def test_top_and_rising_rankings():
    counts = {"a": 5, "b": 5, "c": 9, "d": 1}
    assert [t["title_id"] for t in top_titles(counts, 3)] == ["c", "a", "b"]
    assert growth(5, 0) == 5.0 and growth(6, 1) == 5.0 and growth(20, 10) == 1.0
    rising = rising_titles(counts, {"a": 5, "b": 1, "c": 3}, n=5, min_plays=2)
    # a did not grow; d has too few plays; b (x4) before c (x2)
    assert [(r["title_id"], r["growth"]) for r in rising] == [("b", 4.0), ("c", 2.0)]
    assert rising_titles(counts, {}, n=1, min_plays=1)[0]["title_id"] == "c"  # ties by plays
