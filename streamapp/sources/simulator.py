"""A seeded, realistic stream of raw events: Reddit posts and search-interest points.

Pure: no I/O, no clock. `Simulator.events_between(t0, t1)` is a function of the seed,
the settings and the interval only, and slicing does not matter: events_between(a, c)
equals events_between(a, b) + events_between(b, c). Posts come from one-second buckets,
each with its own RNG derived from (seed, bucket); trend points sit on a fixed grid of
`trend_interval_s`. The values are exactly the wire schema of `records.raw`; what a post
was generated to be (its template label, platforms, switching direction) travels next to
it in `SimEvent.truth`, never in the value.

The parts live in `scenarios`, `trend_model` and `post_mix`; their public names are
re-exported here (`X as X`), so callers keep importing them from this module.
"""

from __future__ import annotations

import math
import random
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from streamapp import topics
from streamapp.records.raw import RAW_SCHEMA_VERSION, hash_author, iso_utc
from streamapp.sources.post_mix import (
    AUTHOR_POPULATION,
    DELETED_AUTHOR_SHARE,
    ID_SPACE,
    LABEL_SHARES,
    PLATFORM_SHARES,
    PLATFORMLESS_SHARE,
    SUBMISSION_SHARE,
    fake_username,
    pick_score,
    pick_subreddit,
    scramble_id,
    stable_hash,
    weighted_choice,
)
from streamapp.sources.post_templates import SHOWS, compose_post
from streamapp.sources.scenarios import MIN_SURGE_SHARE, SCENARIO_POSTS, Scenario
from streamapp.sources.scenarios import SCENARIO_TRENDS as SCENARIO_TRENDS
from streamapp.sources.trend_model import BRAND_KEYWORDS as BRAND_KEYWORDS
from streamapp.sources.trend_model import DAILY_AMPLITUDE as DAILY_AMPLITUDE
from streamapp.sources.trend_model import PEAK_HOUR_LOCAL as PEAK_HOUR_LOCAL
from streamapp.sources.trend_model import (
    TREND_KEYWORDS,
    TrendKeyword,
    scenario_keywords,
    seasonal_factor,
    trend_level,
)
from streamapp.sources.trend_model import UTC_OFFSET_HOURS as UTC_OFFSET_HOURS
from streamapp.sources.trend_model import WEEKDAY_FACTORS as WEEKDAY_FACTORS
from streamapp.sources.trend_model import cancel_keyword as cancel_keyword

__all__ = [
    "LABEL_SHARES",
    "PLATFORM_SHARES",
    "TREND_KEYWORDS",
    "PostTruth",
    "Scenario",
    "SimEvent",
    "Simulator",
    "TrendKeyword",
]

MAX_RATE = 50_000.0  # posts/s; ids give each stream 2**16 posts per second
MAX_SCENARIOS = 15
_BUCKET_CACHE = 16


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
        self._salt = author_salt
        self._id_keys = tuple(stable_hash(seed, "ids", i) & 0xFFFFFFFF for i in range(4))
        self._authors: dict[int, str] = {}
        self._buckets: OrderedDict[int, list[SimEvent]] = OrderedDict()
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
            out.extend(e for e in self._bucket(k) if t0 <= e.event_time < t1)
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

    # -- posts ------------------------------------------------------------------------

    def _bucket(self, k: int) -> list[SimEvent]:
        cached = self._buckets.get(k)
        if cached is not None:
            self._buckets.move_to_end(k)
            return cached
        events: list[SimEvent] = []
        lo, hi = float(k), float(k + 1)
        if self.rate > 0:
            rng = random.Random(stable_hash(self.seed, "posts", k))
            self._arrivals(rng, k, 0, lo, hi, self.rate, None, events)
        origin = self.start or 0.0
        for i, sc in enumerate(self.scenarios):
            a, b = sc.window(origin)
            a, b = max(lo, a), min(hi, b)
            if a < b:
                rng = random.Random(stable_hash(self.seed, "scenario", i, k))
                self._arrivals(rng, k, i + 1, a, b, self._surge_rate(sc), sc, events)
        events.sort(key=lambda e: e.event_time)
        self._buckets[k] = events
        if len(self._buckets) > _BUCKET_CACHE:
            self._buckets.popitem(last=False)
        return events

    def _surge_rate(self, sc: Scenario) -> float:
        return sum(self._surge_weights(sc).values())

    def _surge_weights(self, sc: Scenario) -> dict[str, float]:
        """Extra posts/s per label while `sc` is active: (multiplier - 1) x normal, at least a floor."""
        base = max(self.rate, 1.0) * PLATFORM_SHARES[sc.platform]
        floor = max(self.rate, 1.0) * MIN_SURGE_SHARE
        return {
            label: max((mult - 1) * base * LABEL_SHARES[label], floor)
            for label, mult in SCENARIO_POSTS[sc.kind].items()
        }

    def _arrivals(
        self,
        rng: random.Random,
        k: int,
        stream: int,
        lo: float,
        hi: float,
        rate: float,
        scenario: Scenario | None,
        out: list[SimEvent],
    ) -> None:
        t, seq = lo, 0
        weights = self._surge_weights(scenario) if scenario else LABEL_SHARES
        while True:
            t += rng.expovariate(rate)
            if t >= hi:
                return
            if seq >= 1 << 16:
                raise ValueError("more than 65536 posts in one second of one stream")
            counter = (k << 20) | (stream << 16) | seq
            out.append(self._post(rng, t, counter, weighted_choice(rng, weights), scenario))
            seq += 1

    def _post(
        self, rng: random.Random, t: float, counter: int, label: str, scenario: Scenario | None
    ) -> SimEvent:
        if scenario is not None:
            platform: str | None = scenario.platform
        elif rng.random() < PLATFORMLESS_SHARE.get(label, 0.0):
            platform = None
        else:
            platform = weighted_choice(rng, PLATFORM_SHARES)
        other = None
        if platform and (label == "switching" or rng.random() < 0.5):
            other = weighted_choice(rng, PLATFORM_SHARES, exclude=platform)
        featured = None
        if scenario and scenario.kind == "content-exit" and rng.random() < 0.7:
            featured = SHOWS[scenario.platform][0]
        submission = rng.random() < SUBMISSION_SHARE
        text = compose_post(rng, label, platform, other, submission, featured)
        post_id = ("t3_" if submission else "t1_") + scramble_id(counter, self._id_keys)
        created = math.floor(t * 1000) / 1000
        value = {
            "id": post_id,
            "kind": "submission" if submission else "comment",
            "subreddit": pick_subreddit(rng, label, platform),
            "title": text.title,
            "body": text.body,
            "score": pick_score(rng, submission, label),
            "created_utc": created,
            "author": None if rng.random() < DELETED_AUTHOR_SHARE else self._author(rng),
            "schema_version": RAW_SCHEMA_VERSION,
        }
        truth = PostTruth(
            label=label,
            platforms=text.platforms,
            switch_from=platform if text.switch_to else None,
            switch_to=text.switch_to,
            scenario=str(scenario) if scenario else None,
        )
        return SimEvent(topics.REDDIT_DISCUSSIONS, post_id, value, created, truth)

    def _author(self, rng: random.Random) -> str:
        # A few prolific posters and a long tail, like any forum.
        index = int(AUTHOR_POPULATION * rng.random() ** 2.5)
        hashed = self._authors.get(index)
        if hashed is None:
            hashed = hash_author(fake_username(self.seed, index), self._salt)
            if len(self._authors) < AUTHOR_POPULATION:
                self._authors[index] = hashed
        return hashed
