"""The recommender of one raw partition, and the popularity baseline with the same API.

One instance per raw partition of `viewing-events` (keyed by account), like the churn
engine. `fold` folds one event of one account into its profile (profile.py) and the
partition's counts (counts.py); `recommend` ranks what the account can watch now;
`rebuild` recomputes the counts from the profiles a table restored, so the worker never
writes a model checkpoint: the profiles are the checkpoint.

The blend (docs/recommendations.md has the figures that chose it) scores a candidate as
a mixture of three parts, each normalised over the candidates:

- continue: titles the account started and has not finished, the most recent first;
- taste x popularity: the account's share of sessions on the title's platform x the
  title's share of that platform's recent plays x the account's share of plays in the
  title's genre (a smoothed estimate of "what would it pick when it browses");
- co-occurrence: accounts that had the account's recent titles also had this one
  (cosine over the accounts' recent lists), the more recent of its titles weighing more.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from streamapp.analytics.recommend.catalogue import Recommendation, TitleCatalogue
from streamapp.analytics.recommend.counts import TitleCounts
from streamapp.analytics.recommend.profile import fold_event, is_new_offset, new_profile
from streamapp.analytics.recommend.ranking import candidates, top_diverse

BLEND_VERSION = "rec-blend-1"
POPULARITY_VERSION = "rec-pop-1"
# Mixture weights and smoothing (tuned on seed 101 only: docs/recommendations.md).
CONTINUE_WEIGHT = 0.5
TASTE_WEIGHT = 0.3
COOC_WEIGHT = 0.2
PLATFORM_PRIOR = 1.0  # sessions added to every subscribed platform
GENRE_PRIOR = 0.3  # plays added to every genre
RECENT_DECAY = 0.85  # weight of a recent title per place it is further from the last


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

    def recommend(self, profile: dict[str, Any], n: int, now: float) -> list[Recommendation]:
        where = candidates(profile, self.catalogue)
        shares = _normalised({t: self.counts.pop.get(t, 0.0) for t in where})
        scored = ((shares.get(t, 0.0), t, f"trending on {p}") for t, p in where.items())
        return top_diverse(scored, where, self.catalogue, n)


class Recommender(PopularityRecommender):
    """The blend: continue watching, taste x popularity, and co-occurrence."""

    version = BLEND_VERSION

    @staticmethod
    def _pairs() -> bool:
        return True

    def recommend(self, profile: dict[str, Any], n: int, now: float) -> list[Recommendation]:
        where = candidates(profile, self.catalogue)
        if not where:
            return []
        cont = _normalised(self._continuing(profile, where))
        taste = _normalised(self._taste(profile, where))
        cooc, because = self._cooccurring(profile, where)
        cooc = _normalised(cooc)
        scored = []
        for title, platform in where.items():
            parts = (  # the first is the reason when all are nil (a cold start)
                (TASTE_WEIGHT * taste.get(title, 0.0), f"trending on {platform}"),
                (CONTINUE_WEIGHT * cont.get(title, 0.0), "continue watching"),
                (COOC_WEIGHT * cooc.get(title, 0.0), f"because you watched {because.get(title)}"),
            )
            best = max(parts, key=lambda part: part[0])
            scored.append((sum(part[0] for part in parts), title, best[1]))
        return top_diverse(scored, where, self.catalogue, n)

    def _continuing(self, profile: dict[str, Any], where: dict[str, str]) -> dict[str, float]:
        started = [(ts, t) for t, (_, ts) in profile["started"].items() if t in where]
        started.sort(reverse=True)
        return {t: RECENT_DECAY**i for i, (_, t) in enumerate(started)}

    def _taste(self, profile: dict[str, Any], where: dict[str, str]) -> dict[str, float]:
        sessions, genres = profile["platforms"], profile["genres"]
        pop = self.counts.pop
        platform_total: dict[str, float] = {}
        for title, platform in where.items():
            platform_total[platform] = platform_total.get(platform, 0.0) + pop.get(title, 0.0)
        out = {}
        for title, platform in where.items():
            share = (pop.get(title, 0.0) + 1e-3) / (platform_total[platform] + 1e-3)
            used = sessions.get(platform, 0.0) + PLATFORM_PRIOR
            genre = self.catalogue.genre_of(title)
            liked = genres.get(genre, 0.0) + GENRE_PRIOR if genre else GENRE_PRIOR
            out[title] = used * share * liked
        return out

    def _cooccurring(
        self, profile: dict[str, Any], where: dict[str, str]
    ) -> tuple[dict[str, float], dict[str, str]]:
        """Scores, and for each title the recent title that gave it the most."""
        accounts, co = self.counts.accounts, self.counts.co
        scores: dict[str, float] = {}
        best: dict[str, tuple[float, str]] = {}
        recent = profile["recent"]
        for place, (seen, _) in enumerate(reversed(recent)):
            row = co.get(seen)
            if not row:
                continue
            weight = RECENT_DECAY**place / accounts.get(seen, 1) ** 0.5
            for title, both in row.items():
                if title not in where:
                    continue
                gain = weight * both / accounts.get(title, 1) ** 0.5
                scores[title] = scores.get(title, 0.0) + gain
                if gain > best.get(title, (0.0, ""))[0]:
                    best[title] = (gain, seen)
        return scores, {t: seen for t, (_, seen) in best.items()}


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
