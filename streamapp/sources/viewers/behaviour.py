"""One day of one account: the hidden churn hazard, sessions, binges, cancels.

The hazard (a daily probability of deciding to leave) grows with falling engagement, a
recent price rise and the loss of titles the account watched. A decision is followed by
a few days of leaving (fewer, shorter sessions, visits to the cancel page), then the
cancel; a quarter of the leavers cancel at once, without warning. Calibration:
docs/viewers.md.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from streamapp.sources.post_mix import weighted_choice
from streamapp.sources.viewers.catalogue import BASE_MONTHLY_CHURN, Catalogue, Title
from streamapp.sources.viewers.feedback import HomeRow
from streamapp.sources.viewers.population import (
    DAY_S,
    DEVICES,
    Account,
    Subscription,
    new_subscription,
)

UTC_OFFSET_H = -5.0  # the population's local time (US Eastern), for the daily rhythm
WEEKDAY = (0.9, 0.85, 0.9, 0.95, 1.1, 1.3, 1.25)  # Monday..Sunday: weekends watch more
WIN_BACK_3M = 0.23  # share of cancels won back within ~3 months (Antenna)
SWITCH_SHARE = 0.35  # leavers who sign up to another platform within days
SWITCH_SHARE_PRICE = 0.6  # ... when they leave after a price rise
NO_WARNING_SHARE = 0.25
MAX_PLAYS = 8
# Fitted once so the population's monthly gross churn lands near Antenna's ~5%.
HAZARD_SCALE = 0.5


@dataclass(frozen=True)
class Emitted:
    """An event before it is put on the wire (simulator.py adds ids and the account)."""

    t: float
    platform: str
    type: str
    fields: dict[str, Any]


def daily_hazard(sub: Subscription, platform: str, day: int) -> float:
    base = -math.log(1 - BASE_MONTHLY_CHURN[platform]) / 30 * HAZARD_SCALE
    price = 0.0
    if sub.price_rise_day is not None and day >= sub.price_rise_day:
        price = 4.0 * math.exp(-(day - sub.price_rise_day) / 20)
    engagement = max(sub.engagement, 0.03)
    # A fall from the recent peak matters most; a low level a little.
    falling = (sub.peak / engagement) ** 4 * (1.0 / engagement) ** 0.5
    return min(0.3, base * falling * (1 + price) * (1 + 10 * sub.lost_share))


def live_day(
    rng: random.Random,
    account: Account,
    catalogue: Catalogue,
    day: int,
    price_hikes: set[str],
    row: HomeRow | None = None,
) -> list[Emitted]:
    """What `account` does on `day` (events in any order; the simulator sorts them).
    `row`: the recommendations it sees today (feedback.py); None, it only browses."""
    out: list[Emitted] = []
    start = day * DAY_S
    for due, platform in [s for s in account.pending_signups if s[0] == day]:
        account.pending_signups.remove((due, platform))
        if platform not in account.subs or account.subs[platform].status == "cancelled":
            sub = new_subscription(rng, platform, day)
            old = account.subs.get(platform)
            if old is not None:  # a platform remembers where a returning account was
                sub.progress = old.progress
            account.subs[platform] = sub
            out.append(_plain(rng, start, account, platform, "signup", sub))
    weekday = WEEKDAY[int((day + 3) % 7)]  # 1970-01-01 was a Thursday
    for platform, sub in list(account.subs.items()):
        if sub.status == "cancelled":
            if sub.resub_day == day:
                sub.status, sub.since_day, sub.engagement = (
                    "active",
                    day,
                    math.exp(rng.gauss(0, 0.3)),
                )
                sub.resub_day, sub.cancel_day, sub.peak = None, None, sub.engagement
                out.append(_plain(rng, start, account, platform, "resubscribe", sub))
            continue
        sub.engagement = min(
            3.0, max(0.03, sub.engagement * math.exp(sub.drift + rng.gauss(0, 0.04)))
        )
        sub.lost_share *= 0.97
        sub.peak = max(sub.engagement, sub.peak * 0.985)
        if sub.status == "active" and rng.random() < daily_hazard(sub, platform, day):
            sub.status = "leaving"
            wait = 0 if rng.random() < NO_WARNING_SHARE else rng.randint(3, 20)
            sub.cancel_day = day + wait
        leaving = sub.status == "leaving"
        share = 1.0 / len([s for s in account.subs.values() if s.status != "cancelled"])
        rate = account.activity * share * sub.engagement * weekday * (0.2 if leaving else 1.0)
        # Sessions on one platform run one after another, in time order: drawn out of
        # order, a later session could replay an episode an earlier one had not reached
        # yet, or play a title after the session that finished it.
        starts = sorted(_session_start(rng, account, start) for _ in range(_poisson(rng, rate)))
        for t in starts:
            at = max(t, sub.busy_until)
            session = _session(rng, account, catalogue, platform, sub, at, leaving, row)
            out.extend(session)
            sub.busy_until = session[-1].t + 60
        if rng.random() < (0.4 if leaving else 0.002):
            out.append(_plain(rng, start, account, platform, "cancel_page", sub))
        if leaving and sub.cancel_day == day:
            out.extend(_cancel(rng, account, platform, sub, start, day, platform in price_hikes))
    return out


def _cancel(
    rng: random.Random,
    account: Account,
    platform: str,
    sub: Subscription,
    start: float,
    day: int,
    after_price_rise: bool,
) -> list[Emitted]:
    t = start + 86_000.0 - rng.uniform(0, 3600)  # late in the day, after the sessions
    events = [Emitted(t - 60, platform, "cancel_page", _money(sub))] if rng.random() < 0.6 else []
    events.append(Emitted(t, platform, "cancel", _money(sub)))
    sub.status = "cancelled"
    if rng.random() < WIN_BACK_3M:
        sub.resub_day = day + rng.randint(10, 90)
    if rng.random() < (SWITCH_SHARE_PRICE if after_price_rise else SWITCH_SHARE):
        free = [p for p in BASE_MONTHLY_CHURN if p not in account.subs or p == platform]
        free = [p for p in free if p != platform]
        if free:
            account.pending_signups.append((day + rng.randint(1, 3), rng.choice(free)))
    return events


def _session_start(rng: random.Random, account: Account, start: float) -> float:
    hour = (account.peak_hour + rng.gauss(0, 2.5) - UTC_OFFSET_H) % 24
    return start + hour * 3600 + rng.uniform(0, 60)


def _session(
    rng: random.Random,
    account: Account,
    catalogue: Catalogue,
    platform: str,
    sub: Subscription,
    t: float,
    leaving: bool,
    row: HomeRow | None,
) -> list[Emitted]:
    device = account.device if rng.random() < 0.8 else weighted_choice(rng, DEVICES)
    base = {**_money(sub), "device": device, "country": account.country}
    out = [Emitted(t, platform, "session_start", base)]
    for kind, chance in (("browse", 0.7), ("search", 0.25)):
        if rng.random() < chance:
            t += rng.uniform(15, 120)
            out.append(Emitted(t, platform, kind, base))
    title, source = _pick_title(rng, account, catalogue, platform, sub, row)
    if title is None:
        return out
    completion = 0.45 + 0.35 * min(sub.engagement, 1.0) - (0.2 if leaving else 0.0)
    for _ in range(MAX_PLAYS):
        episode = sub.progress.get(title.title_id, 0)
        t += rng.uniform(5, 40)
        out.append(
            Emitted(
                t,
                platform,
                "play",
                {**base, "title_id": title.title_id, "position_s": 0.0, "source": source},
            )
        )
        done = rng.random() < completion
        watched = title.episode_s * (1.0 if done else rng.uniform(0.05, 0.8))
        if rng.random() < 0.15:
            out.append(
                Emitted(t + watched / 2, platform, "pause", {**base, "title_id": title.title_id})
            )
        t += watched
        stop = {
            **base,
            "title_id": title.title_id,
            "position_s": round(watched, 1),
            "watched_s": round(watched, 1),
        }
        out.append(Emitted(t, platform, "stop", stop))
        sub.minutes[title.title_id] = sub.minutes.get(title.title_id, 0.0) + watched / 60
        if not done:
            break
        sub.progress[title.title_id] = episode + 1
        if rng.random() < 0.06:
            out.append(Emitted(t + 5, platform, "rate", {**base, "title_id": title.title_id}))
        if episode + 1 >= title.episodes:
            account.finished.add(title.title_id)
            break
        if rng.random() > account.binge:
            break
    if rng.random() < 0.05:
        out.append(Emitted(t + 10, platform, "list_add", {**base, "title_id": title.title_id}))
    return out


def _pick_title(
    rng: random.Random,
    account: Account,
    catalogue: Catalogue,
    platform: str,
    sub: Subscription,
    row: HomeRow | None,
) -> tuple[Title | None, str]:
    """The title a session plays and how it was chosen: continue, browse, recommendation."""
    # A finished title is not watched again (before, a finished series or film stayed
    # "started" and was re-picked forever, which no viewer does and which made the next
    # play trivially predictable for a recommender that may not suggest it).
    started = [
        t for t in sub.progress if catalogue.home.get(t) == platform and t not in account.finished
    ]
    if started and rng.random() < 0.6:
        return catalogue.titles[rng.choice(sorted(started))], "continue"
    titles = [t for t in catalogue.on(platform) if t.title_id not in account.finished]
    if not titles:
        return None, "browse"
    weights = [t.popularity * (0.05 + account.tastes[t.genre]) for t in titles]
    # Drawn whether or not a recommendation wins, so the loop leaves this RNG's stream be.
    browsed = rng.choices(titles, weights)[0]
    taken = row.take(account.tastes, platform, catalogue, account.finished) if row else None
    if taken is not None:
        return catalogue.titles[taken], "recommendation"
    return browsed, "browse"


def _money(sub: Subscription) -> dict[str, Any]:
    return {"plan": sub.plan, "price": sub.price}


def _plain(
    rng: random.Random, start: float, account: Account, platform: str, kind: str, sub: Subscription
) -> Emitted:
    t = start + ((account.peak_hour - 2 - UTC_OFFSET_H) % 24) * 3600 + rng.uniform(0, 3600)
    return Emitted(t, platform, kind, {**_money(sub), "country": account.country})


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method: rates here are small (a few sessions a day at most).
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
