"""What each platform carries now, as the `title-catalogue` topic last said, and the shape
of one recommendation. Shared by the model, the worker's serving route and the simulator."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TitleInfo:
    title_id: str
    platform: str | None  # the platform carrying it now; None: on no platform
    genre: str | None = None
    episodes: int | None = None  # 1 = a film; None: not known
    episode_s: float | None = None  # running time of one episode (or the film), seconds
    ts: float = 0.0  # event time of the change (epoch seconds)


@dataclass
class TitleCatalogue:
    """The latest TitleInfo per title. An update older than the one held is ignored, so
    reading the topic again (or out of order across partitions) gives the same answer."""

    titles: dict[str, TitleInfo] = field(default_factory=dict)
    _on: dict[str, tuple[str, ...]] = field(default_factory=dict)  # cache, cleared on change

    def update(self, info: TitleInfo) -> bool:
        held = self.titles.get(info.title_id)
        if held is not None and held.ts > info.ts:
            return False
        self.titles[info.title_id] = info
        self._on.clear()
        return True

    def platform_of(self, title_id: str) -> str | None:
        info = self.titles.get(title_id)
        return None if info is None else info.platform

    def genre_of(self, title_id: str) -> str | None:
        info = self.titles.get(title_id)
        return None if info is None else info.genre

    def titles_on(self, platform: str) -> tuple[str, ...]:
        cached = self._on.get(platform)
        if cached is None:
            cached = tuple(sorted(t for t, i in self.titles.items() if i.platform == platform))
            self._on[platform] = cached
        return cached


@dataclass(frozen=True)
class Recommendation:
    title_id: str
    platform: str  # where the account can watch it now
    score: float
    reason: str  # "because you watched <title>", "trending on hulu", "continue watching"
