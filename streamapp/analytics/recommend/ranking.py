"""The rules every list obeys, whichever model scored it: only titles the account can
watch now (on a platform it subscribes to now, as the catalogue says today), never one it
finished, and at most ceil(n / 3) titles of one genre."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from streamapp.analytics.recommend.catalogue import Recommendation, TitleCatalogue
from streamapp.analytics.recommend.profile import active_platforms

UNKNOWN_GENRE = "?"  # titles without a genre share one cap


def genre_cap(n: int) -> int:
    return max(1, math.ceil(n / 3))


def candidates(profile: dict[str, Any], catalogue: TitleCatalogue) -> dict[str, str]:
    """title -> the platform the account can watch it on now; finished titles left out."""
    done = set(profile["finished"])
    out: dict[str, str] = {}
    for platform in active_platforms(profile):
        for title in catalogue.titles_on(platform):
            if title not in done:
                out[title] = platform
    return out


def top_diverse(
    scores: dict[str, float],
    reason: Callable[[str], str],
    where: dict[str, str],
    catalogue: TitleCatalogue,
    n: int,
) -> list[Recommendation]:
    """The best `n` titles by score, walking down the scores and skipping a title whose
    genre already has its cap; `reason` is asked only for those listed. Ties break on the
    title id, so a list is a function of the scores alone. Fewer than `n` when the cap
    leaves no more."""
    if n <= 0:
        return []
    cap = genre_cap(n)
    per_genre: dict[str, int] = {}
    out: list[Recommendation] = []
    for title, score in sorted(scores.items(), key=lambda s: (-s[1], s[0])):
        genre = catalogue.genre_of(title) or UNKNOWN_GENRE
        if per_genre.get(genre, 0) >= cap:
            continue
        per_genre[genre] = per_genre.get(genre, 0) + 1
        out.append(Recommendation(title, where[title], round(score, 6), reason(title)))
        if len(out) == n:
            break
    return out
