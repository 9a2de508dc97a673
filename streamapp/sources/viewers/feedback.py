"""The feedback loop: simulated accounts see recommendations and may play one.

The simulator keeps its own Recommender (standing in for the platform's UI), fed with
the events it emits at the end of each simulated day, so an account's row on day d
reflects everything watched up to midnight. When an account browses for a title, it
looks at the row's titles on the platform it is watching, in order (at most LOOKS of
them), and takes each with a probability that grows with its hidden taste for the
title's genre; otherwise it browses as before. Plays so chosen carry
`"source": "recommendation"`; the others `"browse"` or `"continue"`.

Seeded and cheap: the decisions draw from their own RNG stream (seed, account, day), and
a row is computed at most once per account and day, only when the account browses.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from streamapp.analytics.recommend.catalogue import Recommendation
from streamapp.analytics.recommend.model import Recommender
from streamapp.sources.post_mix import stable_hash
from streamapp.sources.viewers.catalogue import Catalogue
from streamapp.sources.viewers.population import DAY_S

ROW = 10  # titles in the UI's row
ROW_DAYS = 3  # a row is recomputed at most every ROW_DAYS days (the UI caches it)
LOOKS = 3  # titles of the row an account considers before browsing on its own
TAKE_SCALE = 1.5  # P(take) = TAKE_SCALE x (0.05 + taste of the genre), capped
TAKE_MAX = 0.8
FOLDED = frozenset(("signup", "session_start", "play", "stop", "cancel", "resubscribe"))


class HomeRow:
    """One account's row for one day: the cached one while fresh, else computed on first
    use (and cached by the loop)."""

    def __init__(self, loop: FeedbackLoop, account: str, index: int, day: int) -> None:
        self._loop, self._account, self._day = loop, account, day
        self._rng = random.Random(stable_hash(loop.seed, "home-row", index, day))
        self._row: list[Recommendation] | None = None

    def take(
        self, tastes: dict[str, float], platform: str, catalogue: Catalogue, finished: set[str]
    ) -> str | None:
        """A title of the row the account plays on `platform`, or None (it browses)."""
        if self._row is None:
            self._row = self._loop.row_of(self._account, self._day)
        looks = 0
        for rec in self._row:
            title = rec.title_id
            if catalogue.home.get(title) != platform or title in finished:
                continue
            chance = min(TAKE_MAX, TAKE_SCALE * (0.05 + tastes[catalogue.titles[title].genre]))
            if self._rng.random() < chance:
                return title
            looks += 1
            if looks == LOOKS:
                break
        return None


class FeedbackLoop:
    """The UI's recommender and the accounts' profiles in it."""

    def __init__(self, ui: Recommender, seed: int) -> None:
        self.ui = ui
        self.seed = seed
        self.profiles: dict[str, dict[str, Any]] = {}

        self._rows: dict[str, tuple[int, list[Recommendation]]] = {}

    def row(self, account: str, index: int, day: int) -> HomeRow:
        return HomeRow(self, account, index, day)

    def row_of(self, account: str, day: int) -> list[Recommendation]:
        cached = self._rows.get(account)
        if cached is not None and day - cached[0] < ROW_DAYS:
            return cached[1]
        profile = self.profiles.get(account)
        row = [] if profile is None else self.ui.recommend(profile, ROW, day * DAY_S)
        self._rows[account] = (day, row)
        return row

    def fold(self, events: Iterable[tuple[str, str, str, float, dict[str, Any]]]) -> None:
        """(account, platform, type, ts, fields) in event-time order."""
        ui, profiles = self.ui, self.profiles
        for account, platform, kind, ts, fields in events:
            if kind in FOLDED:
                profiles[account] = ui.fold(profiles.get(account), platform, kind, ts, fields)
