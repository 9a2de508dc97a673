"""A seeded, realistic stream of raw events: Reddit posts and search-interest points.

Pure: no I/O, no clock. `Simulator.events_between(t0, t1)` is a function of the seed,
the settings and the interval only, and slicing does not matter: events_between(a, c)
equals events_between(a, b) + events_between(b, c). Posts come from one-second buckets,
each with its own RNG derived from (seed, bucket); trend points sit on a fixed grid of
`trend_interval_s`. The values are exactly the wire schema of `records.raw`; what a post
was generated to be (its template label, platforms, switching direction) travels next to
it in `SimEvent.truth`, never in the value.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from streamapp import topics
from streamapp.analytics.platforms import PLATFORM_IDS
from streamapp.records.raw import RAW_SCHEMA_VERSION, hash_author, iso_utc
from streamapp.sources.post_templates import (
    GENERAL_SUBREDDITS,
    HOME_SUBREDDITS,
    NAME_WORDS_A,
    NAME_WORDS_B,
    SHOWS,
    compose_post,
)

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

# Share of each platform among posts that name one (roughly by subscribers and chatter).
PLATFORM_SHARES: dict[str, float] = {
    "netflix": 0.32,
    "disney_plus": 0.14,
    "hulu": 0.12,
    "prime_video": 0.12,
    "max": 0.10,
    "peacock": 0.05,
    "paramount_plus": 0.05,
    "apple_tv_plus": 0.04,
    "youtube_tv": 0.04,
    "sling_tv": 0.02,
}
# Template families in normal times: mostly chatter, about a third with an intent.
LABEL_SHARES: dict[str, float] = {
    "neutral": 0.38,
    "positive": 0.14,
    "hard_negative": 0.12,
    "price_complaint": 0.07,
    "cancellation": 0.06,
    "switching": 0.07,
    "piracy": 0.06,
    "content_gap": 0.07,
    "outage": 0.03,
}
# Families where some posts name no platform at all ("best torrent client?").
PLATFORMLESS_SHARE: dict[str, float] = {
    "neutral": 0.2,
    "positive": 0.1,
    "hard_negative": 0.1,
    "piracy": 0.35,
}
SUBMISSION_SHARE = 0.3
DELETED_AUTHOR_SHARE = 0.03
AUTHOR_POPULATION = 50_000
MAX_RATE = 50_000.0  # posts/s; ids give each stream 2**16 posts per second
MAX_SCENARIOS = 15

_ID_HALF = 36**5
_ID_SPACE = _ID_HALF * _ID_HALF  # ten base-36 digits
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_BUCKET_CACHE = 16


# -- scenarios ------------------------------------------------------------------------

# While a scenario is active its platform gets this many times its normal posts per label.
SCENARIO_POSTS: dict[str, dict[str, float]] = {
    "price-hike": {"price_complaint": 8.0, "cancellation": 6.0, "switching": 5.0},
    "content-exit": {"content_gap": 8.0, "switching": 5.0, "piracy": 5.0},
    "piracy-wave": {"piracy": 10.0},
    "outage": {"outage": 10.0},
}
# ... and search interest becomes level * multiplier + points. Targets: "brand" (the
# platform's own keyword), "cancel" ("cancel <platform>") or a literal keyword.
SCENARIO_TRENDS: dict[str, dict[str, tuple[float, float]]] = {
    "price-hike": {"cancel": (6.0, 6.0), "brand": (1.15, 0.0)},
    "content-exit": {"cancel": (2.0, 2.0), "free streaming": (1.5, 2.0)},
    "piracy-wave": {"free streaming": (3.0, 5.0), "watch free online": (3.0, 4.0)},
    "outage": {"brand": (1.5, 3.0)},
}
# A surging label gets at least this share of `rate`, so small platforms surge visibly too.
MIN_SURGE_SHARE = 0.015


@dataclass(frozen=True)
class Scenario:
    """A market event that changes the mix while active: "price-hike:netflix@60/600"."""

    kind: str
    platform: str
    start_after_s: float = 0.0
    duration_s: float = 300.0

    def __post_init__(self) -> None:
        if self.kind not in SCENARIO_POSTS:
            raise ValueError(_scenario_help(f"unknown scenario kind {self.kind!r}"))
        if self.platform not in PLATFORM_IDS:
            raise ValueError(_scenario_help(f"unknown platform {self.platform!r}"))
        if self.start_after_s < 0 or self.duration_s <= 0:
            raise ValueError("a scenario needs start_after_s >= 0 and duration_s > 0")

    @classmethod
    def parse(cls, text: str) -> Scenario:
        """`KIND:PLATFORM[@START_AFTER_S[/DURATION_S]]`, e.g. `outage:hulu@120/60`."""
        spec, _, timing = text.strip().partition("@")
        kind, sep, platform = spec.partition(":")
        if not sep or not kind or not platform:
            raise ValueError(_scenario_help(f"scenario {text!r} is not KIND:PLATFORM"))
        start, duration = 0.0, 300.0
        if timing:
            first, _, second = timing.partition("/")
            try:
                start = float(first)
                duration = float(second) if second else duration
            except ValueError:
                raise ValueError(
                    f"scenario {text!r}: timing must be @START_AFTER_S[/DURATION_S] in seconds"
                ) from None
        platform = platform.strip().lower().replace("-", "_").replace("+", "_plus")
        return cls(kind.strip().lower(), platform, start, duration)

    def __str__(self) -> str:
        return f"{self.kind}:{self.platform}"

    def window(self, origin: float) -> tuple[float, float]:
        begin = origin + self.start_after_s
        return begin, begin + self.duration_s

    def is_active(self, origin: float, t: float) -> bool:
        begin, end = self.window(origin)
        return begin <= t < end


def _scenario_help(problem: str) -> str:
    return (
        f"{problem}; valid kinds: {', '.join(SCENARIO_POSTS)}; "
        f"valid platforms: {', '.join(sorted(PLATFORM_IDS))}"
    )


# -- search interest --------------------------------------------------------------------


@dataclass(frozen=True)
class TrendKeyword:
    keyword: str
    platform: str | None
    level: float  # mean interest on Google's 0-100 scale, over a week
    role: str  # "brand", "alternative" or "cancel"
    about: str | None = None  # the platform a scenario acts on, when not the wire `platform`


# Levels as the same terms compare on one Google Trends chart (US, 2023-2024).
_BRANDS = (
    ("netflix", "netflix", 35.0),
    ("hulu", "hulu", 11.5),
    ("disney plus", "disney_plus", 5.5),
    ("hbo max", "max", 3.0),
    ("prime video", "prime_video", 3.0),
    ("peacock", "peacock", 2.0),
    ("youtube tv", "youtube_tv", 2.0),
    ("paramount plus", "paramount_plus", 1.5),
    ("apple tv plus", "apple_tv_plus", 1.0),
    ("sling tv", "sling_tv", 1.0),
)
BRAND_KEYWORDS: dict[str, TrendKeyword] = {
    p: TrendKeyword(k, p, level, "brand") for k, p, level in _BRANDS
}


def cancel_keyword(platform: str) -> TrendKeyword:
    """ "cancel <platform>": a churn term, not the platform's own search interest, so it
    carries platform null like the alternative-viewing terms (the per-platform interest
    windows average brand searches only; the term itself stays on the topic)."""
    brand = BRAND_KEYWORDS[platform]
    level = max(0.04 * brand.level, 0.3)
    return TrendKeyword(f"cancel {brand.keyword}", None, level, "cancel", about=platform)


TREND_KEYWORDS: tuple[TrendKeyword, ...] = (
    *BRAND_KEYWORDS.values(),
    TrendKeyword("free streaming", None, 2.5, "alternative"),
    TrendKeyword("watch free online", None, 1.5, "alternative"),
    cancel_keyword("netflix"),
)

# Day-of-week factors (Mon..Sun) measured on Google Trends daily series for netflix,
# disney plus, hulu, prime video and hbo max, 2022-10-01..2022-12-07; mean 1.0.
WEEKDAY_FACTORS = (0.94, 0.89, 0.89, 0.89, 0.99, 1.19, 1.21)
DAILY_AMPLITUDE = 0.3  # evening peak 1.3x, early-morning trough 0.7x
PEAK_HOUR_LOCAL = 21.0
UTC_OFFSET_HOURS = -5.0  # the audience's clock: US Eastern (standard time)


def seasonal_factor(t: float) -> float:
    """Daily x weekly rhythm of search interest at epoch `t`; averages 1.0 over a week."""
    local = t + UTC_OFFSET_HOURS * 3600
    weekday = (math.floor(local / 86400) + 3) % 7  # 1970-01-01 was a Thursday
    hour = (local % 86400) / 3600
    daily = 1 + DAILY_AMPLITUDE * math.cos(2 * math.pi * (hour - PEAK_HOUR_LOCAL) / 24)
    return daily * WEEKDAY_FACTORS[weekday]


def trend_level(scenario: Scenario, kw: TrendKeyword, level: float) -> float:
    effects = SCENARIO_TRENDS[scenario.kind]
    effect = effects.get(kw.keyword)
    if effect is None and (kw.about or kw.platform) == scenario.platform:
        effect = effects.get(kw.role)
    if effect is None:
        return level
    multiplier, points = effect
    return level * multiplier + points


def _scenario_keywords(scenario: Scenario) -> tuple[TrendKeyword, ...]:
    return (
        (cancel_keyword(scenario.platform),) if "cancel" in SCENARIO_TRENDS[scenario.kind] else ()
    )


def _mix(*parts: object) -> int:
    """A stable 64-bit integer from parts (independent of PYTHONHASHSEED)."""
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=8).digest(), "big")


def _base36(number: int, width: int = 10) -> str:
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 36)
        digits.append(_ALPHABET[rest])
    return "".join(reversed(digits))


def fake_username(seed: int, index: int) -> str:
    """The clear name of simulated author `index` (hashed before it leaves the simulator)."""
    h = _mix(seed, "author", index)
    a, b = len(NAME_WORDS_A), len(NAME_WORDS_B)
    return f"{NAME_WORDS_A[h % a]}_{NAME_WORDS_B[(h // a) % b]}{(h // (a * b)) % 10_000}"


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


def _weighted(rng: random.Random, weights: dict[str, float], exclude: str | None = None) -> str:
    names = [n for n in weights if n != exclude]
    return rng.choices(names, [weights[n] for n in names])[0]


class Simulator:
    """Deterministic for a seed: posts at `rate`/s (Poisson), trend points on a grid.

    `start` anchors the scenarios (each is active from start + start_after_s for
    duration_s); when None it is the `t0` of the first `events_between` call.
    `trend_interval_s=None` turns trend points off, `rate=0` turns posts off.
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
        self._salt = author_salt
        self._id_keys = tuple(_mix(seed, "ids", i) & 0xFFFFFFFF for i in range(4))
        self._authors: dict[int, str] = {}
        self._buckets: OrderedDict[int, list[SimEvent]] = OrderedDict()
        # A scenario's extra keywords ("cancel hulu") run from the start: they need a baseline.
        extra = (kw for sc in self.scenarios for kw in _scenario_keywords(sc))
        self.trend_keywords = tuple(dict.fromkeys((*TREND_KEYWORDS, *extra)))

    # -- public ---------------------------------------------------------------------

    def events_between(self, t0: float, t1: float) -> list[SimEvent]:
        """All events with t0 <= event_time < t1, ordered by event time."""
        if t0 < 0 or t1 >= _ID_SPACE >> 20:
            raise ValueError(f"times must be epoch seconds within 0-{_ID_SPACE >> 20}")
        if t1 <= t0:
            return []
        if self.start is None:
            self.start = t0
        events = self.posts_between(t0, t1) + self.trends_between(t0, t1)
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
        rng = random.Random(_mix(self.seed, "trend", kw.keyword, k))
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
            rng = random.Random(_mix(self.seed, "posts", k))
            self._arrivals(rng, k, 0, lo, hi, self.rate, None, events)
        origin = self.start or 0.0
        for i, sc in enumerate(self.scenarios):
            a, b = sc.window(origin)
            a, b = max(lo, a), min(hi, b)
            if a < b:
                rng = random.Random(_mix(self.seed, "scenario", i, k))
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
            out.append(self._post(rng, t, counter, _weighted(rng, weights), scenario))
            seq += 1

    def _post(
        self, rng: random.Random, t: float, counter: int, label: str, scenario: Scenario | None
    ) -> SimEvent:
        if scenario is not None:
            platform: str | None = scenario.platform
        elif rng.random() < PLATFORMLESS_SHARE.get(label, 0.0):
            platform = None
        else:
            platform = _weighted(rng, PLATFORM_SHARES)
        other = None
        if platform and (label == "switching" or rng.random() < 0.5):
            other = _weighted(rng, PLATFORM_SHARES, exclude=platform)
        featured = None
        if scenario and scenario.kind == "content-exit" and rng.random() < 0.7:
            featured = SHOWS[scenario.platform][0]
        submission = rng.random() < SUBMISSION_SHARE
        text = compose_post(rng, label, platform, other, submission, featured)
        post_id = ("t3_" if submission else "t1_") + self._scramble(counter)
        created = math.floor(t * 1000) / 1000
        value = {
            "id": post_id,
            "kind": "submission" if submission else "comment",
            "subreddit": self._subreddit(rng, label, platform),
            "title": text.title,
            "body": text.body,
            "score": self._score(rng, submission, label),
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

    def _scramble(self, counter: int) -> str:
        """A keyed bijection on [0, 36**10) (a 4-round Feistel network on two halves):
        unique ids that do not look sequential."""
        left, right = divmod(counter, _ID_HALF)
        for key in self._id_keys:
            mixed = ((right ^ key) * 0x9E3779B1) & 0xFFFFFFFF
            left, right = right, (left + (mixed ^ (mixed >> 15))) % _ID_HALF
        return _base36(left * _ID_HALF + right)

    def _author(self, rng: random.Random) -> str:
        # A few prolific posters and a long tail, like any forum.
        index = int(AUTHOR_POPULATION * rng.random() ** 2.5)
        hashed = self._authors.get(index)
        if hashed is None:
            hashed = hash_author(fake_username(self.seed, index), self._salt)
            if len(self._authors) < AUTHOR_POPULATION:
                self._authors[index] = hashed
        return hashed

    @staticmethod
    def _subreddit(rng: random.Random, label: str, platform: str | None) -> str:
        if label == "piracy" and rng.random() < 0.6:
            return "Piracy"
        home = HOME_SUBREDDITS.get(platform or "")
        if home and rng.random() < (0.5 if label in ("neutral", "positive") else 0.4):
            return home
        if label in ("neutral", "positive", "hard_negative"):
            return rng.choices(GENERAL_SUBREDDITS, (0.4, 0.35, 0.25))[0]
        return rng.choices(GENERAL_SUBREDDITS, (0.7, 0.2, 0.1))[0]

    @staticmethod
    def _score(rng: random.Random, submission: bool, label: str) -> int:
        if submission:
            return min(int(rng.paretovariate(1.1)), 40_000)
        if label in ("outage", "price_complaint") and rng.random() < 0.1:
            return -rng.randint(1, 12)
        return min(int(rng.paretovariate(1.6)), 5_000) - (1 if rng.random() < 0.05 else 0)
