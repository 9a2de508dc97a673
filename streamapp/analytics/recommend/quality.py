"""Prequential quality of recommenders on a viewing stream, split as the worker splits it.

Every account's events go to the model of its raw partition (Kafka's partitioner over
the account key, `partitions` of them), one model per partition per recommender, as the
worker runs them. Before a play is folded, the account's list of `k` is asked for (at
the play's event time) and the played title's place in it is scored:
recall@k (a hit if it is in the list: one relevant title per play) and NDCG@k
(1 / log2(place + 1), 0 if absent). Only plays within `span` count; all are folded.

Three views of the same plays:
- `first_plays`: the first play of a title by an account within the span (what the
  issue measures: "the next title each account plays");
- `new_titles`: a title the account never played before in the whole replay (discovery:
  continue watching cannot help here);
- `all_plays`: every play, next episodes of a binge included.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from streamapp.analytics.recommend.catalogue import TitleCatalogue
from streamapp.analytics.recommend.model import PopularityRecommender
from streamapp.analytics.recommend.partitions import partition_of

VIEWS = ("first_plays", "new_titles", "all_plays")
Event = tuple[str, str, str, float, dict[str, Any]]  # account, platform, type, ts, fields


@dataclass
class HitRate:
    plays: int = 0
    hits: int = 0
    gain: float = 0.0

    def add(self, place: int | None) -> None:
        """`place`: 1-based place of the played title in the list, None if absent."""
        self.plays += 1
        if place is not None:
            self.hits += 1
            self.gain += 1.0 / math.log2(place + 1)

    def figures(self, k: int) -> dict[str, float | int]:
        n = max(self.plays, 1)
        return {"plays": self.plays, f"recall@{k}": self.hits / n, f"ndcg@{k}": self.gain / n}


class Scorer(Protocol):
    rates: dict[str, HitRate]

    def place(self, account: str, partition: int, title: str, k: int, ts: float) -> int | None: ...

    def fold(self, account: str, partition: int, event: Event) -> None: ...


class Contender:
    """One recommender kind: a model per partition, a profile per account, its scores."""

    def __init__(self, make: Callable[[], PopularityRecommender], partitions: int) -> None:
        self.models = [make() for _ in range(partitions)]
        self.profiles: dict[str, dict[str, Any]] = {}
        self.rates = {view: HitRate() for view in VIEWS}

    def place(self, account: str, partition: int, title: str, k: int, ts: float) -> int | None:
        profile = self.profiles.get(account)
        if profile is None:
            return None
        for i, rec in enumerate(self.models[partition].recommend(profile, k, ts)):
            if rec.title_id == title:
                return i + 1
        return None

    def fold(self, account: str, partition: int, event: Event) -> None:
        _, platform, kind, ts, fields = event
        profile = self.profiles.get(account)
        self.profiles[account] = self.models[partition].fold(profile, platform, kind, ts, fields)


def replay(
    events: Iterable[Event],
    contenders: Mapping[str, Scorer],
    span: tuple[float, float],
    partitions: int,
    k: int = 10,
) -> dict[str, Any]:
    """Feed `events` (event-time order) to every contender; the figures per contender."""
    played: dict[str, set[str]] = {}  # account -> titles played at any time (evaluation only)
    in_span: set[tuple[str, str]] = set()
    where: dict[str, int] = {}
    for event in events:
        account, _, kind, ts, fields = event
        partition = where.get(account)
        if partition is None:
            partition = where[account] = partition_of(account, partitions)
        title = fields.get("title_id")
        if kind == "play" and title and span[0] <= ts < span[1]:
            titles = played.setdefault(account, set())
            views = ["all_plays"]
            if (account, title) not in in_span:
                views.append("first_plays")
                in_span.add((account, title))
            if title not in titles:
                views.append("new_titles")
            for contender in contenders.values():
                place = contender.place(account, partition, title, k, ts)
                for view in views:
                    contender.rates[view].add(place)
        if kind == "play" and title:
            played.setdefault(account, set()).add(title)
        for contender in contenders.values():
            contender.fold(account, partition, event)
    return {
        name: {view: c.rates[view].figures(k) for view in VIEWS} for name, c in contenders.items()
    }


def contenders_for(
    catalogue: TitleCatalogue, makers: dict[str, Callable[[TitleCatalogue], Any]], partitions: int
) -> dict[str, Contender]:
    return {name: Contender(partial(make, catalogue), partitions) for name, make in makers.items()}
