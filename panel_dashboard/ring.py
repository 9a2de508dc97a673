"""Fixed-size rings of per-platform event-time buckets (numpy), for flat memory and fast reads.

Bucket `i` covers event times [i * bucket_s, (i + 1) * bucket_s) and lives at position
`i % capacity`; `owner[pos]` says which bucket a position holds now, so a position reused
by a newer bucket starts from zero and an older one is never read as current. Reading a
range is a slice and a reshape-sum, whatever its length: a 6-hour chart costs what a
5-minute one does.
"""

from __future__ import annotations

import numpy as np

STATS = 9  # per platform and bucket: see the slot numbers in `state`
MAX_ROWS = 64  # platforms (unknown ids from bad input are refused past this many)


class BucketRing:
    def __init__(self, capacity: int, max_rows: int = MAX_ROWS) -> None:
        self.capacity = capacity
        self.max_rows = max_rows
        self.owner = np.full(capacity, np.iinfo(np.int64).min, dtype=np.int64)
        self.values = np.zeros((0, STATS, capacity))
        self.rows: dict[str, int] = {}

    def _row(self, platform: str) -> int | None:
        row = self.rows.get(platform)
        if row is None:
            if len(self.rows) >= self.max_rows:
                return None
            row = self.rows[platform] = len(self.rows)
            grown = np.zeros((row + 1, STATS, self.capacity))
            grown[:row] = self.values
            self.values = grown
        return row

    def add(self, index: int, platform: str, slot: int, amount: float) -> bool:
        """Adds to one stat of one bucket; False if refused (a full platform table, or a
        bucket older than the one its position holds: outside the ring's span)."""
        pos = index % self.capacity
        row = self._row(platform)
        if row is None or self.owner[pos] > index:
            return False
        if self.owner[pos] != index:  # the position held an older bucket: start afresh
            self.owner[pos] = index
            self.values[:, :, pos] = 0.0
        self.values[row, slot, pos] += amount
        return True

    def window(self, first: int, points: int, step: int) -> dict[str, np.ndarray]:
        """Per platform a (STATS, points) array: buckets first.. summed `step` at a time."""
        indexes = np.arange(first, first + points * step, dtype=np.int64)
        positions = indexes % self.capacity
        current = self.owner[positions] == indexes  # positions not (yet) holding these buckets
        picked = self.values[:, :, positions] * current
        summed = picked.reshape(len(self.rows), STATS, points, step).sum(axis=3)
        return {platform: summed[row] for platform, row in self.rows.items()}
