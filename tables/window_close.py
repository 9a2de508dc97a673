"""Folding contributions into open windows, and closing windows.

Runs inside the `aggregate_windows` agent, i.e. inside stream iteration for one
partition of `platform-contributions`: that is what lets it write the tables (Faust
refuses table writes from timers) and keeps each platform's windows on one worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from streamapp.analytics import explain, viewer_gauge
from streamapp.analytics.alert_rules import Thresholds, evaluate_window, new_state
from streamapp.analytics.windows import (
    Watermark,
    Window,
    due_windows,
    empty_partial,
    merge_partial,
    summarize,
    window_key,
)
from streamapp.config import Settings
from streamapp.metrics import EVENTS_OUT
from streamapp.records import Contribution, WindowAggregate
from streamapp.records.raw import iso_utc
from streamapp.topic_set import PipelineTopics
from tables.alerts import publish_alert
from tables.definitions import PipelineTables
from tables.partition_watermarks import PartitionWatermarks


def thresholds_from(settings: Settings) -> Thresholds:
    a = settings.alerts
    return Thresholds(
        fire_score=a.fire_score,
        resolve_score=a.resolve_score,
        min_count=a.min_count,
        min_baseline_windows=a.min_baseline_windows,
        cooldown_windows=a.cooldown_windows,
        min_sentiment_posts=a.min_sentiment_posts,
        min_interest_rise=a.min_interest_rise,
        baseline_windows=settings.pipeline.baseline_windows,
    )


class WindowCloser:
    """`lanes`: every input lane ("topic:partition") the windows depend on, expected from
    the start (see `Watermark`); a function is asked again on every contribution, so lanes
    learnt from the cluster's metadata after the app was built count too. `generation`: the consumer generation, so that a worker
    that has just been given a partition counts idleness from then, not from the lanes'
    last move under a previous owner (or before a restart)."""

    def __init__(
        self,
        tables: PipelineTables,
        topics: PipelineTopics,
        settings: Settings,
        clock: Callable[[], float],
        lanes: Sequence[str] | Callable[[], Sequence[str]] = (),
        generation: Callable[[], int] | None = None,
    ) -> None:
        self.tables = tables
        self.topics = topics
        self.size = settings.pipeline.window_seconds
        self.lateness = settings.pipeline.allowed_lateness_seconds
        self.evidence_size = settings.alerts.evidence_size
        self.thresholds = thresholds_from(settings)
        self.clock = clock
        fixed = () if callable(lanes) else tuple(lanes)
        self.lanes: Callable[[], Sequence[str]] = lanes if callable(lanes) else (lambda: fixed)
        self.watermarks = PartitionWatermarks(
            tables.watermarks, settings.pipeline, self.lanes, generation or (lambda: 0)
        )

    async def on_contribution(
        self, partition: int, offset: int, contribution: Contribution
    ) -> None:
        if contribution.viewers is not None:
            self._viewers(contribution)  # a gauge: no lane, no counts, no offsets
            return
        now = self.clock()
        watermark, changed = self.watermarks.load(partition, now)
        if contribution.tick_wall is None:
            await self._add(partition, offset, contribution, watermark, now)
            # Contributions name the input lanes (raw partitions) their batch came from
            # (none while those are held at a gap); only very old ones name none at all.
            lanes = contribution.sources
            if not lanes and contribution.offsets is None:
                lanes = {"_": contribution.max_event_time}
        else:
            lanes = contribution.sources or {}  # a worker's progress report, or a bare tick
        moved = [watermark.observe(lane, t, now) for lane, t in lanes.items()]
        if changed or any(moved):
            self.watermarks.save(partition, watermark)
        await self.close_due(partition, watermark, now)

    async def _add(
        self,
        partition: int,
        offset: int,
        contribution: Contribution,
        watermark: Watermark,
        now: float,
    ) -> None:
        # A contribution redelivered after a crash or rebalance must not count twice.
        # Every check reads the value it protects, written in the same changelog
        # message as the counts (writes to two tables are not atomic: after a SIGKILL
        # one may survive without the other):
        # - an open window, and a closed one kept for revisions, keep the last offset
        #   folded into them;
        # - a platform's marks keep the last offset of its closed windows and of its
        #   late events, so a redelivery of what a closed window held is recognised.
        platform = contribution.platform
        marks = self._marks(platform)
        if marks["last_closed_start"] is not None and (
            contribution.window_start <= marks["last_closed_start"]
        ):
            if offset <= marks.get("last_offset", -1):
                return  # a redelivery of what a closed window (or revision) already holds
            marks["last_offset"] = offset
            recent = (marks.get("recent") or {}).get(f"{contribution.window_start:.3f}")
            effective = watermark.effective(now)
            if (
                recent is not None
                and (effective is None or effective < self._kept_until(recent))
                and self._lanes_on_time(contribution, watermark)
            ):
                # Late only because other lanes (or an idle lane's projection) closed its
                # window: within the allowed lateness, sent again corrected.
                merge_partial(recent, contribution.asdict(), self.evidence_size)
                recent["last_offset"] = offset
                recent["revision"] += 1
                self.tables.platform_marks[platform] = marks
                await self._send_window(recent, "revision", now)
                return
            # Too late: left out of its window, reported with the platform's next window.
            marks["late_events"] += contribution.mentions + contribution.interest_count
            self.tables.platform_marks[platform] = marks
            return
        key = window_key(platform, contribution.window_start)
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
        """The watermark up to which a closed window takes revisions."""
        return float(window["window_start"]) + self.size + 2 * self.lateness

    def _marks(self, platform: str) -> dict[str, Any]:
        return self.tables.platform_marks.get(platform) or {
            "last_closed_start": None,
            "late_events": 0,
        }

    async def close_due(self, partition: int, watermark: Watermark, now: float) -> None:
        effective = watermark.effective(now)
        mine = [w for w in self.tables.windows.values() if w["partition"] == partition]
        for window in due_windows(mine, effective, self.size, self.lateness):
            by_events = watermark.event_time is not None and watermark.event_time >= (
                window["window_start"] + self.size + self.lateness
            )
            await self._close(window, "watermark" if by_events else "wall_clock", effective, now)

    async def _send_window(self, window: Window, closed_by: str, now: float) -> None:
        platform, start = window["platform"], window["window_start"]
        record = WindowAggregate(
            window_id=window_key(platform, start),
            platform=platform,
            window_start=iso_utc(start),
            window_end=iso_utc(start + self.size),
            mentions=window["mentions"],
            intent_counts=window["intent_counts"],
            sentiment_sum=round(window["sentiment_sum"], 6),
            sentiment_count=window["sentiment_count"],
            interest_sum=window["interest_sum"],
            interest_count=window["interest_count"],
            switching_to=window["switching_to"],
            switching_from=window["switching_from"],
            late_events=window.get("late_events", 0),
            closed_by=closed_by,
            closed_at=iso_utc(now),
            revision=window.get("revision", 0),
            accounts_active=window.get("accounts_active"),
            accounts_at_risk=window.get("accounts_at_risk"),
            expected_cancellations=window.get("expected_cancellations"),
            **summarize(window),
        )
        await self.topics.windows.send(key=platform, value=record)
        EVENTS_OUT.labels(self.topics.windows.get_topic_name()).inc()

    async def _close(
        self, window: Window, closed_by: str, effective: float | None, now: float
    ) -> None:
        platform, start = window["platform"], window["window_start"]
        marks = self._marks(platform)
        # The late events reported with this window stay on its revisions too (subscribers
        # upsert on window_id), so mentions + late_events still add up.
        window["late_events"] = marks["late_events"]
        # The viewers' gauge as of now: the last daily tick reported for the platform.
        window.update(viewer_gauge.window_fields(marks.get("viewers")))
        await self._send_window(window, closed_by, now)
        state = self.tables.alert_state.get(platform) or new_state()
        state, alerts = evaluate_window(state, platform, window, self.size, self.thresholds)
        alerts = explain.explain_alerts(state, alerts, window, self.size, self.thresholds)
        self.tables.alert_state[platform] = state
        for fields in alerts:
            await publish_alert(self.topics, fields, now)
        # Kept for revisions while the watermark is within one more allowed lateness.
        recent = {
            at: w
            for at, w in (marks.get("recent") or {}).items()
            if effective is None or self._kept_until(w) > effective
        }
        if effective is None or self._kept_until(window) > effective:
            recent[f"{start:.3f}"] = {**window, "revision": 0}
        self.tables.platform_marks[platform] = {
            **marks,
            "last_closed_start": start,
            "late_events": 0,
            "last_offset": max(marks.get("last_offset", -1), window["last_offset"]),
            "recent": recent,
        }
        del self.tables.windows[window_key(platform, start)]


def _data_free(platform: str = "", **fields: Any) -> Contribution:
    return Contribution(
        platform=platform,
        window_start=0.0,
        max_event_time=0.0,
        intent_counts={},
        switching_to={},
        switching_from={},
        evidence={},
        **{"sources": {}, **fields},
    )


def tick(now: float, sources: dict[str, float] | None = None) -> Contribution:
    """A data-free contribution that only moves the wall clock of a partition, or with
    `sources` a worker's report of how far its input lanes' delivered events reach."""
    return _data_free(sources=dict(sources or {}), tick_wall=now)


def viewers_report(platform: str, partition: int, row: list[float]) -> Contribution:
    """A viewing partition's gauge of one platform at a daily tick: [day, active,
    at_risk, expected_cancellations] (streamapp/analytics/viewer_gauge.py)."""
    return _data_free(platform, viewers={str(partition): list(row)})


__all__ = ["WindowCloser", "thresholds_from", "tick", "viewers_report"]
