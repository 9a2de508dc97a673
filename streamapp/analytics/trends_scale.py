"""Putting Google Trends request groups onto one scale.

Google answers at most 5 terms per request and scales each answer to its own 0-100 (the
highest point of any term in that request is 100). Values from two requests are not
comparable until they share a reference. We therefore put one *anchor* term into every
group (`plan_groups`) and rescale each group by how its anchor compares with the anchor in
the first group (`rescale`):

    factor_g = sum(anchor in group 0) / sum(anchor in group g)   over their common times
    value'   = value * factor_g

then divide everything by the largest rescaled value and multiply by 100, so the result is
again one 0-100 scale on which every term compares with every other one, as if Google had
answered all of them in one request. Using sums over the whole timeframe rather than one
point keeps Google's integer rounding error small. A group whose anchor is zero throughout
carries no information about its scale: its terms are left out (reported in `unscaled`)
rather than guessed. Choose a popular anchor (the default is the first keyword, `netflix`).

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MAX_TERMS_PER_REQUEST = 5

# keyword -> {epoch seconds: Google's 0-100 value in that request}
GroupSeries = Mapping[str, Mapping[float, float]]


def plan_groups(keywords: Sequence[str], anchor: str | None = None) -> list[list[str]]:
    """Groups of at most 5 terms, each starting with the anchor (default: the first keyword)."""
    terms = list(dict.fromkeys(keywords))
    if not terms:
        return []
    anchor = anchor or terms[0]
    others = [k for k in terms if k != anchor]
    size = MAX_TERMS_PER_REQUEST - 1
    if not others:
        return [[anchor]]
    return [[anchor, *others[i : i + size]] for i in range(0, len(others), size)]


@dataclass
class Rescaled:
    series: dict[str, dict[float, float]] = field(default_factory=dict)
    unscaled: list[str] = field(default_factory=list)  # terms of groups that could not be placed


def rescale(groups: Sequence[GroupSeries], anchor: str, digits: int = 2) -> Rescaled:
    """One 0-100 scale for all groups (see the module docstring for the method)."""
    result = Rescaled()
    if not groups:
        return result
    reference = groups[0].get(anchor, {})
    scaled: dict[str, dict[float, float]] = {}
    for index, group in enumerate(groups):
        factor = 1.0 if index == 0 else _factor(reference, group.get(anchor, {}))
        if factor is None:
            result.unscaled.extend(k for k in group if k != anchor and k not in scaled)
            continue
        for keyword, points in group.items():
            if keyword == anchor and index > 0:
                continue  # the anchor's values come from the reference group
            scaled[keyword] = {t: v * factor for t, v in points.items()}
    top = max((v for points in scaled.values() for v in points.values()), default=0.0)
    norm = 100.0 / top if top > 0 else 0.0
    result.series = {
        keyword: {t: round(min(100.0, v * norm), digits) for t, v in points.items()}
        for keyword, points in scaled.items()
    }
    return result


def _factor(reference: Mapping[float, float], anchor: Mapping[float, float]) -> float | None:
    common = set(reference) & set(anchor)
    ref_sum = sum(reference[t] for t in common)
    own_sum = sum(anchor[t] for t in common)
    if not common or own_sum <= 0 or ref_sum <= 0:
        return None
    return ref_sum / own_sum
