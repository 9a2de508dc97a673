"""The title trends' tables and the closer of the per-platform trend windows.

- `title-play-lanes`, keyed `<viewing-events topic>:<partition>`: what each lane has
  counted (streamapp/analytics/trending/lanes.py). Written from micro-batches, so the key
  names its changelog partition (streamapp/delivery/source_offsets.py).
- `title-trend-windows`, keyed by platform: each open window's newest totals per lane, the
  last closed window (streamapp/analytics/trending/closing.py).
- `title-trend-watermarks`, keyed `p<partition>` of `title-plays`: the lanes' event time.

The closer runs inside the `trend_titles` agent, on micro-batches of `title-plays`
messages handled in order as if one at a time; it writes each changed platform and
watermark once per batch, to the changelog partition of the `title-plays` partition the
platform lives on (a RoutedTable: a batch mixes partitions).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import faust

from streamapp.analytics.trending import closing
from streamapp.analytics.watermark import Watermark
from streamapp.analytics.windows import window_key
from streamapp.config import Settings
from streamapp.delivery.source_offsets import define_partition_keyed
from streamapp.observability.metrics import EVENTS_OUT, TITLE_PLAYS_LATE
from streamapp.records.raw import iso_utc
from streamapp.records.trends import TitlePlays, TitleTrends
from streamapp.tables.partition_watermarks import PartitionWatermarks
from streamapp.tables.routed_table import RoutedTable

# Messages handled between two turns of the event loop: a batch of title-plays takes
# tens of milliseconds of CPU, which GET /recommendations would otherwise wait behind.
YIELD_EVERY = 20


@dataclass(frozen=True)
class TrendTables:
    lanes: faust.Table
    windows: RoutedTable
    watermarks: RoutedTable


def define_trend_tables(app: faust.App, partitions: int) -> TrendTables:
    def table(name: str, help_text: str) -> RoutedTable:
        # Routed: written once per batch of title-plays messages (TrendCloser.on_batch).
        made = RoutedTable(
            app, name=name, default=None, key_type=str, partitions=partitions, help=help_text
        )
        return app.tables.add(made)

    return TrendTables(
        lanes=define_partition_keyed(
            app, "title-play-lanes", partitions, "plays counted per viewing-events partition"
        ),
        windows=table("title-trend-windows", "open title-trend windows per platform"),
        watermarks=table("title-trend-watermarks", "event time per title-plays partition"),
    )


class TrendCloser:
    """`lanes`: every viewing-events partition, expected from the start (a lane that has
    sent nothing holds the windows, as in `Watermark`). `generation`: the consumer
    generation, so idleness counts from when this worker could first read a partition."""

    def __init__(
        self,
        tables: TrendTables,
        topic: faust.TopicT,
        settings: Settings,
        clock: Callable[[], float],
        lanes: Callable[[], Sequence[str]],
        generation: Callable[[], int],
    ) -> None:
        self.tables = tables
        self.topic = topic
        p = settings.pipeline
        self.size, self.lateness = p.window_seconds, p.allowed_lateness_seconds
        self.top = settings.title_trends.top
        self.min_rising = settings.title_trends.min_rising_plays
        self.clock = clock
        self.watermarks = PartitionWatermarks(tables.watermarks, p, lanes, generation)

    async def on_message(self, partition: int, record: TitlePlays) -> None:
        await self.on_batch([(partition, record)])

    async def on_batch(self, messages: Sequence[tuple[int, TitlePlays]]) -> None:
        """(title-plays partition, record) in order, each handled as if alone; every
        changed platform and watermark is written once, at the end. (A write per message,
        a JSON dump of the platform's open windows, was a fifth of a busy worker's time
        and held its event loop, and so GET /recommendations, for a burst at a time.)"""
        now = self.clock()
        batch = _Batch(self.tables.windows)
        for i, (partition, record) in enumerate(messages):
            if i and not i % YIELD_EVERY:
                await asyncio.sleep(0)  # let the web server answer between slices
            watermark = batch.marks.get(partition)
            if watermark is None:
                watermark, changed = self.watermarks.load(partition, now)
                batch.marks[partition] = watermark
                if changed:
                    batch.moved.add(partition)
            if record.tick_wall is None and record.platform and record.lane:
                self._fold(batch, partition, record)
            moved = [watermark.observe(lane, t, now) for lane, t in (record.progress or {}).items()]
            if any(moved):
                batch.moved.add(partition)
            await self.close_due(batch, partition, watermark.effective(now), now)
        for platform, state in batch.changed.items():
            self.tables.windows.write(platform, state, state["partition"])
        for partition in batch.moved:
            self.watermarks.save(partition, batch.marks[partition])

    def _fold(self, batch: _Batch, partition: int, record: TitlePlays) -> None:
        platform = str(record.platform)
        state = batch.to_change(platform) or closing.new_platform(partition)
        state["partition"] = partition
        outcome = closing.fold_partial(
            state,
            str(record.lane),
            record.window_start,
            record.upto,
            record.titles,
            record.recommended,
        )
        if outcome == closing.LATE:
            TITLE_PLAYS_LATE.labels("window").inc(sum(record.titles.values()))
        elif outcome == closing.FOLDED:
            batch.changed[platform] = state

    async def close_due(
        self, batch: _Batch, partition: int, effective: float | None, now: float
    ) -> None:
        for platform, held in batch.states():
            if not held or held["partition"] != partition:
                continue
            starts = closing.due(held, effective, self.size, self.lateness)
            state = batch.to_change(platform) if starts else None
            if state is None:
                continue
            for start in starts:
                fields = closing.close(state, start, self.size, self.top, self.min_rising)
                # Sent before the state is written: a crash in between sends the window
                # again (subscribers upsert on window_id), never loses it.
                await self.topic.send(
                    key=platform, value=self._record(platform, start, fields, now)
                )
                EVENTS_OUT.labels(self.topic.get_topic_name()).inc()
            batch.changed[platform] = state

    def _record(self, platform: str, start: float, fields: dict, now: float) -> TitleTrends:
        return TitleTrends(
            window_id=window_key(platform, start),
            platform=platform,
            window_start=iso_utc(start),
            window_end=iso_utc(start + self.size),
            closed_at=iso_utc(now),
            **fields,
        )


class _Batch:
    """The platforms' states one batch changed (copies: the table's values change only
    when the batch is written, so a batch that failed half-way and is retried starts from
    what the table holds), and the watermarks it loaded and moved."""

    def __init__(self, windows: Mapping[str, Any]) -> None:
        self.windows = windows
        self.changed: dict[str, closing.PlatformState] = {}
        self.marks: dict[int, Watermark] = {}
        self.moved: set[int] = set()

    def to_change(self, platform: str) -> closing.PlatformState | None:
        state = self.changed.get(platform)
        if state is None:
            held = self.windows.get(platform)
            # As the changelog would restore it (a deep copy, at half deepcopy's cost).
            state = json.loads(json.dumps(held)) if held else None
        return state

    def states(self) -> list[tuple[str, Any]]:
        held = [(p, s) for p, s in list(self.windows.items()) if p not in self.changed]
        return held + list(self.changed.items())
