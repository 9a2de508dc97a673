"""A seeded, realistic stream of raw events: Reddit posts and search-interest points.

Pure: no I/O, no clock. `Simulator.events_between(t0, t1)` is a function of the seed,
the settings and the interval only, and slicing does not matter: events_between(a, c)
equals events_between(a, b) + events_between(b, c). Posts come from one-second buckets,
each with its own RNG derived from (seed, bucket); trend points sit on a fixed grid of
`trend_interval_s`. The values are exactly the wire schema of `records.raw`; what a post
was generated to be (its template label, platforms, switching direction) travels next to
it in `SimEvent.truth`, never in the value.

The parts live in `post_stream` (the posts), `trend_model` (search interest),
`scenarios` and `sim_events` (what the stream yields); this module merges them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from streamapp import topics
from streamapp.records.raw import RAW_SCHEMA_VERSION, iso_utc
from streamapp.sources.post_mix import ID_SPACE, stable_hash
from streamapp.sources.post_stream import PostStream
from streamapp.sources.scenarios import Scenario
from streamapp.sources.sim_events import EventSource, SimEvent
from streamapp.sources.trend_model import (
    TREND_KEYWORDS,
    TrendKeyword,
    scenario_keywords,
    seasonal_factor,
    trend_level,
)

MAX_RATE = 50_000.0  # posts/s; ids give each stream 2**16 posts per second
MAX_SCENARIOS = 15


class Simulator:
    """Deterministic for a seed: posts at `rate`/s (Poisson), trend points on a grid.

    `start` anchors the scenarios (each is active from start + start_after_s for
    duration_s); when None it is the `t0` of the first `events_between` call.
    `trend_interval_s=None` turns trend points off, `rate=0` turns posts off.
    `viewers` (sources/viewers) adds the viewing events of a simulated population.
    """

    def __init__(
        self,
        seed: int = 7,
        rate: float = 20.0,
        scenarios: Sequence[Scenario | str] = (),
        start: float | None = None,
        trend_interval_s: float | None = 5.0,
        author_salt: str = "streamapp-default-salt",
        geo: str = "US",
        viewers: EventSource | None = None,
    ) -> None:
        if not 0 <= rate <= MAX_RATE:
            raise ValueError(f"rate must be within 0-{MAX_RATE:g} posts/s, got {rate}")
        if trend_interval_s is not None and trend_interval_s <= 0:
            raise ValueError(f"trend_interval_s must be positive, got {trend_interval_s}")
        if len(scenarios) > MAX_SCENARIOS:
            raise ValueError(f"at most {MAX_SCENARIOS} scenarios, got {len(scenarios)}")
        self.seed = seed
        self.rate = float(rate)
        self.scenarios = tuple(Scenario.parse(s) if isinstance(s, str) else s for s in scenarios)
        self.start = start
        self.trend_interval_s = trend_interval_s
        self.geo = geo
        self.viewers = viewers
        self._posts = PostStream(seed, self.rate, self.scenarios, author_salt)
        # A scenario's extra keywords ("cancel hulu") run from the start: they need a baseline.
        extra = (kw for sc in self.scenarios for kw in scenario_keywords(sc))
        self.trend_keywords = tuple(dict.fromkeys((*TREND_KEYWORDS, *extra)))

    # -- public ---------------------------------------------------------------------

    def events_between(self, t0: float, t1: float) -> list[SimEvent]:
        """All events with t0 <= event_time < t1, ordered by event time."""
        if t0 < 0 or t1 >= ID_SPACE >> 20:
            raise ValueError(f"times must be epoch seconds within 0-{ID_SPACE >> 20}")
        if t1 <= t0:
            return []
        if self.start is None:
            self.start = t0
        events = self.posts_between(t0, t1) + self.trends_between(t0, t1)
        if self.viewers is not None:
            self.viewers.start = self.start
            events += self.viewers.events_between(t0, t1)
            events += self.viewers.catalogue_updates()  # what the viewers watch from
        events.sort(key=lambda e: (e.event_time, e.topic, e.key))
        return events

    def posts_between(self, t0: float, t1: float) -> list[SimEvent]:
        if self.rate == 0 and not self.scenarios:
            return []
        out: list[SimEvent] = []
        for k in range(math.floor(t0), math.ceil(t1)):
            out.extend(
                e for e in self._posts.bucket(k, self.start or 0.0) if t0 <= e.event_time < t1
            )
        return out

    def trends_between(self, t0: float, t1: float) -> list[SimEvent]:
        iv = self.trend_interval_s
        if iv is None:
            return []
        out: list[SimEvent] = []
        k = math.ceil(t0 / iv) - 1
        while k * iv < t1:
            t = k * iv
            if t >= t0:
                out.extend(self._trend_point(kw, k, t) for kw in self.trend_keywords)
            k += 1
        return out

    def active_scenarios(self, t: float) -> tuple[Scenario, ...]:
        origin = self.start or 0.0
        return tuple(sc for sc in self.scenarios if sc.is_active(origin, t))

    # -- trends -----------------------------------------------------------------------

    def _trend_point(self, kw: TrendKeyword, k: int, t: float) -> SimEvent:
        level = kw.level * seasonal_factor(t)
        for sc in self.active_scenarios(t):
            level = trend_level(sc, kw, level)
        rng = random.Random(stable_hash(self.seed, "trend", kw.keyword, k))
        noisy = level * (1 + rng.gauss(0, 0.05)) + rng.gauss(0, 0.4)
        interest = int(min(100, max(0, round(noisy))))
        value = {
            "keyword": kw.keyword,
            "platform": kw.platform,
            "geo": self.geo,
            "timestamp": iso_utc(t),
            "interest": interest,
            "schema_version": RAW_SCHEMA_VERSION,
        }
        return SimEvent(topics.STREAMING_TRENDS, kw.keyword, value, t)
