"""Folding contributions into open windows, closing windows, and revising closed ones.

Runs inside the `aggregate_windows` agent, i.e. inside stream iteration for one
partition of `platform-contributions`: that is what lets it write the tables (Faust
refuses table writes from timers) and keeps each platform's windows on one worker.

A window lives in the `windows` table from its first partial until it can no longer be
revised: it *closes* (first sent, the post rules judge it) when the post lanes pass it;
it stays, flagged `closed`, to take in late partials as revisions; its interest is
*final* (the interest rules judge it) when the interest lanes pass it; it leaves the table
once both bounds are behind it (streamapp/analytics/watermark.py, docs/windows-and-alerts.md).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from streamapp.analytics import viewer_gauge
from streamapp.analytics.watermark import ClosePoints, Watermark, close_points
from streamapp.analytics.windows import (
    Window,
    due_windows,
    empty_partial,
    merge_partial,
    window_key,
)
from streamapp.config import Settings
from streamapp.observability.metrics import EVENTS_OUT
from streamapp.records import Contribution
from streamapp.runtime.topic_set import PipelineTopics
from streamapp.tables.definitions import PipelineTables
from streamapp.tables.partition_watermarks import PartitionWatermarks
from streamapp.tables.window_judge import WindowJudge, thresholds_from
from streamapp.tables.window_records import tick, viewers_report, window_record


class WindowCloser:
    """`lanes`: every input lane ("topic:partition") the windows depend on, expected from
    the start (see `Watermark`); a function is asked again on every contribution, so lanes
    learnt from the cluster's metadata after the app was built count too. `generation`:
    the consumer generation, so that a worker that has just been given a partition counts
    idleness from then, not from the lanes' last move under a previous owner (or before a
    restart). `interest_topics`: the raw topics whose lanes carry search interest (hours
    late by nature: they hold the interest close, not the first close)."""

    def __init__(
        self,
        tables: PipelineTables,
        topics: PipelineTopics,
        settings: Settings,
        clock: Callable[[], float],
        lanes: Sequence[str] | Callable[[], Sequence[str]] = (),
        generation: Callable[[], int] | None = None,
        interest_topics: Collection[str] = (),
    ) -> None:
        self.tables = tables
        self.topics = topics
        self.size = settings.pipeline.window_seconds
        self.lateness = settings.pipeline.allowed_lateness_seconds
        self.interest_lateness = settings.pipeline.interest_lateness_seconds
        self.evidence_size = settings.alerts.evidence_size
        self.thresholds = thresholds_from(settings)
        self.judge = WindowJudge(tables, topics, self.size, self.thresholds)
        self.clock = clock
        fixed = () if callable(lanes) else tuple(lanes)
        self.lanes: Callable[[], Sequence[str]] = lanes if callable(lanes) else (lambda: fixed)
        self.interest_topics = frozenset(interest_topics)
        # `self.lanes` read at each message: tests (and callers) may replace it later.
        self.watermarks = PartitionWatermarks(
            tables.watermarks, settings.pipeline, lambda: self.lanes(), generation or (lambda: 0)
        )

    def _is_interest(self, lane: str) -> bool:
        return lane.rsplit(":", 1)[0] in self.interest_topics

    def _points(self, watermark: Watermark, now: float) -> ClosePoints:
        return close_points(watermark, now, self._is_interest, self.interest_lateness)

    async def on_contribution(
        self, partition: int, offset: int, contribution: Contribution
    ) -> None:
        if contribution.viewers is not None:
            self._viewers(contribution)  # a gauge: no lane, no counts, no offsets
            return
        now = self.clock()
        stored = self.watermarks.stored(partition)
        watermark, changed = self.watermarks.load(partition, now)
        if contribution.tick_wall is None:
            await self._add(partition, offset, contribution, watermark, stored, now)
            # Contributions name the input lanes (raw partitions) their batch came from
            # (none while those are held at a gap); only very old ones name none at all.
            lanes = contribution.sources
            if not lanes and contribution.offsets is None:
                lanes = {"_": contribution.max_event_time}
        else:
            lanes = contribution.sources or {}  # a worker's progress report, or a bare tick
        moved = [watermark.observe(lane, t, now) for lane, t in lanes.items()]
        points = self._points(watermark, now)
        # The interest close only moves forward (an idle Trends lane's floor can be more
        # than its next point): a window it passed once has its final interest, even one
        # that never opened (a trend point for it is then late).
        final = stored.get("interest_final")
        if points.interest is not None and (final is None or points.interest > final):
            final, changed = points.interest, True
        if changed or any(moved):
            self.watermarks.save(partition, watermark, interest_final=final)
        await self.close_due(partition, watermark, now, ClosePoints(points.first, final))

    async def _add(
        self,
        partition: int,
        offset: int,
        contribution: Contribution,
        watermark: Watermark,
        stored: dict[str, Any],
        now: float,
    ) -> None:
        # A contribution redelivered after a crash or rebalance must not count twice.
        # Every check reads the value it protects, written in the same changelog
        # message as the counts (writes to two tables are not atomic: after a SIGKILL
        # one may survive without the other):
        # - a window, open or closed and kept for revisions, keeps the last offset
        #   folded into it;
        # - a platform's marks keep the last offset of its closed windows and of its
        #   late events, so a redelivery of what a closed window held is recognised.
        platform = contribution.platform
        marks = self._marks(platform)
        key = window_key(platform, contribution.window_start)
        if marks["last_closed_start"] is not None and (
            contribution.window_start <= marks["last_closed_start"]
        ):
            if offset <= marks.get("last_offset", -1):
                return  # a redelivery of what a closed window (or revision) already holds
            marks["last_offset"] = offset
            kept = self._revisable(contribution, partition, watermark, stored, now)
            if kept is not None:
                merge_partial(kept, contribution.asdict(), self.evidence_size)
                kept["last_offset"] = offset
                kept["revision"] = kept.get("revision", -1) + 1  # -1: never sent before
                self.tables.windows[key] = kept
                self.tables.platform_marks[platform] = marks
                await self._send_window(kept, "revision", now)
                return
            # Too late: left out of its window, reported with the platform's next window.
            marks["late_events"] += contribution.mentions + contribution.interest_count
            self.tables.platform_marks[platform] = marks
            return
        window = self.tables.windows.get(key)
        if window is None:
            window = {
                **empty_partial(platform, contribution.window_start),
                "partition": partition,
                "last_offset": -1,
            }
        if offset > window["last_offset"]:
            merge_partial(window, contribution.asdict(), self.evidence_size)
            window["last_offset"] = offset
            self.tables.windows[key] = window

    def _revisable(
        self,
        contribution: Contribution,
        partition: int,
        watermark: Watermark,
        stored: dict[str, Any],
        now: float,
    ) -> Window | None:
        """The closed window a late partial revises, or None (it is too late).

        Only a partial none of whose lanes had passed the window's close point itself
        (late because other lanes, or an idle lane's projection, closed the window), and:
        - posts: while the first close point is within one more allowed lateness;
        - search interest: until the window's interest is final. A trend point for a window
          that never opened (no posts in it) opens it then, closed: the same window, with
          the same counts, as when the point came before its neighbours closed."""
        if not self._lanes_on_time(contribution, watermark):
            return None
        key = window_key(contribution.platform, contribution.window_start)
        kept = self.tables.windows.get(key)
        if contribution.mentions or not contribution.interest_count:
            first = self._points(watermark, now).first
            if kept is None or (first is not None and first >= self._kept_until(kept)):
                return None
            return kept
        if kept is not None:
            return None if kept.get("interest_final") else kept
        final = stored.get("interest_final")
        if final is not None and final >= contribution.window_start + self.size + self.lateness:
            return None
        return {
            **empty_partial(contribution.platform, contribution.window_start),
            "partition": partition,
            "last_offset": -1,
            "closed": True,
        }

    def _viewers(self, contribution: Contribution) -> None:
        platform = contribution.platform
        marks = self._marks(platform)
        marks["viewers"] = viewer_gauge.fold(marks.get("viewers"), contribution.viewers or {})
        self.tables.platform_marks[platform] = marks

    def _lanes_on_time(self, contribution: Contribution, watermark: Watermark) -> bool:
        """Had none of the lanes folded into this late partial passed its window's close
        point itself? Then it is late because of the others, not out of order."""
        lanes = contribution.offsets or contribution.sources or {"_": 0.0}
        due = contribution.window_start + self.size + self.lateness
        for lane in lanes:
            seen = watermark.lanes.get(lane, {}).get("event_time")
            if seen is not None and seen >= due:
                return False
        return True

    def _kept_until(self, window: Window) -> float:
        """The first close point up to which a closed window takes late posts."""
        return float(window["window_start"]) + self.size + 2 * self.lateness

    def _marks(self, platform: str) -> dict[str, Any]:
        return self.tables.platform_marks.get(platform) or {
            "last_closed_start": None,
            "late_events": 0,
        }

    async def close_due(
        self, partition: int, watermark: Watermark, now: float, points: ClosePoints
    ) -> None:
        mine = [w for w in self.tables.windows.values() if w["partition"] == partition]
        first = points.first
        # Closed on the lanes' events, or on the wall clock (an idle lane's projection):
        # the post lanes' events, the Trends lanes' only where there are no posts.
        reached = watermark.only(lambda lane: not self._is_interest(lane)).event_time
        reached = watermark.event_time if reached is None else reached
        for window in due_windows(
            [w for w in mine if not w.get("closed")], first, self.size, self.lateness
        ):
            by_events = reached is not None and reached >= (
                window["window_start"] + self.size + self.lateness
            )
            await self._close(window, "watermark" if by_events else "wall_clock", now)
        closed = [w for w in mine if w.get("closed")]  # those just closed too (same dicts)
        waiting = [w for w in closed if not w.get("interest_final")]
        for window in due_windows(waiting, points.interest, self.size, self.lateness):
            window["interest_final"] = True
            self.tables.windows[window_key(window["platform"], window["window_start"])] = window
            await self.judge.on_final_interest(window, now)
        for window in closed:
            # Kept while late posts may still revise it and until its interest is final.
            if (
                window.get("interest_final")
                and first is not None
                and first >= self._kept_until(window)
            ):
                del self.tables.windows[window_key(window["platform"], window["window_start"])]

    async def _send_window(self, window: Window, closed_by: str, now: float) -> None:
        record = window_record(window, self.size, closed_by, now)
        await self.topics.windows.send(key=record.platform, value=record)
        EVENTS_OUT.labels(self.topics.windows.get_topic_name()).inc()

    async def _close(self, window: Window, closed_by: str, now: float) -> None:
        platform, start = window["platform"], window["window_start"]
        marks = self._marks(platform)
        if window["mentions"]:
            # The late events reported with this window stay on its revisions too
            # (subscribers upsert on window_id), so mentions + late_events still add up.
            # A window with only search interest takes neither these nor the viewers'
            # gauge: it may as well first be sent by a late trend point (see _revisable).
            window["late_events"] = marks["late_events"]
            marks["late_events"] = 0
            # The viewers' gauge as of now: the last daily tick reported for the platform.
            window.update(viewer_gauge.window_fields(marks.get("viewers")))
        window["revision"] = 0
        self.judge.keep_terms(window)  # its record carries them (forecast_breach's explanation)
        await self._send_window(window, closed_by, now)
        await self.judge.at_close(window, now)
        window["closed"] = True
        self.tables.windows[window_key(platform, start)] = window
        marks.pop("recent", None)  # where closed windows were kept before
        self.tables.platform_marks[platform] = {
            **marks,
            "last_closed_start": start,
            "last_offset": max(marks.get("last_offset", -1), window["last_offset"]),
        }


__all__ = ["WindowCloser", "thresholds_from", "tick", "viewers_report"]
