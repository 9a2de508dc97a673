"""The title trends' tables and the closer of the per-platform trend windows.

- `title-play-lanes`, keyed `<viewing-events topic>:<partition>`: what each lane has
  counted (streamapp/analytics/trending/lanes.py). Written from micro-batches, so the key
  names its changelog partition (tables/source_offsets.py).
- `title-trend-windows`, keyed by platform: each open window's newest totals per lane, the
  last closed window (streamapp/analytics/trending/closing.py).
- `title-trend-watermarks`, keyed `p<partition>` of `title-plays`: the lanes' event time.

The closer runs inside the `trend_titles` agent, one `title-plays` message at a time, so
its table writes go to that message's partition, where the platform's windows live.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import faust

from streamapp.analytics.trending import closing
from streamapp.analytics.windows import window_key
from streamapp.config import Settings
from streamapp.metrics import EVENTS_OUT, TITLE_PLAYS_LATE
from streamapp.records.raw import iso_utc
from streamapp.records.trends import TitlePlays, TitleTrends
from tables.partition_watermarks import PartitionWatermarks
from tables.source_offsets import define_partition_keyed


@dataclass(frozen=True)
class TrendTables:
    lanes: faust.Table
    windows: faust.Table
    watermarks: faust.Table


def define_trend_tables(app: faust.App, partitions: int) -> TrendTables:
    def table(name: str, help_text: str) -> faust.Table:
        return app.Table(name, default=None, key_type=str, partitions=partitions, help=help_text)

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
        now = self.clock()
        watermark, changed = self.watermarks.load(partition, now)
        if record.tick_wall is None and record.platform and record.lane:
            self._fold(partition, record)
        moved = [watermark.observe(lane, t, now) for lane, t in (record.progress or {}).items()]
        if changed or any(moved):
            self.watermarks.save(partition, watermark)
        await self.close_due(partition, watermark.effective(now), now)

    def _fold(self, partition: int, record: TitlePlays) -> None:
        platform = record.platform
        state = self.tables.windows.get(platform) or closing.new_platform(partition)
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
            self.tables.windows[platform] = state

    async def close_due(self, partition: int, effective: float | None, now: float) -> None:
        mine = [
            (platform, state)
            for platform, state in list(self.tables.windows.items())
            if state and state["partition"] == partition
        ]
        for platform, state in mine:
            starts = closing.due(state, effective, self.size, self.lateness)
            for start in starts:
                fields = closing.close(state, start, self.size, self.top, self.min_rising)
                # Sent before the state is written: a crash in between sends the window
                # again (subscribers upsert on window_id), never loses it.
                await self.topic.send(
                    key=platform, value=self._record(platform, start, fields, now)
                )
                EVENTS_OUT.labels(self.topic.get_topic_name()).inc()
            if starts:
                self.tables.windows[platform] = state

    def _record(self, platform: str, start: float, fields: dict, now: float) -> TitleTrends:
        return TitleTrends(
            window_id=window_key(platform, start),
            platform=platform,
            window_start=iso_utc(start),
            window_end=iso_utc(start + self.size),
            closed_at=iso_utc(now),
            **fields,
        )
