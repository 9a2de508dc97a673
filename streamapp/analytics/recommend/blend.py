"""The blend's score: how likely the account's next play is each title it can watch now.

Read as a mixture, per platform the account subscribes to:

    P(title) = P(platform) x [ c x P(title | continues) + (1 - c) x P(title | starts one) ]

- P(platform): the account's share of sessions on it (smoothed by `platform_prior`);
- continues: one of the titles it started and has not finished there (`continue_recency`
  per place from the most recent; 1 = all alike); `c` is `continue_share`, and all the
  mass goes to starting a title where nothing is started;
- starts one: a title it has not played lately (not started, not in its recent list):
  `1 - cooc` x (the title's share of the platform's recent plays x the account's titles
  in its genre, smoothed by `genre_prior`) + `cooc` x co-occurrence (cosine between the
  title and the account's last COOC_TITLES titles, the most recent weighing more), each
  normalised over the platform's candidates.

The reason is the part that gave the title most: "continue watching", "because you
watched <title>" or "trending on <platform>". docs/recommendations.md has the ablation
that chose the parts and the weights (tuned on seed 101 only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from streamapp.analytics.recommend.catalogue import TitleCatalogue
from streamapp.analytics.recommend.counts import TitleCounts

COOC_TITLES = 4  # the recent titles co-occurrence looks from (cost grows with them)


@dataclass(frozen=True)
class Blend:
    continue_share: float = 0.55
    cooc: float = 0.2
    genre_prior: float = 0.3  # titles added to every genre; large: genre taste off
    platform_prior: float = 1.0  # sessions added to every platform; large: platform share off
    continue_recency: float = 1.0  # weight per place among started titles (1: alike)
    cooc_recency: float = 0.85  # weight per place among the recent titles
    popularity: bool = True  # False: every title of a platform alike (ablation only)
    new_only: bool = True  # False: started titles compete in "starts one" too (ablation)
    sampled: float = 0.0  # continue weight of a title begun without a completed episode


class Scores:
    """Each candidate's score, and the parts kept to say why for the few listed."""

    def __init__(self) -> None:
        self.total: dict[str, float] = {}
        self.kept: dict[str, float] = {}  # from continuing
        self.trend: dict[str, float] = {}  # from taste x popularity
        self.near: dict[str, float] = {}  # from co-occurrence
        self.because: dict[str, str] = {}
        self.where: dict[str, str] = {}

    def reason(self, title: str) -> str:
        kept, near = self.kept.get(title, 0.0), self.near.get(title, 0.0)
        trend = self.trend.get(title, 0.0)
        if kept > 0 and kept >= near and kept >= trend:
            return "continue watching"
        if near > trend:
            return f"because you watched {self.because[title]}"
        return f"trending on {self.where[title]}"


def blend_scores(
    profile: dict[str, Any],
    where: dict[str, str],
    counts: TitleCounts,
    catalogue: TitleCatalogue,
    blend: Blend,
    popularity: Mapping[str, float] | None = None,
) -> Scores:
    """`popularity`: per title, instead of the partition's (`counts.pop`): what is
    trending cluster-wide, for a cold-start account (model.py)."""
    out = Scores()
    pop = counts.pop if popularity is None else popularity
    out.where = where
    by_platform: dict[str, list[str]] = {}
    for title, platform in where.items():
        by_platform.setdefault(platform, []).append(title)
    sessions = profile["platforms"]
    used = {p: sessions.get(p, 0.0) + blend.platform_prior for p in by_platform}
    total_used = sum(used.values())
    started = _started(profile, where, blend.continue_recency, blend.sampled)
    played = started.keys() if blend.new_only else set()
    fresh_all = [t for t in where if t not in played]
    cooc = _cooccurring(profile, fresh_all, counts, blend.cooc_recency, out.because)
    for platform, titles in by_platform.items():
        weight = used[platform] / total_used
        cont = {t: started[t] for t in titles if t in started}
        share = blend.continue_share if cont else 0.0
        fresh = [t for t in titles if t not in played]
        near = {t: cooc[t] for t in fresh if t in cooc}
        mix = blend.cooc if near else 0.0
        _spread(out.kept, cont, weight * share)
        _spread(
            out.trend,
            _taste_pop(profile, fresh, pop, catalogue, blend),
            weight * (1 - share) * (1 - mix),
        )
        _spread(out.near, near, weight * (1 - share) * mix)
    total = dict.fromkeys(where, 0.0)
    for part in (out.kept, out.trend, out.near):
        for title, score in part.items():
            total[title] += score
    out.total = total
    return out


def _spread(into: dict[str, float], scores: dict[str, float], mass: float) -> None:
    """`scores` normalised to sum to `mass`, into `into`."""
    whole = sum(scores.values())
    if whole > 0 and mass > 0:
        factor = mass / whole
        into.update({t: v * factor for t, v in scores.items()})


def _started(
    profile: dict[str, Any], where: dict[str, str], recency: float, sampled: float
) -> dict[str, float]:
    """Titles in progress (an episode completed), and those only sampled if `sampled`."""
    mine = sorted(
        ((ts, t, done) for t, (done, ts) in profile["started"].items() if t in where),
        reverse=True,
    )
    out = {t: recency**i * (1.0 if done else sampled) for i, (_, t, done) in enumerate(mine)}
    return {t: w for t, w in out.items() if w > 0}


def _taste_pop(
    profile: dict[str, Any],
    titles: list[str],
    pop: Mapping[str, float],
    catalogue: TitleCatalogue,
    blend: Blend,
) -> dict[str, float]:
    genres, prior = profile["genres"], blend.genre_prior
    if not blend.popularity:
        return {t: genres.get(catalogue.genre_of(t), 0.0) + prior for t in titles}
    # A title nobody played lately keeps a hundredth of an average share. Scale-free on
    # purpose: the weights carry a common factor (counts.py) that no score may see.
    total = sum(pop.get(t, 0.0) for t in titles)
    floor = total / max(len(titles), 1) / 100 or 1.0
    return {
        t: (pop.get(t, 0.0) + floor) * (genres.get(catalogue.genre_of(t), 0.0) + prior)
        for t in titles
    }


def _cooccurring(
    profile: dict[str, Any],
    titles: list[str],
    counts: TitleCounts,
    recency: float,
    because: dict[str, str],
) -> dict[str, float]:
    """Scores of `titles`; `because` gets, for each, the recent title that gave it most."""
    accounts, co = counts.accounts, counts.co
    scores: dict[str, float] = {}
    best: dict[str, float] = {}
    inverse: dict[str, float] | None = None
    for place, (seen, _) in enumerate(reversed(profile["recent"][-COOC_TITLES:])):
        row = co.get(seen)
        if not row:
            continue
        if inverse is None:
            inverse = {t: accounts.get(t, 1) ** -0.5 for t in titles}
        weight = recency**place * accounts.get(seen, 1) ** -0.5
        get = row.get
        for title, norm in inverse.items():
            both = get(title)
            if not both:
                continue
            gain = weight * both * norm
            scores[title] = scores.get(title, 0.0) + gain
            if gain > best.get(title, 0.0):
                best[title] = gain
                because[title] = seen
    return scores
