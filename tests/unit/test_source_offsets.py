from streamapp.analytics.offset_ranges import MAX_RANGES, add_offsets, covers


def test_ranges_merge_touching_and_overlapping_offsets():
    ranges = add_offsets(None, {5, 6, 7, 10})
    assert ranges == [[5, 7], [10, 10]]
    ranges = add_offsets(ranges, {8, 9})
    assert ranges == [[5, 10]]
    assert covers(ranges, 5) and covers(ranges, 10)
    assert not covers(ranges, 4) and not covers(ranges, 11) and not covers(None, 0)


def test_ranges_stay_bounded():
    ranges = None
    for i in range(100):
        ranges = add_offsets(ranges, {i * 10})
    assert len(ranges) == MAX_RANGES and ranges[-1] == [990, 990]
