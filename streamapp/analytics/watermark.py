"""Event-time progress of the input lanes, and the two close points of a window partition.

An input lane is one partition of a raw topic. Two kinds of lanes feed the windows, and
they progress differently, so each kind has its own close point (`close_points`):

- *post lanes* (Reddit, the simulator's posts) run close to the wall clock when live. Their
  progress decides when a window first closes: its counts are sent and the post rules
  judge it;
- *interest lanes* (Google Trends) deliver one point an hour, one to a few hours after its
  event time. Held with the posts they kept every window open for hours, and projected
  with the wall clock once quiet they guessed from an old event time. So they hold only
  the *interest close*: the point after which a closed window's interest is final (the
  interest rules judge it then, and its late trend points stop being taken in as
  revisions). A quiet interest lane is not projected: it holds at its own event time,
  up to `interest_lateness` behind the wall clock, the longest Trends is expected to lag.

Pure: plain dicts in and out (the lanes live in a Faust table).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from streamapp.analytics.offset_ranges import Ranges, add_offsets


@dataclass
class Watermark:
    """Event-time progress of one partition of contributions, per input lane.

    Each lane (a raw topic partition) keeps its newest event time (None: nothing seen
    yet) and the wall time it last moved. Every lane the windows depend on is expected
    from the start (`expect`), so a lane that has not contributed yet holds the windows
    open instead of being unknown. The bound is the *slowest* lane's time:

    - a lane that moved within `idle_after` seconds (counted from `readable_since`, when
      this worker could first read the lanes, if that is later) holds at its event time;
      one that has seen nothing holds every window;
    - an idle lane is projected forward with the wall clock (a quiet live stream still
      closes its windows), or, given a `floor`, holds at its event time but no lower than
      the floor; one that never saw an event stops holding at all;
    - but while any lane is catching up on a backlog (it is moving and its event time is
      more than `backlog_after` seconds behind the wall clock: a replay, a restart), no
      idle lane is projected: it holds at its event time (or holds everything), because
      in a backlog an idle lane is one not read yet, not a quiet live stream.
    """

    lanes: dict[str, dict[str, Any]] = field(default_factory=dict)
    idle_after: float = 0.0
    backlog_after: float = math.inf
    readable_since: float = -math.inf

    def expect(self, sources: Iterable[str], wall_now: float) -> bool:
        """Register the lanes not known yet (nothing seen); True if there were any."""
        added = False
        for source in sources:
            if source not in self.lanes:
                self.lanes[source] = {"event_time": None, "wall_time": wall_now}
                added = True
        return added

    def observe(self, source: str, event_time: float, wall_now: float) -> bool:
        lane = self.lanes.get(source)
        if lane is not None and lane["event_time"] is not None and event_time <= lane["event_time"]:
            return False
        self.lanes[source] = {"event_time": event_time, "wall_time": wall_now}
        return True

    def only(self, keep: Callable[[str], bool]) -> Watermark:
        """The same progress restricted to some lanes (a view: the lanes are shared)."""
        lanes = {name: lane for name, lane in self.lanes.items() if keep(name)}
        return Watermark(lanes, self.idle_after, self.backlog_after, self.readable_since)

    @property
    def event_time(self) -> float | None:
        """The slowest seen lane's newest event time (no wall-clock projection)."""
        times = (lane["event_time"] for lane in self.lanes.values())
        return min((t for t in times if t is not None), default=None)

    def _idle(self, lane: dict[str, Any], wall_now: float) -> bool:
        return wall_now - max(lane["wall_time"], self.readable_since) >= self.idle_after

    def catching_up(self, wall_now: float) -> bool:
        """Is any lane still reading a backlog (moving, and far behind the wall clock)?"""
        return any(
            lane["event_time"] is not None
            and lane["event_time"] < wall_now - self.backlog_after
            and not self._idle(lane, wall_now)
            for lane in self.lanes.values()
        )

    def bound(
        self, wall_now: float, floor: float | None = None, backlog: bool | None = None
    ) -> float | None:
        """How far the lanes have progressed: None while one holds every window,
        `math.inf` when none holds any (no lanes, or every one idle without data).
        `backlog`: whether a backlog is being read (default: whether one of these lanes
        is catching up)."""
        if backlog is None:
            backlog = self.catching_up(wall_now)
        bounds = []
        for lane in self.lanes.values():
            t = lane["event_time"]
            if backlog or not self._idle(lane, wall_now):
                if t is None:
                    return None  # not read yet: every window waits for it
                bounds.append(t)
            elif t is not None and floor is not None:
                bounds.append(max(t, floor))
            elif t is not None:
                bounds.append(t + max(0.0, wall_now - lane["wall_time"] - self.idle_after))
        return min(bounds, default=math.inf)

    def effective(self, wall_now: float) -> float | None:
        """The bound with idle lanes projected; None also when no lane holds any window."""
        found = self.bound(wall_now)
        return None if found == math.inf else found

    def as_dict(self) -> dict[str, Any]:
        return {"lanes": self.lanes}

    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any] | None,
        idle_after: float = 0.0,
        backlog_after: float = math.inf,
        readable_since: float = -math.inf,
    ) -> Watermark:
        lanes = (data or {}).get("lanes") or {}
        return cls(
            {name: dict(lane) for name, lane in lanes.items()},
            idle_after,
            backlog_after,
            readable_since,
        )


