"""Event-time tumbling windows: pre-aggregation, merging, watermarks and closing.

Window state is kept as plain dicts so that it can live in a Faust table (JSON
changelog) and be tested without one.

Closing rule: a window [start, end) closes once the close point of its partition passes
`end + allowed_lateness`; the close points (one for the posts, one for search interest)
come from the input lanes' event-time progress, see `streamapp/analytics/watermark.py`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from streamapp.analytics import explain
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
        # What explains an alert (streamapp/analytics/explain.py): bounded, not counted.
        "terms": {},
        "examples": {},
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
    # Earliest event time per input lane in this batch (see agents/batches.py `flush`).
    earliest: dict[str, float] = field(default_factory=dict)
    # Per partial, the input offsets folded into it: sent along, so that a worker taking
    # over a lane can tell exactly what its predecessor already delivered.
    offsets: dict[tuple[str, float], dict[str, set[int]]] = field(default_factory=dict)

    def saw(self, source: str, event_time: float) -> None:
        if event_time > self.sources.get(source, float("-inf")):
            self.sources[source] = event_time
        if event_time < self.earliest.get(source, float("inf")):
            self.earliest[source] = event_time

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
        post: tuple[str, str, str | None] | None = None,
    ) -> None:
        """`post`: (subreddit, text, permalink) for the explanation; None: counts only."""
        intents = tuple(intents)
        terms = None if post is None else explain.terms_of(post[1])  # once per post
        for platform in platforms:
            partial = self._partial(platform, event_time, at)
            partial["mentions"] += 1
            partial["sentiment_sum"] += sentiment
            partial["sentiment_count"] += 1
            labels = list(intents)
            for intent in intents:
                _bump(partial["intent_counts"], intent)
                self._evidence(partial, intent, event_id)
            if sentiment <= self.negative_sentiment:
                self._evidence(partial, "negative", event_id)
                labels.append("negative")
            # The switching matrix: a move from A to B is counted in both rows.
            if switch_from and switch_to and switch_from != switch_to:
                if platform == switch_from:
                    _bump(partial["switching_to"], switch_to)
                elif platform == switch_to:
                    _bump(partial["switching_from"], switch_from)
            if platform == switch_from and "switching" in intents:
                self._evidence(partial, "switching_away", event_id)
                _bump(partial["intent_counts"], "switching_away")
                labels.append("switching_away")
            if post is not None:
                explain.add_post(partial, labels, event_id, *post, terms=terms)

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
            explain.trim_partial(partial)
            partials.append(partial)
        self.partials.clear()
        self.sources.clear()
        self.earliest.clear()
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
    explain.merge(window, partial)
    return window


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
