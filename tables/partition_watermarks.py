"""The event-time watermark of each partition of a regrouped topic (`platform-contributions`,
`title-plays`), kept in a table under `p<partition>` (streamapp/analytics/watermark.py).

Every input lane is expected from the start; idleness counts from when this worker could
first read the partition in the current consumer generation (its first message since a
restart or a rebalance), so a worker that has just been given a partition does not count
the time it was down as the lanes' silence.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

from streamapp.analytics.watermark import Watermark
from streamapp.config import PipelineSettings


class PartitionWatermarks:
    def __init__(
        self,
        table: MutableMapping[str, Any],
        settings: PipelineSettings,
        lanes: Callable[[], Sequence[str]],
        generation: Callable[[], int],
    ) -> None:
        self.table = table
        self.idle_after = settings.idle_partition_seconds
        self.backlog_after = settings.backlog_seconds
        self.lanes = lanes
        self.generation = generation
        # partition -> (generation, wall time of its first message in that generation)
        self._readable: dict[int, tuple[int, float]] = {}

    def _readable_since(self, partition: int, now: float) -> float:
        generation = self.generation()
        known = self._readable.get(partition)
        if known is None or known[0] != generation:
            known = self._readable[partition] = (generation, now)
        return known[1]

    def stored(self, partition: int) -> dict[str, Any]:
        """What the table holds for the partition (the lanes, and what a caller saved
        with them)."""
        return self.table.get(f"p{partition}") or {}

    def load(self, partition: int, now: float) -> tuple[Watermark, bool]:
        """The partition's watermark with every lane expected; True if lanes were added
        (then it needs saving even if nothing moved)."""
        watermark = Watermark.from_dict(
            self.stored(partition),
            self.idle_after,
            self.backlog_after,
            self._readable_since(partition, now),
        )
        return watermark, watermark.expect(self.lanes(), now)

    def save(self, partition: int, watermark: Watermark, **extra: Any) -> None:
        key, value = f"p{partition}", {**watermark.as_dict(), **extra}
        write = getattr(self.table, "write", None)
        if write is not None:  # a RoutedTable, written from a batch (tables/title_trends.py)
            write(key, value, partition)
        else:  # written while the partition's own message is processed
            self.table[key] = value