@dataclass(frozen=True)
class ClosePoints:
    """Where a partition's windows stand (None: nothing passes yet). A window closes once
    `first` passes its end plus the allowed lateness, and its interest is final once
    `interest` does (and it has closed)."""

    first: float | None
    interest: float | None


def close_points(
    watermark: Watermark,
    wall_now: float,
    is_interest: Callable[[str], bool],
    interest_lateness: float,
) -> ClosePoints:
    """The post lanes decide the first close, with idle ones projected as before; the
    interest lanes decide the interest close, each held at its own event time and at
    most `interest_lateness` behind the wall clock once quiet. A kind of lane of which
    none holds (none expected, or every one idle without data: no Trends collector, or
    no posts) leaves the decision to the other kind.

    Backlogs: only a post lane catching up holds the idle post lanes (a Trends lane is
    behind the wall clock by nature, not reading a backlog); any lane catching up holds
    the idle interest lanes (while the posts of a replay are read, a quiet Trends lane
    may be one not read yet)."""
    posts = watermark.only(lambda lane: not is_interest(lane)).bound(wall_now)
    interest = watermark.only(is_interest).bound(
        wall_now, floor=wall_now - interest_lateness, backlog=watermark.catching_up(wall_now)
    )
    first = interest if posts == math.inf else posts
    final = first if interest == math.inf else interest
    return ClosePoints(None if first == math.inf else first, None if final == math.inf else final)


@dataclass
class LaneProgress:
    """Per input lane a worker reads: the newest event time its delivered partials reach
    (`reached`, reported to every window partition), held back while the lane has a gap
    in its offsets: a record Faust skipped, and reads again later (streamapp/delivery/head_watch.py),
    keeps its window open instead of arriving late. A gap not filled within `give_up_after`
    seconds is given up (the lane reports again; the record, if it comes, is late)."""

    give_up_after: float = 20.0
    reached: dict[str, float] = field(default_factory=dict)
    # lane -> (consumer generation, offsets read or delivered); a new generation starts
    # from the lane's delivered marks
    read: dict[str, tuple[int, Ranges]] = field(default_factory=dict)
    # lane -> (newest event time read past a gap, wall time the gap was first seen)
    ahead: dict[str, tuple[float, float]] = field(default_factory=dict)

    def batch(
        self,
        lane: str,
        offsets: Iterable[int],
        event_time: float | None,
        generation: int,
        marks: Ranges | None,
        now: float,
    ) -> float | None:
        """Note a batch's offsets of `lane` and its newest event time; returns the event
        time the lane may report now (None: nothing new, or held at a gap)."""
        known, ranges = self.read.get(lane, (None, []))
        if known != generation:
            ranges = [list(marks[-1])] if marks else []  # delivered before this generation
        ranges = add_offsets(ranges, offsets, limit=64)
        held = self.ahead.pop(lane, None)
        times = [t for t in (event_time, held[0] if held else None) if t is not None]
        since = held[1] if held else now
        if len(ranges) > 1 and now - since > self.give_up_after:
            ranges = ranges[-1:]  # given up: the missing record is not coming back
        self.read[lane] = (generation, ranges)
        if not times:
            return None
        if len(ranges) > 1:  # an offset before the newest is missing: hold
            self.ahead[lane] = (max(times), since)
            return None
        return max(times)

    def delivered(self, lane: str, event_time: float) -> None:
        if event_time > self.reached.get(lane, float("-inf")):
            self.reached[lane] = event_time
