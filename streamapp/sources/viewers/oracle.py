"""The ceiling: a recommender that reads the simulator's hidden state (evaluation only).

It knows what no model can see: each account's true tastes, its engagement with each
platform, the titles it has in progress there and those it finished, as they stood at
the start of the day, and it ranks titles by the simulator's own choice rule
(behaviour._pick_title: continue a title in progress with probability CONTINUE, else
pick by popularity x (0.05 + taste)), under the same genre cap. What it scores is the
best any model could expect on this simulator; it is not a product.
"""

from __future__ import annotations

from typing import Any

from streamapp.analytics.recommend.quality import VIEWS, HitRate
from streamapp.analytics.recommend.ranking import genre_cap
from streamapp.sources.viewers.catalogue import GENRES, Catalogue
from streamapp.sources.viewers.population import Account

CONTINUE = 0.6  # behaviour._pick_title's chance to continue a title in progress
ALIKE = {g: 1 / len(GENRES) for g in GENRES}


class Oracle:
    def __init__(self, catalogue: Catalogue, tastes_alike: bool = False) -> None:
        self.catalogue = catalogue
        self.tastes_alike = tastes_alike  # every genre liked alike: what tastes are worth
        self.rates = {view: HitRate() for view in VIEWS}
        self._state: dict[str, tuple[Account, dict[str, tuple[float, list[str]]], set[str]]] = {}

    def snapshot(self, population: list[Account]) -> None:
        """The hidden state at the start of a day (call before the day is simulated)."""
        home = self.catalogue.home
        self._state = {}
        for a in population:
            subs = {
                p: (
                    s.engagement,
                    [t for t in s.progress if t not in a.finished and home.get(t) == p],
                )
                for p, s in a.subs.items()
                if s.status != "cancelled"
            }
            self._state[a.account] = (a, subs, set(a.finished))

    def place(self, account: str, partition: int, title: str, k: int, ts: float) -> int | None:
        for i, found in enumerate(self.recommend(account, k)):
            if found == title:
                return i + 1
        return None

    def fold(self, account: str, partition: int, event: Any) -> None:
        return None  # it learns nothing: it reads the simulator

    def recommend(self, account: str, k: int) -> list[str]:
        held = self._state.get(account)
        if held is None:
            return []
        who, subs, finished = held
        engaged = sum(e for e, _ in subs.values()) or 1.0
        scores: dict[str, float] = {}
        for platform, (engagement, started) in subs.items():
            share = engagement / engaged
            cont = CONTINUE if started else 0.0
            for t in started:
                scores[t] = scores.get(t, 0.0) + share * cont / len(started)
            titles = [t for t in self.catalogue.on(platform) if t.title_id not in finished]
            tastes = ALIKE if self.tastes_alike else who.tastes
            weights = {t.title_id: t.popularity * (0.05 + tastes[t.genre]) for t in titles}
            total = sum(weights.values()) or 1.0
            for t, w in weights.items():
                scores[t] = scores.get(t, 0.0) + share * (1 - cont) * w / total
        cap, per_genre, out = genre_cap(k), dict[str, int](), list[str]()
        for t in sorted(scores, key=lambda t: (-scores[t], t)):
            genre = self.catalogue.titles[t].genre
            if per_genre.get(genre, 0) < cap:
                per_genre[genre] = per_genre.get(genre, 0) + 1
                out.append(t)
                if len(out) == k:
                    break
        return out
