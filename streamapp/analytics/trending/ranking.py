"""The most played and the fastest rising titles of a window (plain Python)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def top_titles(counts: Mapping[str, int], n: int) -> list[dict[str, Any]]:
    """The `n` most played titles, ties by title id (so the order is reproducible)."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"title_id": title, "plays": plays} for title, plays in ranked[:n] if plays > 0]


def growth(plays: int, previous: int) -> float:
    """Relative growth against the previous window; a title new in this window is
    measured against one play (0 -> 5 plays is a growth of 5.0, like 1 -> 6)."""
    return round((plays - previous) / max(previous, 1), 4)


def rising_titles(
    counts: Mapping[str, int], previous: Mapping[str, int], n: int, min_plays: int
) -> list[dict[str, Any]]:
    """The `n` titles that grew most against the previous window, among those played at
    least `min_plays` times now (a title going from 0 to 1 play is noise, not a trend)
    and more than before. Ties by plays, then title id."""
    rows = [
        (growth(plays, previous.get(title, 0)), plays, title)
        for title, plays in counts.items()
        if plays >= min_plays and plays > previous.get(title, 0)
    ]
    rows.sort(key=lambda row: (-row[0], -row[1], row[2]))
    return [
        {
            "title_id": title,
            "plays": plays,
            "previous_plays": previous.get(title, 0),
            "growth": rate,
        }
        for rate, plays, title in rows[:n]
    ]
