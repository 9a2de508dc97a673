"""The simulated Reddit posts: Poisson arrivals in one-second buckets, each bucket drawn
from its own RNG seeded by (seed, second), so any slice of time is the same whichever
way it is cut. Scenarios add surges of their labels on their platform while active.
"""

from __future__ import annotations

import math
import random
from collections import OrderedDict
from collections.abc import Sequence

from streamapp import topics
from streamapp.records.raw import RAW_SCHEMA_VERSION, hash_author
from streamapp.sources.post_mix import (
    AUTHOR_POPULATION,
    DELETED_AUTHOR_SHARE,
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
from streamapp.sources.post_templates import compose_post
from streamapp.sources.post_vocabulary import SHOWS
from streamapp.sources.scenarios import MIN_SURGE_SHARE, SCENARIO_POSTS, Scenario
from streamapp.sources.sim_events import PostTruth, SimEvent

_BUCKET_CACHE = 16  # seconds of posts kept: consecutive slices mostly share a bucket


class PostStream:
    """Posts at `rate`/s plus the surges of `scenarios`; authors are salted hashes."""

    def __init__(
        self, seed: int, rate: float, scenarios: Sequence[Scenario], author_salt: str
    ) -> None:
        self.seed = seed
        self.rate = rate
        self.scenarios = tuple(scenarios)
        self._salt = author_salt
        self._id_keys = tuple(stable_hash(seed, "ids", i) & 0xFFFFFFFF for i in range(4))
        self._authors: dict[int, str] = {}
        self._buckets: OrderedDict[int, list[SimEvent]] = OrderedDict()

    def bucket(self, k: int, origin: float) -> list[SimEvent]:
        """The posts of second `k` (scenarios anchored at `origin`), by event time."""
        cached = self._buckets.get(k)
        if cached is not None:
            self._buckets.move_to_end(k)
            return cached
        events: list[SimEvent] = []
        lo, hi = float(k), float(k + 1)
        if self.rate > 0:
            rng = random.Random(stable_hash(self.seed, "posts", k))
            self._arrivals(rng, k, 0, lo, hi, self.rate, None, events)
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
