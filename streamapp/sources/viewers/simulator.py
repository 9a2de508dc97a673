"""`ViewerSimulator`: the population's events on `viewing-events`, day by day.

Deterministic for a seed. Days are generated in order (an account's state carries over),
so `events_between` must be called with times that do not go back; slicing does not
matter: events_between(a, c) equals events_between(a, b) + events_between(b, c). Thirty
simulated days of 2,000 accounts take well under a minute: how the churn model is evaluated.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Sequence

from streamapp import topics
from streamapp.analytics.recommend.model import Recommender
from streamapp.records.raw import iso_utc
from streamapp.records.viewing import VIEWING_SCHEMA_VERSION
from streamapp.sources.post_mix import stable_hash
from streamapp.sources.scenarios import Scenario
from streamapp.sources.sim_events import SimEvent
from streamapp.sources.viewers.behaviour import Emitted, live_day
from streamapp.sources.viewers.catalogue import build_catalogue, exit_titles, weekly_moves
from streamapp.sources.viewers.catalogue_feed import CatalogueFeed
from streamapp.sources.viewers.feedback import FeedbackLoop
from streamapp.sources.viewers.population import DAY_S, build_population

DEFAULT_ACCOUNTS = 2000
MAX_ACCOUNTS = 1_000_000
PRICE_HIKE = 1.25  # a price-hike scenario raises the platform's prices by a quarter


class ViewerSimulator:
    def __init__(
        self,
        seed: int = 7,
        accounts: int = DEFAULT_ACCOUNTS,
        scenarios: Sequence[Scenario] = (),
        start: float | None = None,
        salt: str = "streamapp-default-salt",
        recommendations: bool = True,
    ) -> None:
        if not 0 < accounts <= MAX_ACCOUNTS:
            raise ValueError(f"accounts must be within 1-{MAX_ACCOUNTS}, got {accounts}")
        self.seed = seed
        self.accounts = accounts
        self.scenarios = tuple(scenarios)
        self.start = start
        self._salt = salt
        self._catalogue = build_catalogue(seed)
        self.catalogue_feed = CatalogueFeed(self._catalogue)  # its `title-catalogue` records
        # Where each title is now, as the recommenders see it (the `title-catalogue`
        # topic's view); moved along with the catalogue at the start of each day.
        self.titles = self._catalogue.view(0.0)
        # The feedback loop (feedback.py): accounts may play what a recommender suggests.
        self.feedback = FeedbackLoop(Recommender(self.titles), seed) if recommendations else None
        self._population: list | None = None  # built on the first day asked for
        self._next_day: int | None = None
        self._pending: list[SimEvent] = []
        self._applied: set[int] = set()
        self._price_hikes: set[str] = set()

    def events_between(self, t0: float, t1: float) -> list[SimEvent]:
        """All viewing events with t0 <= event_time < t1, ordered by event time."""
        if t1 <= t0:
            return []
        if self.start is None:
            self.start = t0
        if self._next_day is None:
            self._next_day = math.floor(t0 / DAY_S)
            self._population = build_population(
                self.seed, self.accounts, self._salt, self._next_day
            )
        while self._next_day * DAY_S < t1:
            day = sorted(self._day(self._next_day), key=_order)
            if self.feedback is not None:  # tomorrow's rows see today's plays, not the reverse
                self.feedback.fold(
                    (e.key, e.value["platform"], e.value["type"], e.event_time, e.value)
                    for e in day
                )
            # Only the previous days' spill-over (sessions past midnight) is pending.
            self._pending = list(heapq.merge(self._pending, day, key=_order))
            self._next_day += 1
        cut = next(
            (i for i, e in enumerate(self._pending) if e.event_time >= t1), len(self._pending)
        )
        due, self._pending = self._pending[:cut], self._pending[cut:]
        return [e for e in due if e.event_time >= t0]

    def catalogue_updates(self) -> list[SimEvent]:
        """The `title-catalogue` records of the days generated so far, each once."""
        return self.catalogue_feed.drain()

    # -- one day ----------------------------------------------------------------------

    def _day(self, day: int) -> list[SimEvent]:
        assert self._population is not None
        self._market(day)
        self.catalogue_feed.note(max(day * DAY_S, self.start or 0.0))
        out: list[SimEvent] = []
        feedback = self.feedback
        for account in self._population:
            rng = random.Random(stable_hash(self.seed, "viewer", account.index, day))
            row = feedback.row(account.account, account.index, day) if feedback else None
            emitted = live_day(rng, account, self._catalogue, day, self._price_hikes, row)
            for n, event in enumerate(sorted(emitted, key=lambda e: e.t)):
                out.append(self._wire(account.account, account.index, day, n, event))
        return out

    def _market(self, day: int) -> None:
        """Titles that move this day, and the scenarios that begin on it."""
        catalogue = self._catalogue
        for title_id, to in weekly_moves(self.seed, catalogue, day):
            self._lose(catalogue.home[title_id], [title_id])
            self._move(title_id, to, day)
        origin = self.start or 0.0
        for i, sc in enumerate(self.scenarios):
            begin, _ = sc.window(origin)
            if i in self._applied or begin >= (day + 1) * DAY_S:
                continue
            self._applied.add(i)
            if sc.kind == "price-hike":
                self._price_hikes.add(sc.platform)
                for account in self._population or []:
                    sub = account.subs.get(sc.platform)
                    if sub is not None:
                        sub.price = round(sub.price * PRICE_HIKE, 2)
                        sub.price_rise_day = day
            elif sc.kind == "content-exit":
                gone = exit_titles(catalogue, sc.platform)
                self._lose(sc.platform, gone)
                for title_id in gone:
                    self._move(title_id, None, day)

    def _move(self, title_id: str, to: str | None, day: int) -> None:
        self._catalogue.move(title_id, to, day)
        self.titles.update(self._catalogue.info(title_id, day * DAY_S))

    def _lose(self, platform: str | None, titles: list[str]) -> None:
        """Accounts that watched titles their platform loses: the share of their minutes
        (or, with under an hour watched here yet, of what their tastes would watch)."""
        if platform is None:
            return
        catalogue = self._catalogue
        here = catalogue.on(platform)
        lost_titles = set(titles)
        for account in self._population or []:
            sub = account.subs.get(platform)
            if sub is None:
                continue
            watched = sum(sub.minutes.values())
            if watched >= 60:
                lost = sum(sub.minutes.get(t, 0.0) for t in titles) / watched
            else:
                weights = {
                    t.title_id: t.popularity * (0.05 + account.tastes[t.genre]) for t in here
                }
                total = sum(weights.values()) or 1.0
                lost = sum(w for t, w in weights.items() if t in lost_titles) / total
            sub.lost_share = min(1.0, sub.lost_share + lost)

    def _wire(self, account: str, index: int, day: int, n: int, event: Emitted) -> SimEvent:
        t = math.floor(event.t * 1000) / 1000
        value = {
            "event_id": f"v{self.seed}-{day}-{index}-{n}",
            "account": account,
            "platform": event.platform,
            "type": event.type,
            **event.fields,
            "ts": iso_utc(t),
            "schema_version": VIEWING_SCHEMA_VERSION,
        }
        return SimEvent(topics.VIEWING_EVENTS, account, value, t)


def _order(event: SimEvent) -> tuple[float, str]:
    return event.event_time, event.key
