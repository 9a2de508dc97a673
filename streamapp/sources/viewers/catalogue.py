"""The titles each platform carries, their genres and lengths, and the plans it sells.

Figures are round and plausible, not any platform's real catalogue: what matters for
churn is that tastes differ, that titles have fans, and that titles move.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from streamapp.analytics.recommend.catalogue import TitleCatalogue, TitleInfo
from streamapp.sources.post_mix import stable_hash

GENRES = (
    "drama",
    "comedy",
    "crime",
    "scifi",
    "kids",
    "documentary",
    "reality",
    "anime",
    "sports",
    "horror",
)
# Share of accounts that subscribe to each platform at the start (US-like ordering).
SUBSCRIBE_SHARES: dict[str, float] = {
    "netflix": 0.72,
    "prime_video": 0.55,
    "disney_plus": 0.42,
    "hulu": 0.40,
    "max": 0.33,
    "peacock": 0.30,
    "paramount_plus": 0.28,
    "apple_tv_plus": 0.18,
    "youtube_tv": 0.07,
    "sling_tv": 0.04,
}
# Monthly price of the standard plan (USD); plans scale it.
STANDARD_PRICE: dict[str, float] = {
    "netflix": 17.99,
    "prime_video": 8.99,
    "disney_plus": 15.99,
    "hulu": 18.99,
    "max": 16.99,
    "peacock": 13.99,
    "paramount_plus": 12.99,
    "apple_tv_plus": 12.99,
    "youtube_tv": 82.99,
    "sling_tv": 45.99,
}
PLANS: dict[str, float] = {"ads": 0.5, "standard": 1.0, "premium": 1.4}
PLAN_SHARES: dict[str, float] = {"ads": 0.35, "standard": 0.45, "premium": 0.20}
# Baseline monthly gross churn per platform, before engagement, prices and lost titles
# move it (docs/viewers.md: Antenna puts Netflix near 2% and the category near 5%).
BASE_MONTHLY_CHURN: dict[str, float] = {
    "netflix": 0.015,
    "prime_video": 0.02,
    "disney_plus": 0.035,
    "hulu": 0.035,
    "max": 0.04,
    "peacock": 0.05,
    "paramount_plus": 0.05,
    "apple_tv_plus": 0.05,
    "youtube_tv": 0.035,
    "sling_tv": 0.05,
}
TITLES_PER_PLATFORM = 40
MOVES_EVERY_DAYS = 7  # every week a few titles leave one platform for another
MOVES_PER_ROUND = 3


@dataclass(frozen=True)
class Title:
    title_id: str
    genre: str
    episodes: int  # 1 = a film
    episode_s: float  # length of one episode (or of the film)
    popularity: float


@dataclass
class Catalogue:
    """Titles by id and which platform carries each today (titles move)."""

    titles: dict[str, Title]
    home: dict[str, str | None]  # title id -> platform carrying it (None: gone)
    moved_on: dict[str, int] = field(default_factory=dict)  # title id -> day it left
    _on: dict[str, list[Title]] = field(default_factory=dict)  # cache, cleared on a move

    def on(self, platform: str) -> list[Title]:
        cached = self._on.get(platform)
        if cached is None:
            cached = [self.titles[t] for t, p in self.home.items() if p == platform]
            self._on[platform] = cached
        return cached

    def move(self, title_id: str, to: str | None, day: int) -> None:
        self.home[title_id] = to
        self.moved_on[title_id] = day
        self._on.clear()

    def info(self, title_id: str, ts: float) -> TitleInfo:
        """What the `title-catalogue` topic says of a title: where it is now."""
        title = self.titles[title_id]
        return TitleInfo(
            title_id, self.home[title_id], title.genre, title.episodes, title.episode_s, ts
        )

    def view(self, ts: float) -> TitleCatalogue:
        """The recommender's view of every title as of `ts`."""
        view = TitleCatalogue()
        for title_id in sorted(self.titles):
            view.update(self.info(title_id, ts))
        return view


def build_catalogue(seed: int) -> Catalogue:
    titles: dict[str, Title] = {}
    home: dict[str, str | None] = {}
    for platform in SUBSCRIBE_SHARES:
        rng = random.Random(stable_hash(seed, "catalogue", platform))
        # Each platform leans to a few genres, so tastes tie accounts to platforms.
        leaning = rng.sample(GENRES, 3)
        for i in range(TITLES_PER_PLATFORM):
            genre = rng.choice(leaning) if rng.random() < 0.6 else rng.choice(GENRES)
            film = rng.random() < 0.3
            title = Title(
                title_id=f"{platform[:3]}-{genre[:3]}-{i:03d}",
                genre=genre,
                episodes=1 if film else rng.randint(6, 40),
                episode_s=rng.uniform(5400, 8400) if film else rng.choice((1500, 2700, 3300)),
                popularity=1.0 / (1 + i) ** 0.8,  # a few hits and a long tail
            )
            titles[title.title_id] = title
            home[title.title_id] = platform
    return Catalogue(titles, home)


def weekly_moves(seed: int, catalogue: Catalogue, day: int) -> list[tuple[str, str | None]]:
    """The titles that change platform on `day` (every MOVES_EVERY_DAYS): (title, to)."""
    if day <= 0 or day % MOVES_EVERY_DAYS:
        return []
    rng = random.Random(stable_hash(seed, "moves", day))
    platforms = list(SUBSCRIBE_SHARES)
    moves: list[tuple[str, str | None]] = []
    for title_id in rng.sample(sorted(catalogue.home), MOVES_PER_ROUND):
        here = catalogue.home[title_id]
        moves.append((title_id, rng.choice([p for p in platforms if p != here])))
    return moves


def exit_titles(catalogue: Catalogue, platform: str, share: float = 0.3) -> list[str]:
    """A content exit: the platform's most popular `share` of titles leave it."""
    titles = sorted(catalogue.on(platform), key=lambda t: -t.popularity)
    return [t.title_id for t in titles[: max(1, round(len(titles) * share))]]
