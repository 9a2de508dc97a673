"""Sets of Kafka offsets kept as merged [first, last] ranges (plain Python).

Right after a rebalance records can arrive out of order (230 before 227), so "which
offsets are done" is a set, not a high mark; ranges keep that set small.
"""

from __future__ import annotations

from collections.abc import Iterable

Ranges = list[list[int]]
MAX_RANGES = 32  # older ranges lie far below the committed offset and are never asked


def covers(ranges: Ranges | None, offset: int) -> bool:
    return any(first <= offset <= last for first, last in ranges or ())


def add_offsets(
    ranges: Ranges | None, offsets: Iterable[int], limit: int | None = MAX_RANGES
) -> Ranges:
    """Merge `offsets` into sorted, non-touching [first, last] ranges (the newest `limit`)."""
    return merge_ranges(ranges, [[o, o] for o in offsets], limit)


def merge_ranges(
    ranges: Ranges | None, more: Ranges | None, limit: int | None = MAX_RANGES
) -> Ranges:
    merged = sorted([list(r) for r in ranges or ()] + [list(r) for r in more or ()])
    out: Ranges = []
    for first, last in merged:
        if out and first <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], last)
        else:
            out.append([first, last])
    return out[-limit:] if limit else out
