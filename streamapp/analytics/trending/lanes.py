"""What one `viewing-events` partition (a lane) has counted: plays per platform, window
and title, and the offsets already folded in.

Counts and offsets live in one value (one changelog message), written after the batch's
counts were sent: a worker that dies mid-batch comes back to the counts *and* the
offsets of the last value written, so a play read again is skipped when it was counted
and counted when it was not, however the batch is cut the second time. What leaves the
lane are running totals per (platform, window), not increments: sent twice, they
replace (`closing.fold_partial`).

A window stays open on its lane until the lane's newest play is `lateness` past its end;
a play for a window closed on its lane is *late*: left out (the batch counts it in
`late`, for the worker's metrics).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from streamapp.analytics.offset_ranges import Ranges, add_offsets, covers

LaneState = dict[str, Any]


def new_lane() -> LaneState:
    # open: platform -> window key -> {"titles": {title: plays}, "recommended": n}
    return {"offsets": [], "time": None, "open": {}}


def window_start_key(start: float) -> str:
    return f"{start:.3f}"


class LaneBatch:
    """One micro-batch's changes to one lane's state (a copy: the table keeps the old
    value until `done` is written)."""

    def __init__(self, stored: LaneState | None, size: float, lateness: float) -> None:
        base = stored or new_lane()
        self.offsets: Ranges = [list(r) for r in base.get("offsets") or []]
        self.time: float | None = base.get("time")
        self.open: dict[str, dict[str, dict[str, Any]]] = {
            platform: {key: {"titles": dict(w["titles"]), "recommended": w["recommended"]}
                       for key, w in windows.items()}
            for platform, windows in (base.get("open") or {}).items()
        }  # fmt: skip
        self.late = 0  # plays of this batch too late on this lane
        self.size, self.lateness = size, lateness
        self.read: set[int] = set()  # every offset of this batch
        self.touched: set[tuple[str, str]] = set()

    def first_time(self, offset: int) -> bool:
        """Note the offset; False if it was folded before (or is a repeat in the batch)."""
        if offset in self.read or covers(self.offsets, offset):
            return False
        self.read.add(offset)
        return True

    def fold_play(self, platform: str, title_id: str, ts: float, recommended: bool) -> bool:
        """Count one play; False if it is late on this lane (counted in `late` only)."""
        start = math.floor(ts / self.size) * self.size
        if self._passed(start):
            self.late += 1
            return False
        key = window_start_key(start)
        window = self.open.setdefault(platform, {}).setdefault(
            key, {"titles": {}, "recommended": 0}
        )
        window["titles"][title_id] = window["titles"].get(title_id, 0) + 1
        window["recommended"] += int(recommended)
        self.touched.add((platform, key))
        self.time = ts if self.time is None else max(self.time, ts)
        return True

    @property
    def upto(self) -> int:
        """The highest offset folded into the lane after this batch."""
        return max([*self.read, *(last for _, last in self.offsets)], default=-1)

    def changed(self) -> Iterable[tuple[str, float, dict[str, Any]]]:
        """(platform, window start, {"titles", "recommended"}) of each window this batch
        changed: the running totals to send."""
        for platform, key in sorted(self.touched):
            yield platform, float(key), self.open[platform][key]

    def done(self) -> LaneState:
        """The value to store once the changes are sent: this batch's offsets added, and
        the windows the lane has passed dropped (their last totals were sent when they
        last changed)."""
        if self.time is not None:
            for platform in list(self.open):
                windows = self.open[platform]
                for key in [k for k in windows if self._passed(float(k))]:
                    del windows[key]
                if not windows:
                    del self.open[platform]
        offsets = add_offsets(self.offsets, self.read)
        return {"offsets": offsets, "time": self.time, "open": self.open}

    def _passed(self, start: float) -> bool:
        return self.time is not None and start + self.size + self.lateness <= self.time
