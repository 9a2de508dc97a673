"""The recommender's side of the viewers' table: one model per raw partition, rebuilt
from the profiles the table holds, and the profiles themselves.

Stored value of `__profile__|<account hash>`: {"p": raw partition, "t": the latest event
time folded, "rec": the profile (analytics/recommend/profile.py)}. The profiles are the
checkpoint: a partition's model (popularity and co-occurrence counts) is a function of
its accounts' profiles, so a worker that takes a partition over, or restarts, rebuilds
the model from what its table restored, and no model is ever written. A profile records
the highest raw offset folded into it, so an event read again after a crash is skipped.

`__recmark__|<partition>` counts the batches committed on the partition (and the latest
event time): a worker whose cached model was built at another count rebuilds it, which
is how it notices that another worker folded events there in between.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from streamapp.analytics.recommend.catalogue import Recommendation, TitleCatalogue
from streamapp.analytics.recommend.model import PopularityRecommender, build_recommender
from streamapp.analytics.recommend.trending import TrendingTitles
from streamapp.analytics.viewers.features import DAY_S
from streamapp.tables.viewer_state import ViewerStateTable, profile_key, rec_mark_key


@dataclass
class ProfileBatch:
    """What one batch folded on one raw partition."""

    model: PopularityRecommender
    generation: int
    latest: float  # the latest event time folded on the partition
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    recommendations: list[Recommendation]
    model_version: str


class ProfileBook:
    def __init__(
        self,
        table: ViewerStateTable,
        catalogue: TitleCatalogue,
        kind: str = "blend",
        expiry_days: float = 45.0,
        trending: TrendingTitles | None = None,
    ) -> None:
        self.table = table
        self.catalogue = catalogue
        self.trending = trending  # what cold-start accounts get (None: the partition's)
        self.kind = kind
        self.expiry_s = expiry_days * DAY_S
        self._models: dict[int, tuple[int, PopularityRecommender]] = {}
        self._open: set[int] = set()  # partitions with a batch begun and not committed

    def _mark(self, partition: int) -> dict[str, Any]:
        return self.table.get(rec_mark_key(partition)) or {}

    def model(self, partition: int) -> PopularityRecommender:
        """The partition's model: the cached one unless another worker has committed
        batches on the partition since it was built (a takeover, a restart)."""
        generation = int(self._mark(partition).get("g", 0))
        cached = self._models.get(partition)
        if cached is not None and cached[0] == generation:
            return cached[1]
        model = build_recommender(self.catalogue, self.kind)
        model.rebuild(value["rec"] for _, value in self.table.profiles_of(partition))
        self._models[partition] = (generation, model)
        return model

    def begin(self, partition: int) -> ProfileBatch:
        if partition in self._open:
            # The last batch failed after folding into the model: its counts may hold
            # plays the table never got. Rebuild from the profiles the table has.
            self._models.pop(partition, None)
        self._open.add(partition)
        mark = self._mark(partition)
        return ProfileBatch(self.model(partition), int(mark.get("g", 0)), float(mark.get("t", 0)))

    def fold(
        self,
        batch: ProfileBatch,
        account: str,
        partition: int,
        event: tuple[str, str, float, dict[str, Any]],
        offset: int,
    ) -> None:
        """Fold one event (platform, type, event time, fields) into the account's profile."""
        platform, kind, ts, fields = event
        entry = batch.profiles.get(account)
        if entry is None:
            stored = self.table.get(profile_key(account))
            # A copy: the table's value changes only when the batch commits.
            entry = copy.deepcopy(stored) if stored else {"p": partition, "t": ts, "rec": None}
            batch.profiles[account] = entry
        entry["rec"] = batch.model.fold(entry["rec"], platform, kind, ts, fields, offset)
        entry["t"] = max(entry["t"], ts)
        batch.latest = max(batch.latest, ts)

    def commit(self, partition: int, batch: ProfileBatch) -> None:
        """The batch's profiles, then the mark; accounts idle past the expiry leave at the
        first batch of a new event-time day."""
        for account, entry in batch.profiles.items():
            self.table.write(profile_key(account), entry, partition)
        before = self._mark(partition).get("t", 0.0)
        if before and batch.latest // DAY_S > before // DAY_S:
            self._expire(partition, batch)
        generation = batch.generation + 1
        mark = {"g": generation, "t": batch.latest}
        self.table.write(rec_mark_key(partition), mark, partition)
        self._models[partition] = (generation, batch.model)
        self._open.discard(partition)

    def _expire(self, partition: int, batch: ProfileBatch) -> None:
        oldest = batch.latest - self.expiry_s
        gone = [(a, v) for a, v in self.table.profiles_of(partition) if v["t"] < oldest]
        for account, _ in gone:
            self.table.remove(profile_key(account), partition)
        if gone:  # the counts still hold their plays
            batch.model.rebuild(value["rec"] for _, value in self.table.profiles_of(partition))

    def recommend(self, account: str, partition: int, n: int, now: float) -> Answer | None:
        """The account's top `n`, or None when this worker holds no profile for it."""
        stored = self.table.get(profile_key(account))
        if not stored or stored.get("rec") is None:
            return None
        model = self.model(partition)
        return Answer(model.recommend(stored["rec"], n, now, self.trending), model.version)

    def latest(self, partition: int) -> float | None:
        """The latest event time folded on the partition (None: nothing yet)."""
        return self._mark(partition).get("t") or None
