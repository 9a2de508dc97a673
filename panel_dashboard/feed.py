"""The dashboard's Kafka feed: one per process, shared by every browser session.

Each topic is followed by its own group-less aiokafka consumer (`group_id=None`): it
reads every partition, commits nothing and takes nothing from anyone, so any
number of dashboard replicas read independently and a worker restart is invisible to
them. On start each consumer seeks to the offsets of `history_s` ago (Kafka's timestamp
index), rebuilding the recent state, then follows live. A topic that does not exist yet
(`platform-forecasts` before the first forecast) is waited for, not created.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from streamapp import topics
from streamapp.panel_dashboard import records, region_board, regions, viewer_churn
from streamapp.panel_dashboard.lag import LagProbe
from streamapp.panel_dashboard.state import DashboardState

log = logging.getLogger(__name__)
MAX_RETRY_S = 30.0
FORECAST_HISTORY_S = 7 * 86400.0  # a forecast stays current until the next refit: look further
REGION_HISTORY_S = 7 * 86400.0  # a keyword's regions stay current until its next fetch


@dataclass(frozen=True)
class Stream:
    topic: str  # without the prefix
    parse: Callable[[bytes], Any]
    apply: Callable[[Any], None]
    history_s: float


@dataclass
class KafkaFeed:
    bootstrap: str
    state: DashboardState
    topic_prefix: str = ""
    worker_group: str | None = None  # the worker's consumer group (STREAMAPP_APP_ID)
    kafka_options: dict[str, Any] = field(default_factory=dict)
    lag_interval_s: float = 5.0
    retry_s: float = 2.0
    _tasks: list[asyncio.Task] = field(default_factory=list)
    _warned: dict[str, float] = field(default_factory=dict)

    def streams(self) -> list[Stream]:
        s, h = self.state, self.state.history_s
        return [
            Stream(topics.DISCUSSION_SIGNALS, records.parse_signal, s.apply_signal, h),
            Stream(topics.STREAMING_TRENDS, records.parse_interest, s.apply_interest, h),
            Stream(topics.PLATFORM_WINDOWS, records.parse_window, s.apply_window, h),
            Stream(topics.STREAMING_ALERTS, records.parse_alert, s.apply_alert, h),
            Stream(topics.TITLE_TRENDS, records.parse_title_trends, s.apply_title_trends, h),
            Stream(
                topics.SUBSCRIPTION_EVENTS,
                viewer_churn.parse_change,
                viewer_churn.change_applier(s),
                h,
            ),
            Stream(
                topics.PLATFORM_FORECASTS,
                records.parse_forecast,
                s.apply_forecast,
                FORECAST_HISTORY_S,
            ),
            Stream(
                topics.REGION_INTEREST,
                region_board.parse_snapshot,
                regions.applier(s),
                REGION_HISTORY_S,
            ),
        ]

    def start(self) -> None:
        """Start following (call from the server's running event loop)."""
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._follow(stream)) for stream in self.streams()]
        if self.worker_group:
            self._tasks.append(loop.create_task(self._poll_lag()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    def _consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            # Only used if a position is lost (retention): re-reading beats skipping.
            auto_offset_reset="earliest",
            client_id="streamapp-dashboard",
            **self.kafka_options,
        )

    async def _follow(self, stream: Stream) -> None:
        """Follow one topic for ever; after a connection failure resume where it was."""
        name = self.topic_prefix + stream.topic
        positions: dict[TopicPartition, int] = {}
        delay = self.retry_s
        while True:
            consumer = self._consumer()
            try:
                await consumer.start()
                parts = await self._partitions(consumer, name)
                await self._seek(consumer, parts, positions, stream.history_s)
                log.info("dashboard feed: following %s (%d partitions)", name, len(parts))
                delay = self.retry_s
                while True:
                    batches = await consumer.getmany(timeout_ms=100, max_records=5000)
                    for tp, batch in batches.items():
                        for record in batch:
                            self._apply(stream, record.value, name)
                        positions[tp] = batch[-1].offset + 1
            except KafkaError as exc:
                log.warning("dashboard feed: %s: %s; retrying in %.0f s", name, exc, delay)
            finally:
                with contextlib.suppress(Exception):
                    await consumer.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_S)  # a broker that is down: ever fewer lines

    def _apply(self, stream: Stream, value: bytes | None, name: str) -> None:
        try:
            stream.apply(stream.parse(value or b""))
        except (ValueError, KeyError, TypeError) as exc:
            self.state.rejected += 1
            now = time.monotonic()
            if now - self._warned.get(name, 0.0) > 60:  # one line a minute per topic, not a flood
                self._warned[name] = now
                log.warning("dashboard feed: skipped a message on %s: %s", name, exc)

    async def _partitions(self, consumer: AIOKafkaConsumer, name: str) -> list[TopicPartition]:
        """All of the topic's partitions, once it exists (asking never auto-creates it).

        Subscribing without a group makes aiokafka assign us every partition itself."""
        while name not in await consumer.topics():
            await asyncio.sleep(self.retry_s)
        consumer.subscribe([name])
        while not consumer.assignment():
            await asyncio.sleep(0.05)
        return sorted(consumer.assignment())

    async def _seek(
        self,
        consumer: AIOKafkaConsumer,
        parts: list[TopicPartition],
        positions: dict[TopicPartition, int],
        history_s: float,
    ) -> None:
        since_ms = int((time.time() - history_s) * 1000)
        fresh = [tp for tp in parts if tp not in positions]
        # The ends first, as numbers: `seek_to_end` resolves lazily, and on a busy machine
        # it can resolve after new messages arrived, skipping them.
        ends = await consumer.end_offsets(fresh) if fresh else {}
        found = await consumer.offsets_for_times({tp: since_ms for tp in fresh}) if fresh else {}
        for tp in parts:
            if tp in positions:
                consumer.seek(tp, positions[tp])
            elif found.get(tp) is not None:
                consumer.seek(tp, found[tp].offset)
            else:  # nothing that recent: only what comes next
                consumer.seek(tp, ends[tp])

    async def _poll_lag(self) -> None:
        assert self.worker_group is not None
        probe = LagProbe(self.bootstrap, self.worker_group, self.topic_prefix, self.kafka_options)
        started = False
        try:
            while True:
                try:
                    if not started:
                        await probe.start()
                        started = True
                    self.state.set_worker_lag(await probe.measure())
                except KafkaError as exc:
                    log.debug("dashboard feed: worker lag unavailable: %s", exc)
                    self.state.set_worker_lag(None)
                await asyncio.sleep(self.lag_interval_s)
        finally:
            if started:
                with contextlib.suppress(Exception):
                    await probe.stop()
