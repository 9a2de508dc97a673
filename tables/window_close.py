"""Folding contributions into open windows, and closing windows.

Runs inside the `aggregate_windows` agent, i.e. inside stream iteration for one
partition of `platform-contributions`: that is what lets it write the tables (Faust
refuses table writes from timers) and keeps each platform's windows on one worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

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
from streamapp.metrics import ALERTS_FIRED, EVENTS_OUT
from streamapp.records import Alert, Contribution, WindowAggregate
from streamapp.records.raw import iso_utc
from streamapp.topic_set import PipelineTopics
from tables.definitions import PipelineTables

log = logging.getLogger(__name__)


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
    def __init__(
        self,
        tables: PipelineTables,
        topics: PipelineTopics,
        settings: Settings,
        clock: Callable[[], float],
    ) -> None:
        self.tables = tables
        self.topics = topics
        self.size = settings.pipeline.window_seconds
        self.lateness = settings.pipeline.allowed_lateness_seconds
        self.idle_after = settings.pipeline.idle_partition_seconds
        self.evidence_size = settings.alerts.evidence_size
        self.thresholds = thresholds_from(settings)
        self.clock = clock

    async def on_contribution(
        self, partition: int, offset: int, contribution: Contribution
    ) -> None:
        now = self.clock()
        watermark_key = f"p{partition}"
        watermark = Watermark.from_dict(self.tables.watermarks.get(watermark_key), self.idle_after)
        if contribution.tick_wall is None:
            self._add(partition, offset, contribution)
            # Contributions name the input lanes (raw partitions) their batch came from.
            lanes = contribution.sources or {"_": contribution.max_event_time}
            moved = [watermark.observe(lane, t, now) for lane, t in lanes.items()]
            if any(moved):
                self.tables.watermarks[watermark_key] = watermark.as_dict()
        await self.close_due(partition, watermark, now)

    def _add(self, partition: int, offset: int, contribution: Contribution) -> None:
        # A contribution redelivered after a crash or rebalance must not count twice.
        # Every check reads the value it protects, written in the same changelog
        # message as the counts (writes to two tables are not atomic: after a SIGKILL
        # one may survive without the other):
        # - an open window keeps the last offset folded into it;
        # - a platform's marks keep the last offset of its closed windows and of its
        #   late events, so a redelivery of what a closed window held is recognised.
        platform = contribution.platform
        marks = self._marks(platform)
        if marks["last_closed_start"] is not None and (
            contribution.window_start <= marks["last_closed_start"]
        ):
            if offset > marks.get("last_offset", -1):
                # Too late: its window has closed. Reported with the next window.
                marks["late_events"] += contribution.mentions + contribution.interest_count
                marks["last_offset"] = offset
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
            await self._close(window, "watermark" if by_events else "wall_clock", now)

    async def _close(self, window: Window, closed_by: str, now: float) -> None:
        platform, start = window["platform"], window["window_start"]
        marks = self._marks(platform)
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
            late_events=marks["late_events"],
            closed_by=closed_by,
            closed_at=iso_utc(now),
            **summarize(window),
        )
        await self.topics.windows.send(key=platform, value=record)
        EVENTS_OUT.labels(self.topics.windows.get_topic_name()).inc()
        state = self.tables.alert_state.get(platform) or new_state()
        state, alerts = evaluate_window(state, platform, window, self.size, self.thresholds)
        self.tables.alert_state[platform] = state
        for fields in alerts:
            alert = Alert(
                **{
                    **fields,
                    "window_start": iso_utc(fields["window_start"]),
                    "window_end": iso_utc(fields["window_end"]),
                },
                fired_at=iso_utc(now),
            )
            log.info("alert %s %s %s: %s", alert.status, alert.rule, platform, alert.message)
            await self.topics.alerts.send(key=platform, value=alert)
            EVENTS_OUT.labels(self.topics.alerts.get_topic_name()).inc()
            if alert.status == "firing":
                ALERTS_FIRED.labels(alert.rule).inc()
        self.tables.platform_marks[platform] = {
            **marks,
            "last_closed_start": start,
            "late_events": 0,
            "last_offset": max(marks.get("last_offset", -1), window["last_offset"]),
        }
        del self.tables.windows[window_key(platform, start)]


def tick(now: float) -> Contribution:
    """A data-free contribution that only moves the wall clock of a partition."""
    return Contribution(
        platform="",
        window_start=0.0,
        max_event_time=0.0,
        intent_counts={},
        switching_to={},
        switching_from={},
        evidence={},
        sources={},
        tick_wall=now,
    )


__all__ = ["WindowCloser", "thresholds_from", "tick"]
