"""Google Trends interest by region, for the Trends collector (`STREAMAPP_TRENDS_REGIONS`).

One country code (`US`) asks for that country's subregions (US states: `US-CA`); two or
more (`US,GB,DE`) ask for countries worldwide and keep those listed. Each keyword is asked
alone, so its regions share one 0-100 scale (100: the region where the term is the largest
share of all searches) and no other term shifts it; values are not comparable between
keywords. A snapshot is stamped with the hour of the fetch and sent at most once per
keyword and hour: region points are a separate measure, marked `region_of`, and never
reach the per-platform windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WORLD = "world"  # `region_of` of countries


@dataclass(frozen=True)
class RegionScope:
    payload_geo: str  # the geo the request is built for ("" = worldwide)
    resolution: str  # pytrends' resolution: REGION (subregions) or COUNTRY
    region_of: str  # what the points are regions of
    keep: frozenset[str] | None  # geo codes kept (countries); None: every region


def region_scope(codes: list[str]) -> RegionScope | None:
    """The scope `STREAMAPP_TRENDS_REGIONS` names (codes already checked), None when off."""
    if not codes:
        return None
    if len(codes) == 1:
        return RegionScope(codes[0], "REGION", codes[0], None)
    return RegionScope("", "COUNTRY", WORLD, frozenset(codes))


def fetch_regions(
    client: Any, keyword: str, scope: RegionScope, timeframe: str
) -> dict[str, float]:
    """geo code -> interest of one keyword (blocking: call in a thread)."""
    client.geo = scope.payload_geo  # pytrends keeps its last geo when given "" (worldwide)
    client.build_payload([keyword], timeframe=timeframe, geo=scope.payload_geo)
    frame = client.interest_by_region(resolution=scope.resolution, inc_geo_code=True)
    regions: dict[str, float] = {}
    if frame.empty:
        return regions
    for _, row in frame.iterrows():
        code = str(row["geoCode"])
        if scope.keep is None or code in scope.keep:
            regions[code] = float(row[keyword])
    return regions


def region_identity(keyword: str, geo: str, stamp: str) -> str:
    """A region point's identity for the cursor (a national one is `keyword|stamp`)."""
    return f"{keyword}|{geo}|{stamp}"
