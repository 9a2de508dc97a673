"""One object that answers "was this already delivered?" for a micro-batch of raw events.

Two records say so, and a batch needs both:
- the marks (source_offsets.py): per input lane, the offset ranges whose contributions
  were delivered and acknowledged, written after each batch;
- after a takeover, the contributions log (takeovers.py): (offset, platform) pairs a
  predecessor delivered but died before marking.
A redelivered event that either covers is not counted again; a repeat inside the same
batch is not counted twice either. `commit` moves the marks once the batch's partials
are acknowledged by Kafka (never before: a crash in between must count them again).
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any

from streamapp.analytics.offset_ranges import Ranges, add_offsets, covers
from streamapp.delivery.source_offsets import marks_value, read_marks
from streamapp.delivery.takeovers import Takeovers


class AlreadyDelivered:
    def __init__(self, marks: MutableMapping[str, Any], takeovers: Takeovers | None) -> None:
        self._table = marks  # the worker's `contributed` table, keyed `topic:partition`
        self._takeovers = takeovers
        self._marks: dict[str, Ranges] = {}
        self._logged: dict[str, dict[str, Ranges]] = {}
        self._handled: dict[str, set[int]] = {}

    async def load(self, lanes: Iterable[str], generation: Any) -> None:
        """Read the marks of a batch's lanes (once per batch, not per event) and, for a
        consumer generation this worker has not read the log for, what was delivered
        after the marks were written."""
        marked_at: dict[str, float | None] = {}
        for lane in lanes:
            if lane not in self._marks:
                self._marks[lane], marked_at[lane] = read_marks(self._table.get(lane))
        if self._takeovers is not None and marked_at:
            self._logged = await self._takeovers.delivered(marked_at, generation)

    def marks(self, lane: str) -> Ranges | None:
        return self._marks.get(lane)

    def to_count(self, lane: str, offset: int, platforms: Iterable[str]) -> list[str]:
        """The platforms this event still has to be counted for: none if its offset was
        marked, or seen earlier in this batch; else those the log has no record of."""
        handled = self._handled.setdefault(lane, set())
        if offset in handled or covers(self._marks.get(lane), offset):
            return []
        handled.add(offset)
        found = self._logged.get(lane, {})
        return [p for p in platforms if not covers(found.get(p), offset)]

    def commit(self, now: float) -> None:
        """The batch's partials are acknowledged: mark what it counted, start afresh."""
        for lane, offsets in self._handled.items():
            if offsets:
                self._table[lane] = marks_value(add_offsets(self._marks.get(lane), offsets), now)
        self._handled.clear()
        self._marks.clear()
