"""The Regions tab's data (pure): from the newest `region-interest` snapshot per keyword
(region_board), plot-ready columns ranking regions by platform interest, by alternative-viewing
interest, and by the alternative-viewing share of the two.

A snapshot's 0-100 compares the regions of one keyword (100: the region where that term
is the largest share of all searches), never keywords with each other. So the comparison
puts side by side where in the ranking of its own term each region sits: a region whose
alternative-viewing terms sit near their top while the platforms' terms sit low is where
"piracy interest is higher where the catalogue is thinner" can be looked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from streamapp.panel_dashboard.palette import colour
from streamapp.panel_dashboard.queries import name
from streamapp.panel_dashboard.region_board import RegionBoard, Snapshot
from streamapp.panel_dashboard.state import ALT, DashboardState, alternative_viewing

CLOCK = "%Y-%m-%d %H:%M"
MEAN = "mean of the chosen platforms"
MEAN_COLOUR = "#555555"  # a mean of several platforms is no one platform's colour


def applier(state: DashboardState) -> Callable[[Snapshot], None]:
    """What the feed calls per record: the page redraws when a snapshot was kept."""

    def apply(snap: Snapshot) -> None:
        if state.regions.apply(snap):
            state.version += 1

    return apply


def _platform_terms(snaps: Iterable[Snapshot], chosen: list[str]) -> list[Snapshot]:
    wanted = set(chosen)
    return [s for s in snaps if s.platform in wanted]


def _alternative_terms(snaps: Iterable[Snapshot]) -> list[Snapshot]:
    return [s for s in snaps if s.platform is None and alternative_viewing(s.keyword)]


def _means(snaps: list[Snapshot]) -> dict[str, tuple[float, int]]:
    """Per region: the mean interest over the terms that have it, and how many do."""
    sums: dict[str, list[float]] = {}
    for snap in snaps:
        for geo, interest, _ in snap.regions:
            sums.setdefault(geo, []).append(interest)
    return {geo: (round(sum(v) / len(v), 2), len(v)) for geo, v in sums.items()}


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime(CLOCK)


def ranked_bars(board: RegionBoard, chosen: list[str], alternative: bool) -> dict[str, list[Any]]:
    """Regions ranked by the mean interest of the chosen platforms' terms (or of the
    alternative-viewing terms), highest first; one platform chosen: its own ranking.
    `terms`: over how many of the terms the region's mean is (Google leaves out a region
    with too few searches)."""
    snaps = board.current()
    terms = _alternative_terms(snaps) if alternative else _platform_terms(snaps, chosen)
    ordered = sorted(_means(terms).items(), key=lambda item: (-item[1][0], item[0]))
    platforms = {s.platform or ALT for s in terms}
    one = platforms.pop() if len(platforms) == 1 else None
    series, shade = (name(one), colour(one)) if one else (MEAN, MEAN_COLOUR)
    means = [mean for _, (mean, _) in ordered]
    return {
        "rank": [1 + means.index(mean) for mean in means],  # equal interest shares a rank
        "region": [geo for geo, _ in ordered],
        "interest": means,
        "terms": [n for _, (_, n) in ordered],
        "series": [series] * len(ordered),
        "as_of": [_clock(max(s.fetched for s in terms))] * len(ordered) if terms else [],
        "colour": [shade] * len(ordered),
    }


def comparison(board: RegionBoard, chosen: list[str]) -> dict[str, list[Any]]:
    """Per region with both: the alternative-viewing terms' interest, the mean of the
    chosen platforms' terms, and the first's share of the two (%), highest share first."""
    snaps = board.current()
    alt, plat = _means(_alternative_terms(snaps)), _means(_platform_terms(snaps, chosen))
    rows = []
    for geo in alt.keys() & plat.keys():
        a, p = alt[geo][0], plat[geo][0]
        if a + p > 0:  # both zero: nothing to compare
            rows.append((geo, a, p, round(100 * a / (a + p), 2)))
    rows.sort(key=lambda r: (-r[3], r[0]))
    return {
        "region": [r[0] for r in rows],
        "alternative_interest": [r[1] for r in rows],
        "platform_interest": [r[2] for r in rows],
        "alternative_share": [r[3] for r in rows],
    }


def keyword_rows(board: RegionBoard, chosen: list[str]) -> dict[str, list[Any]]:
    """Every region of every shown keyword with its rank, as the worker ranked them: the
    chosen platforms' terms, then the alternative-viewing terms."""
    snaps = board.current()
    out: dict[str, list[Any]] = {
        c: [] for c in ("keyword", "platform", "rank", "region", "interest", "fetched_utc")
    }
    for snap in [*_platform_terms(snaps, chosen), *_alternative_terms(snaps)]:
        fetched = _clock(snap.fetched)
        for geo, interest, rank in snap.regions:
            out["keyword"].append(snap.keyword)
            out["platform"].append(name(snap.platform or ALT))
            out["rank"].append(rank)
            out["region"].append(geo)
            out["interest"].append(interest)
            out["fetched_utc"].append(fetched)
    return out
