"""The recommender of one raw partition, and the popularity baseline with the same API.

One instance per raw partition of `viewing-events` (keyed by account), like the churn
engine. `fold` folds one event of one account into its profile (profile.py) and the
partition's counts (counts.py); `recommend` ranks what the account can watch now;
`rebuild` recomputes the counts from the profiles a table restored, so the worker never
writes a model checkpoint: the profiles are the checkpoint. A cold-start account (no
plays yet) gets what is trending on its platforms across every partition when the worker
passes the `title-trends` windows it read (trending.py).

The blend (blend.py) scores how likely the account's next play is each title it can
watch now; docs/recommendations.md has the figures that chose it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from streamapp.analytics.recommend.blend import Blend, blend_scores
from streamapp.analytics.recommend.catalogue import Recommendation, TitleCatalogue
from streamapp.analytics.recommend.counts import TitleCounts
from streamapp.analytics.recommend.profile import fold_event, is_new_offset, new_profile
from streamapp.analytics.recommend.ranking import candidates, top_diverse
from streamapp.analytics.recommend.trending import TrendingTitles

BLEND_VERSION = "rec-blend-1"
POPULARITY_VERSION = "rec-pop-1"


class PopularityRecommender:
    """The baseline: the titles most played lately on the account's platforms, under the
    same rules (available now, not finished, the genre cap)."""

    version = POPULARITY_VERSION

    def __init__(self, catalogue: TitleCatalogue) -> None:
        self.catalogue = catalogue
        self.counts = TitleCounts(pairs=self._pairs())

    @staticmethod
    def _pairs() -> bool:
        return False

    def fold(
        self,
        profile: dict[str, Any] | None,
        platform: str,
        kind: str,
        ts: float,
        fields: dict[str, Any],
        offset: int | None = None,
    ) -> dict[str, Any]:
        if profile is None:
            profile = new_profile()
        if not is_new_offset(profile, offset):
            return profile
        evicted, entry = fold_event(profile, self.catalogue, platform, kind, ts, fields)
        if entry is not None:
            self.counts.replayed(profile["recent"], evicted, entry)
        return profile

    def rebuild(self, profiles: Iterable[dict[str, Any]]) -> None:
        self.counts.rebuild(p["recent"] for p in profiles)

    def cold_start(
        self, profile: dict[str, Any], where: dict[str, str], trending: TrendingTitles | None
    ) -> dict[str, float] | None:
        """For an account with no plays yet: popularity from what is trending on its
        platforms across every partition (title-trends), else None (the partition's)."""
        if trending is None or profile["recent"]:
            return None
        by_platform: dict[str, list[str]] = {}
        for title, platform in where.items():
            by_platform.setdefault(platform, []).append(title)
        return trending.popularity(by_platform, self.counts.pop)

    def recommend(
        self,
        profile: dict[str, Any],
        n: int,
        now: float,
        trending: TrendingTitles | None = None,
    ) -> list[Recommendation]:
        """The best `n` titles the account can watch now, under the rules every
        recommender shares (available now, not finished, the genre cap); `_scores` is
        what tells one recommender from another."""
        where = candidates(profile, self.catalogue)
        scores, reason = self._scores(profile, where, self.cold_start(profile, where, trending))
        return top_diverse(scores, reason, where, self.catalogue, n)

    def _scores(
        self, profile: dict[str, Any], where: dict[str, str], popularity: dict[str, float] | None
    ) -> tuple[dict[str, float], Callable[[str], str]]:
        """Each candidate's score and the reason given for a listed one. `popularity`: the
        cold-start account's (`cold_start`), else None (the partition's counts)."""
        pop = popularity or self.counts.pop
        shares = _normalised({t: pop.get(t, 0.0) for t in where})
        scores = {t: shares.get(t, 0.0) for t in where}
        return scores, lambda t: f"trending on {where[t]}"


class Recommender(PopularityRecommender):
    """The blend: continue watching, taste x popularity, and co-occurrence (blend.py)."""

    version = BLEND_VERSION

    def __init__(self, catalogue: TitleCatalogue, blend: Blend | None = None) -> None:
        super().__init__(catalogue)
        self.blend = blend or Blend()

    @staticmethod
    def _pairs() -> bool:
        return True

    def _scores(
        self, profile: dict[str, Any], where: dict[str, str], popularity: dict[str, float] | None
    ) -> tuple[dict[str, float], Callable[[str], str]]:
        scored = blend_scores(profile, where, self.counts, self.catalogue, self.blend, popularity)
        return scored.total, scored.reason


def _normalised(scores: dict[str, float]) -> dict[str, float]:
    total = sum(scores.values())
    return {t: s / total for t, s in scores.items()} if total > 0 else {}


def build_recommender(
    catalogue: TitleCatalogue, kind: str = "blend"
) -> Recommender | PopularityRecommender:
    if kind == "blend":
        return Recommender(catalogue)
    if kind == "popularity":
        return PopularityRecommender(catalogue)
    raise ValueError(f"unknown recommender {kind!r}: blend or popularity")
