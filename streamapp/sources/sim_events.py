"""What a simulated stream yields: `SimEvent`s (a record for a topic, on the wire schema)
with, for posts, the `PostTruth` they were generated from; and `EventSource`, another
seeded stream the simulator merges (the viewers). Apart from the simulator so the post
stream, the viewers and replay share them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class PostTruth:
    """What a simulated post was generated to be. Test and evaluation data only."""

    label: str  # template family: an intent, outage, neutral, positive or hard_negative
    platforms: tuple[str, ...]  # platforms the text names, subject first
    switch_from: str | None = None
    switch_to: str | None = None
    scenario: str | None = None  # "price-hike:netflix" for posts a scenario added


@dataclass(frozen=True)
class SimEvent:
    topic: str  # topics.REDDIT_DISCUSSIONS or topics.STREAMING_TRENDS
    key: str  # post id, or the trend keyword
    value: dict[str, Any]  # exactly the wire schema (RedditPost / TrendPoint fields)
    event_time: float  # epoch seconds
    truth: PostTruth | None = field(default=None, repr=False)  # posts only; not on the wire

    @property
    def label(self) -> str | None:
        return self.truth.label if self.truth else None


class EventSource(Protocol):
    """Another seeded stream merged into the simulator's (the viewers)."""

    start: float | None

    def events_between(self, t0: float, t1: float) -> list[SimEvent]: ...

    def catalogue_updates(self) -> list[SimEvent]: ...
