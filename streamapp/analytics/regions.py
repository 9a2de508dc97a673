"""Search interest by region: the latest snapshot per keyword, built from region points.

Pure: no Faust, no Kafka. A state is what the `region-interest-latest` table keeps per
keyword; a snapshot is what goes to `region-interest`. A region point belongs to the fetch
its timestamp names: a newer fetch replaces the regions of the older one (a region missing
from it is gone, not kept from before), a point of the same fetch is added, an older one
(a late repeat) is ignored.
"""

from __future__ import annotations

from typing import Any

REGION_SCHEMA_VERSION = 1


def merge_region_point(
    state: dict[str, Any] | None,
    *,
    keyword: str,
    platform: str | None,
    region_of: str,
    geo: str,
    timestamp: str,
    epoch: float,
    interest: float,
) -> dict[str, Any] | None:
    """The keyword's new state, or None when the point changes nothing (older fetch)."""
    if state is not None and state["region_of"] == region_of:
        if epoch < state["epoch"]:
            return None
        if epoch == state["epoch"]:
            if state["regions"].get(geo) == interest:
                return None
            return {**state, "regions": {**state["regions"], geo: interest}}
    # A newer fetch, or the regions setting changed (US states -> countries): start over.
    return {
        "keyword": keyword,
        "platform": platform,
        "region_of": region_of,
        "timestamp": timestamp,
        "epoch": epoch,
        "regions": {geo: interest},
    }


def snapshot(state: dict[str, Any]) -> dict[str, Any]:
    """The `region-interest` record of a state: regions ranked by interest, highest first
    (ties by code), rank 1 for the highest; equal interest shares a rank."""
    ordered = sorted(state["regions"].items(), key=lambda item: (-item[1], item[0]))
    regions = []
    rank = 0
    previous: float | None = None
    for position, (geo, interest) in enumerate(ordered, start=1):
        if interest != previous:
            rank, previous = position, interest
        regions.append({"geo": geo, "interest": interest, "rank": rank})
    return {
        "keyword": state["keyword"],
        "platform": state["platform"],
        "region_of": state["region_of"],
        "timestamp": state["timestamp"],
        "regions": regions,
        "schema_version": REGION_SCHEMA_VERSION,
    }
