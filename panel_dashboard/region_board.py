"""The newest `region-interest` snapshot per keyword, as the dashboard keeps it (pure).

The worker publishes a ranked snapshot of a keyword's search interest by region after each
fetch (STREAMAPP_TRENDS_REGIONS); a later record of the same fetch holds the earlier one's
regions too. Decoded here with the reason of a refusal, so a bad record is skipped and
logged by the feed, never a crash; memory is bounded by the keywords and regions kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from streamapp.panel_dashboard.records import _number, _object, _text, epoch

SCHEMA_VERSION = 1
MAX_REGIONS = 400  # per snapshot: Google has about 250 countries; more is not a fetch
MAX_KEYWORDS = 100  # the collector asks for about ten; a flood of keys stays bounded


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One keyword's regions from one fetch, highest interest first."""

    keyword: str
    platform: str | None  # None: a platform-less term ("free streaming", "cancel netflix")
    region_of: str  # the country the regions belong to, or "world"
    fetched: float  # the fetch's hour (epoch seconds)
    regions: tuple[tuple[str, float, int], ...]  # (geo, interest, rank)


def parse_snapshot(raw: bytes | str) -> Snapshot:
    """A `region-interest` record; a bad one raises ValueError with the reason."""
    value = _object(raw)
    version = value.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise ValueError(f"field 'schema_version' must be {SCHEMA_VERSION}, got {version!r}")
    platform = value.get("platform")
    if platform is not None and (not isinstance(platform, str) or not platform):
        raise ValueError(f"field 'platform' must be a platform id or null, got {platform!r}")
    rows = value.get("regions")
    if not isinstance(rows, list) or len(rows) > MAX_REGIONS:
        raise ValueError(f"field 'regions' must be a list of at most {MAX_REGIONS} objects")
    regions = []
    for row in rows:
        if not isinstance(row, dict):
            raise ValueError("each region must be an object")
        interest = _number(row, "interest")
        if not 0 <= interest <= 100:
            raise ValueError(f"a region's 'interest' must be 0-100, got {interest!r}")
        rank = row.get("rank")
        if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            raise ValueError(f"a region's 'rank' must be a whole number from 1, got {rank!r}")
        regions.append((_text(row, "geo"), interest, rank))
    regions.sort(key=lambda r: (-r[1], r[0]))  # as the worker ranks them, whatever came
    return Snapshot(
        keyword=_text(value, "keyword"),
        platform=platform,
        region_of=_text(value, "region_of"),
        fetched=epoch(value.get("timestamp")),
        regions=tuple(regions),
    )


@dataclass
class RegionBoard:
    """The newest snapshot per keyword (a later record of the same fetch holds the
    earlier one's regions too, so it replaces it; an older fetch is ignored)."""

    latest: dict[str, Snapshot] = field(default_factory=dict)
    version: int = 0

    def apply(self, snap: Snapshot) -> bool:
        current = self.latest.get(snap.keyword)
        if current is not None and snap.fetched < current.fetched:
            return False
        self.latest[snap.keyword] = snap
        if len(self.latest) > MAX_KEYWORDS:  # keep the most recently fetched keywords
            oldest = min(self.latest.values(), key=lambda s: s.fetched)
            del self.latest[oldest.keyword]
        self.version += 1
        return True

    def current(self) -> list[Snapshot]:
        """The snapshots of the newest fetch's `region_of`: after a settings change (US
        states -> countries) the old scope's keywords are not mixed into the new one."""
        if not self.latest:
            return []
        newest = max(self.latest.values(), key=lambda s: (s.fetched, s.keyword))
        return sorted(
            (s for s in self.latest.values() if s.region_of == newest.region_of),
            key=lambda s: s.keyword,
        )
