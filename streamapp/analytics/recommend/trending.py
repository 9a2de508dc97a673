"""What is trending on each platform across every partition: the `title-trends` windows.

A cold-start account (no plays yet) is recommended what is trending on its platforms.
The partition's own counts see only the accounts of one partition; a `title-trends`
window sums every partition's plays of a platform (agents/trend_titles.py), so every
worker reads that topic whole (agents/follow_trends.py) into a `TrendingTitles`: per
platform, the top titles of its windows within `span_s` of event time of its newest one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SPAN_S = 3600.0  # the windows summed per platform, back from its newest one
LOCAL_WEIGHT = 0.01  # the partition's popularity only orders what the trends leave level


class TrendingTitles:
    def __init__(self, span_s: float = SPAN_S) -> None:
        self.span_s = span_s
        self._windows: dict[str, dict[float, dict[str, int]]] = {}
        self._plays: dict[str, dict[str, int]] = {}  # cache per platform, cleared on update

    def update(self, platform: str, window_start: float, top: Iterable[Mapping[str, Any]]) -> None:
        """One closed window's top titles; a window sent again replaces itself."""
        windows = self._windows.setdefault(platform, {})
        windows[window_start] = {str(t["title_id"]): int(t["plays"]) for t in top}
        newest = max(windows)
        for start in [s for s in windows if s <= newest - self.span_s]:
            del windows[start]
        self._plays.pop(platform, None)

    def plays(self, platform: str) -> dict[str, int]:
        """Plays per title over the platform's recent windows' top lists ({}: none read)."""
        cached = self._plays.get(platform)
        if cached is None:
            cached = {}
            for top in self._windows.get(platform, {}).values():
                for title, plays in top.items():
                    cached[title] = cached.get(title, 0) + plays
            self._plays[platform] = cached
        return cached

    def popularity(
        self, titles_by_platform: Mapping[str, Iterable[str]], local: Mapping[str, float]
    ) -> dict[str, float] | None:
        """Per title, its share of its platform's trending plays, plus LOCAL_WEIGHT x its
        share of the partition's popularity (`local`) to order the rest; None when no
        platform of these has a window yet (then the partition's popularity serves)."""
        out: dict[str, float] = {}
        trending = False
        for platform, titles in titles_by_platform.items():
            plays, titles = self.plays(platform), list(titles)
            plays_total = sum(plays.get(t, 0) for t in titles)
            local_total = sum(local.get(t, 0.0) for t in titles)
            trending = trending or plays_total > 0
            for t in titles:
                share = plays.get(t, 0) / plays_total if plays_total else 0.0
                rest = local.get(t, 0.0) / local_total if local_total else 0.0
                out[t] = share + LOCAL_WEIGHT * rest
        return out if trending else None
