"""The worker's tables. Values are JSON dicts; every write goes to a changelog topic,
so a restarted or replacement worker recovers them before it processes anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import faust

from streamapp.config import Settings
from streamapp.delivery.source_offsets import define_partition_keyed, define_source_offsets
from streamapp.tables.viewer_state import define_viewer_state


@dataclass(frozen=True)
class PipelineTables:
    # "platform|window_start" -> open window aggregate (deleted when it closes)
    windows: faust.Table
    # "p<partition>" -> event-time watermark of a platform-contributions partition
    watermarks: faust.Table
    # platform -> {"last_closed_start", "late_events"}
    platform_marks: faust.Table
    # platform -> alert rule state (baseline history, firing/ok, cooldowns)
    alert_state: faust.Table
    # "topic:partition" -> highest raw offset whose contributions were delivered
    contributed: faust.Table
    # "account|platform" -> features; "__model__|<partition>" -> churn model (viewer_state.py)
    viewer_state: Any = None
    # "keyword:partition" (its streaming-trends partition) -> its latest search interest by
    # region (streamapp.analytics.regions);
    # None only in unit tests that do not look at regions
    region_latest: faust.Table | None = None


def define_tables(app: faust.App, settings: Settings) -> PipelineTables:
    partitions = settings.pipeline.partitions

    def table(name: str, help_text: str) -> faust.Table:
        return app.Table(
            name,
            default=None,
            key_type=str,
            partitions=partitions,
            help=help_text,
        )

    return PipelineTables(
        windows=table("window-state", "open event-time windows per platform"),
        watermarks=table("window-watermarks", "event-time watermark per partition"),
        platform_marks=table("platform-marks", "last closed window and late events"),
        alert_state=table("alert-state", "alert rule state per platform"),
        contributed=define_source_offsets(app, "contributed-offsets", partitions),
        viewer_state=define_viewer_state(app, partitions),
        region_latest=define_partition_keyed(
            app, "region-interest-latest", partitions, "latest interest by region per keyword"
        ),
    )
