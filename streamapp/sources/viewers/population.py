"""The seeded population: accounts, their tastes and rhythm, and their subscriptions.

Everything an account will do is drawn from its own RNG stream (seed, account, day), so a
population is a function of the seed alone. What drives churn (engagement, its drift, a
decision to leave) lives here and never on the wire: the worker must infer it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from streamapp.records.raw import hash_author
from streamapp.sources.post_mix import stable_hash, weighted_choice
from streamapp.sources.viewers.catalogue import (
    GENRES,
    PLAN_SHARES,
    PLANS,
    STANDARD_PRICE,
    SUBSCRIBE_SHARES,
)

DEVICES: dict[str, float] = {"tv": 0.7, "mobile": 0.15, "web": 0.1, "tablet": 0.05}
COUNTRIES: dict[str, float] = {"US": 0.9, "CA": 0.1}
DAY_S = 86_400.0
FADING_SHARE = 0.2  # subscriptions whose interest fades (engagement halves in ~3 weeks)


@dataclass
class Subscription:
    """One account on one platform; `status` is active, leaving (decided, not yet done)
    or cancelled."""

    plan: str
    price: float
    since_day: int
    engagement: float  # latent: scales sessions and completion
    drift: float  # daily log-change of engagement; negative for a fading interest
    peak: float = 1.0  # recent peak of engagement (decays): a fall from it drives churn
    status: str = "active"
    cancel_day: int | None = None
    resub_day: int | None = None
    price_rise_day: int | None = None
    lost_share: float = 0.0  # share of recent minutes on titles this platform lost
    minutes: dict[str, float] = field(default_factory=dict)  # title -> recent minutes
    progress: dict[str, int] = field(default_factory=dict)  # title -> next episode
    busy_until: float = 0.0  # end of the last session (a next one starts after it)


@dataclass
class Account:
    index: int
    account: str  # the salted hash: what goes on the wire
    country: str
    device: str
    activity: float  # sessions per day across all platforms at engagement 1
    binge: float  # chance to play the next episode after a completed one
    peak_hour: float  # local evening peak
    tastes: dict[str, float]
    subs: dict[str, Subscription] = field(default_factory=dict)
    pending_signups: list[tuple[int, str]] = field(default_factory=list)  # (day, platform)
    finished: set[str] = field(default_factory=set)  # titles watched to the end: not again


def new_subscription(rng: random.Random, platform: str, day: int) -> Subscription:
    plan = weighted_choice(rng, PLAN_SHARES)
    engagement = math.exp(rng.gauss(0, 0.35))
    fading = rng.random() < FADING_SHARE
    return Subscription(
        plan=plan,
        price=round(STANDARD_PRICE[platform] * PLANS[plan], 2),
        since_day=day,
        engagement=engagement,
        # Most interests hold, some fade: the fading ones are the future cancels.
        drift=rng.gauss(-0.045, 0.01) if fading else rng.gauss(0.0, 0.004),
        peak=engagement,
    )


def build_population(seed: int, accounts: int, salt: str, day: int) -> list[Account]:
    population = []
    for i in range(accounts):
        rng = random.Random(stable_hash(seed, "account", i))
        raw = {g: rng.gammavariate(0.6, 1.0) for g in GENRES}
        total = sum(raw.values()) or 1.0
        account = Account(
            index=i,
            account=hash_author(f"viewer-{seed}-{i}", salt),
            country=weighted_choice(rng, COUNTRIES),
            device=weighted_choice(rng, DEVICES),
            activity=math.exp(rng.gauss(0.4, 0.5)),
            binge=min(0.85, rng.betavariate(2, 3)),
            peak_hour=rng.gauss(20.5, 1.2),
            tastes={g: w / total for g, w in raw.items()},
        )
        for platform, share in SUBSCRIBE_SHARES.items():
            if rng.random() < share:
                # Existing subscribers joined before the simulation began.
                account.subs[platform] = new_subscription(rng, platform, day - rng.randint(0, 900))
        if not account.subs:
            account.subs["netflix"] = new_subscription(rng, "netflix", day)
        population.append(account)
    return population
