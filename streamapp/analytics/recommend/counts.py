"""The partition's counts: recency-weighted popularity and item-item co-occurrence.

They are a function of the accounts' `recent` lists alone (profile.py): each entry
[title, ts] adds exp((ts - ref) / tau) to the title's popularity and one to its account
count, and each pair of titles in one list adds one to their co-occurrence. `add` and
`remove` keep them in step entry by entry as profiles fold plays; `rebuild` recomputes
them from the profiles a restarted worker restored, with the same result (up to the
common factor `ref` brings, which no ranking sees).

The popularity weights grow with time (a decay without touching every title on each
play); `ref` moves forward, rescaling them all, before they could overflow.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

DEFAULT_HALF_LIFE_DAYS = 7.0
MAX_EXPONENT = 200.0  # rescale before exp() gets near a float's range


class TitleCounts:
    def __init__(self, half_life_days: float = DEFAULT_HALF_LIFE_DAYS, pairs: bool = True) -> None:
        self.tau = half_life_days * 86_400.0 / math.log(2)
        self.pairs = pairs  # co-occurrence kept (the popularity baseline needs none)
        self.ref: float | None = None
        self.pop: dict[str, float] = {}  # title -> recency-weighted plays
        self.accounts: dict[str, int] = {}  # title -> accounts with it in `recent`
        self.co: dict[str, dict[str, int]] = {}  # title -> title -> accounts with both

    def reset(self) -> None:
        self.ref = None
        self.pop.clear()
        self.accounts.clear()
        self.co.clear()

    def weight(self, ts: float) -> float:
        if self.ref is None:
            self.ref = ts
        exponent = (ts - self.ref) / self.tau
        if exponent > MAX_EXPONENT:
            self._rescale(ts)
            exponent = 0.0
        return math.exp(exponent)

    def add(self, recent: list[list[Any]], entry: list[Any]) -> None:
        """`entry` joined `recent` (it is already in the list, last)."""
        title = entry[0]
        self.pop[title] = self.pop.get(title, 0.0) + self.weight(entry[1])
        self.accounts[title] = self.accounts.get(title, 0) + 1
        if self.pairs:
            for other, _ in recent:
                if other != title:
                    self._pair(title, other, 1)

    def remove(self, recent: list[list[Any]], entry: list[Any]) -> None:
        """`entry` left `recent` (it is no longer in the list)."""
        title = entry[0]
        left = self.pop.get(title, 0.0) - self.weight(entry[1])
        count = self.accounts.get(title, 0) - 1
        if count <= 0:
            self.pop.pop(title, None)
            self.accounts.pop(title, None)
        else:
            self.pop[title] = max(left, 0.0)
            self.accounts[title] = count
        if self.pairs:
            for other, _ in recent:
                if other != title:
                    self._pair(title, other, -1)

    def rebuild(self, recents: Iterable[list[list[Any]]]) -> None:
        self.reset()
        lists = [r for r in recents if r]
        if lists:
            self.ref = min(entry[1] for r in lists for entry in r)
        for recent in lists:
            for i, entry in enumerate(recent):
                self.add(recent[:i], entry)

    def replayed(
        self, recent: list[list[Any]], evicted: list[Any] | None, entry: list[Any]
    ) -> None:
        """A play moved `entry` to the end of `recent`, pushing `evicted` out (the same
        title's older entry, another title, or None)."""
        if evicted is not None:
            if evicted[0] == entry[0]:
                self.pop[entry[0]] = max(
                    self.pop.get(entry[0], 0.0) - self.weight(evicted[1]), 0.0
                ) + self.weight(entry[1])
                return
            self.remove(recent[:-1], evicted)  # its pairs were with the titles before
        self.add(recent, entry)

    def _pair(self, a: str, b: str, delta: int) -> None:
        for x, y in ((a, b), (b, a)):
            row = self.co.setdefault(x, {})
            count = row.get(y, 0) + delta
            if count > 0:
                row[y] = count
            else:
                row.pop(y, None)
                if not row:
                    del self.co[x]

    def _rescale(self, ts: float) -> None:
        assert self.ref is not None
        factor = math.exp(-(ts - self.ref) / self.tau)
        for title in self.pop:
            self.pop[title] *= factor
        self.ref = ts
