"""Event-time tumbling windows: pre-aggregation, merging, watermarks and closing.

Window state is kept as plain dicts so that it can live in a Faust table (JSON
changelog) and be tested without one.

Closing rule: a window [start, end) closes once the *effective watermark* of its
partition passes `end + allowed_lateness`. The effective watermark is the newest
event time seen, advanced by the wall-clock time elapsed since it last moved: a
quiet stream still closes its windows, and a replay of old data (whose event times
are far behind the wall clock) closes them as its own event time advances.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from streamapp.analytics.offset_ranges import add_offsets

Window = dict[str, Any]
# Where an event came from: (input lane "topic:partition", offset).
Position = tuple[str, int]


def window_start_of(event_time: float, size: float) -> float:
    return math.floor(event_time / size) * size


def window_key(platform: str, start: float) -> str:
    return f"{platform}|{start:.3f}"


def _bump(counter: dict[str, int], name: str, by: int = 1) -> None:
    counter[name] = counter.get(name, 0) + by


def empty_partial(platform: str, start: float) -> Window:
    return {
        "platform": platform,
        "window_start": start,
        "max_event_time": start,
        "mentions": 0,
        "intent_counts": {},
        "sentiment_sum": 0.0,
        "sentiment_count": 0,
        "interest_sum": 0.0,
        "interest_count": 0,
        "switching_to": {},
        "switching_from": {},
        "evidence": {},
    }


@dataclass
class ContributionBuilder:
    """Folds one micro-batch of events into one partial aggregate per (platform, window)."""

    size: float
    evidence_size: int = 5
    negative_sentiment: float = -0.5
    partials: dict[tuple[str, float], Window] = field(default_factory=dict)
    # Newest event time per input lane (a raw topic partition) seen in this batch.
    sources: dict[str, float] = field(default_factory=dict)
    # Per partial, the input offsets folded into it: sent along, so that a worker taking
    # over a lane can tell exactly what its predecessor already delivered.
    offsets: dict[tuple[str, float], dict[str, set[int]]] = field(default_factory=dict)

    def saw(self, source: str, event_time: float) -> None:
        if event_time > self.sources.get(source, float("-inf")):
            self.sources[source] = event_time

    def _partial(self, platform: str, event_time: float, at: Position | None) -> Window:
        start = window_start_of(event_time, self.size)
        partial = self.partials.get((platform, start))
        if partial is None:
            partial = self.partials[(platform, start)] = empty_partial(platform, start)
        if event_time > partial["max_event_time"]:
            partial["max_event_time"] = event_time
        if at is not None:
            lanes = self.offsets.setdefault((platform, start), {})
            lanes.setdefault(at[0], set()).add(at[1])
        return partial

    def _evidence(self, partial: Window, label: str, event_id: str) -> None:
        ids = partial["evidence"].setdefault(label, [])
        if len(ids) < self.evidence_size:
            ids.append(event_id)

    def add_signal(
        self,
        event_id: str,
        event_time: float,
        platforms: Iterable[str],
        intents: Iterable[str],
        sentiment: float,
        switch_from: str | None,
        switch_to: str | None,
        at: Position | None = None,
    ) -> None:
        intents = tuple(intents)
        for platform in platforms:
            partial = self._partial(platform, event_time, at)
            partial["mentions"] += 1
            partial["sentiment_sum"] += sentiment
            partial["sentiment_count"] += 1
            for intent in intents:
                _bump(partial["intent_counts"], intent)
                self._evidence(partial, intent, event_id)
            if sentiment <= self.negative_sentiment:
                self._evidence(partial, "negative", event_id)
            # The switching matrix: a move from A to B is counted in both rows.
            if switch_from and switch_to and switch_from != switch_to:
                if platform == switch_from:
                    _bump(partial["switching_to"], switch_to)
                elif platform == switch_to:
                    _bump(partial["switching_from"], switch_from)
            if platform == switch_from and "switching" in intents:
                self._evidence(partial, "switching_away", event_id)
                _bump(partial["intent_counts"], "switching_away")

    def add_interest(
        self, platform: str, event_time: float, interest: float, at: Position | None = None
    ) -> None:
        partial = self._partial(platform, event_time, at)
        partial["interest_sum"] += interest
        partial["interest_count"] += 1

    def drain(self) -> list[Window]:
        """The batch's partials, each carrying the batch's per-source event times and the
        offsets folded into it."""
        partials = []
        for key, partial in self.partials.items():
            partial["sources"] = dict(self.sources)
            lanes = self.offsets.get(key, {})
            partial["offsets"] = {
                lane: add_offsets(None, o, limit=None) for lane, o in lanes.items()
            }
            partials.append(partial)
        self.partials.clear()
        self.sources.clear()
        self.offsets.clear()
        return partials


def merge_partial(window: Window, partial: Window, evidence_size: int = 5) -> Window:
    """Add a partial aggregate into a window (both plain dicts); returns the window."""
    for name in ("mentions", "sentiment_sum", "sentiment_count", "interest_sum", "interest_count"):
        window[name] += partial[name]
    window["max_event_time"] = max(window["max_event_time"], partial["max_event_time"])
    for name in ("intent_counts", "switching_to", "switching_from"):
        for label, count in partial[name].items():
            _bump(window[name], label, count)
    for label, ids in partial["evidence"].items():
        kept = window["evidence"].setdefault(label, [])
        kept.extend(ids[: max(0, evidence_size - len(kept))])
    return window


@dataclass
class Watermark:
    """Event-time progress of one partition of contributions, per input lane.

    Each lane (a raw topic partition) keeps its newest event time and the wall time it
    last moved. Once it has been quiet for `idle_after` seconds its projected time runs
    on with the wall clock. The effective watermark is the *slowest* lane's projected
    time: while one partition is still catching up on a backlog its older events are not
    late, a partition paused by a rebalance (seconds) is waited for, and an idle lane
    never holds the others back for long.
    """

    lanes: dict[str, dict[str, float]] = field(default_factory=dict)
    idle_after: float = 0.0

    def observe(self, source: str, event_time: float, wall_now: float) -> bool:
        lane = self.lanes.get(source)
        if lane is not None and event_time <= lane["event_time"]:
            return False
        self.lanes[source] = {"event_time": event_time, "wall_time": wall_now}
        return True

    @property
    def event_time(self) -> float | None:
        """The slowest lane's newest event time (no wall-clock projection)."""
        return min((lane["event_time"] for lane in self.lanes.values()), default=None)

    def effective(self, wall_now: float) -> float | None:
        return min(
            (
                lane["event_time"] + max(0.0, wall_now - lane["wall_time"] - self.idle_after)
                for lane in self.lanes.values()
            ),
            default=None,
        )

    def as_dict(self) -> dict[str, Any]:
        return {"lanes": self.lanes}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, idle_after: float = 0.0) -> Watermark:
        lanes = (data or {}).get("lanes") or {}
        return cls({name: dict(lane) for name, lane in lanes.items()}, idle_after)


def is_due(window: Window, effective_watermark: float | None, size: float, lateness: float) -> bool:
    if effective_watermark is None:
        return False
    return effective_watermark >= window["window_start"] + size + lateness


def due_windows(
    windows: Iterable[Window], effective_watermark: float | None, size: float, lateness: float
) -> list[Window]:
    """The windows to close now, oldest first (so each platform's windows close in order)."""
    due = [w for w in windows if is_due(w, effective_watermark, size, lateness)]
    return sorted(due, key=lambda w: (w["window_start"], w["platform"]))


def summarize(window: Window) -> dict[str, Any]:
    """Means next to the sums, as the closed-window record carries them."""
    sentiment_count = window["sentiment_count"]
    interest_count = window["interest_count"]
    return {
        "sentiment_mean": window["sentiment_sum"] / sentiment_count if sentiment_count else None,
        "interest_mean": window["interest_sum"] / interest_count if interest_count else None,
    }
