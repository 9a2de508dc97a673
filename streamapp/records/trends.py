"""Title trends: the plays of each title per platform and window (docs/viewers.md#trending).

`TitlePlays` is internal (`title-plays`, keyed by platform): what one `viewing-events`
partition has counted so far for one (platform, window), sent whole after each batch
that changed it, so a copy delivered twice or out of order replaces instead of adding.
`TitleTrends` is the closed window (`title-trends`, keyed by platform).
"""

from __future__ import annotations

from typing import Any

import faust

from streamapp.records.derived import DERIVED_SCHEMA_VERSION


class TitlePlays(faust.Record, serializer="json", include_metadata=False):
    """One lane's running counts of one (platform, window); with `tick_wall` set a
    data-free tick that carries only `progress` (and moves the wall clock)."""

    platform: str  # "" on a tick
    window_start: float  # epoch seconds
    # Dict fields have no defaults: faust.Record would share one dict between instances.
    titles: dict[str, int]  # title id -> plays on this lane in this window so far
    # lane ("<topic>:<partition>") -> the newest play's event time it has delivered
    progress: dict[str, float]
    lane: str | None = None  # the viewing-events partition these counts come from
    upto: int = -1  # the lane's highest offset folded into these counts
    recommended: int = 0  # of those plays, the ones with source "recommendation"
    tick_wall: float | None = None
    schema_version: int = DERIVED_SCHEMA_VERSION


class TitleTrends(faust.Record, serializer="json", include_metadata=False):
    """A closed window of one platform's plays (`title-trends`, keyed by platform).

    At least once: a worker that dies between sending a window and recording it sends
    it again after the restart; subscribers upsert on `window_id`."""

    window_id: str  # "<platform>|<window_start epoch seconds>"
    platform: str
    window_start: str  # ISO-8601, UTC
    window_end: str
    plays: int  # every play with a title, all titles
    recommended_plays: int  # plays whose source was "recommendation"
    titles: int  # distinct titles played
    top: list[dict[str, Any]]  # [{title_id, plays}], most played first
    # [{title_id, plays, previous_plays, growth}], fastest rising first
    rising: list[dict[str, Any]]
    closed_at: str  # wall clock, ISO-8601
    schema_version: int = DERIVED_SCHEMA_VERSION
