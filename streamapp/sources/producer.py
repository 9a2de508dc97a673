"""Run the simulator in real time onto Kafka.

The producer is behind a small Protocol (`EventProducer`) so tests pass an in-memory
fake; the default is aiokafka's `AIOKafkaProducer`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from streamapp import topics
from streamapp.runtime.unreachable import start_client
from streamapp.sources.sim_events import SimEvent
from streamapp.sources.simulator import Simulator

log = logging.getLogger(__name__)

SLICE_S = 0.1  # how much simulated (= wall) time each produce round covers
PROGRESS_EVERY_S = 10.0


class EventProducer(Protocol):
    """What we need from a Kafka producer (aiokafka's AIOKafkaProducer fits)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def flush(self) -> None: ...

    # Returns once the message is queued; the awaitable it returns resolves on delivery.
    async def send(
        self, topic: str, value: bytes | None = None, key: bytes | None = None
    ) -> Awaitable[Any]: ...


ProducerFactory = Callable[[str], EventProducer]


def kafka_producer(bootstrap: str) -> EventProducer:
    """The real producer: small linger for latency, acks from all replicas."""
    from aiokafka import AIOKafkaProducer

    from streamapp.kafka.security import client_options

    producer: EventProducer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="streamapp-source",
        linger_ms=5,
        acks="all",
        enable_idempotence=False,
        **client_options(),  # KAFKA_SECURITY_PROTOCOL etc., as the worker connects
    )
    return producer


def encode_value(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


async def deliver(pending: list[Awaitable[Any]]) -> None:
    """Wait for queued sends; a delivery error is raised here rather than lost."""
    if pending:
        await asyncio.gather(*pending)
        pending.clear()


class _Progress:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.posts = self.trends = self.viewing = self.titles = 0
        self._last_at = clock()
        self._last_posts = 0

    def count(self, event: SimEvent) -> None:
        if event.topic == topics.REDDIT_DISCUSSIONS:
            self.posts += 1
        elif event.topic == topics.VIEWING_EVENTS:
            self.viewing += 1
        elif event.topic == topics.TITLE_CATALOGUE:
            self.titles += 1
        else:
            self.trends += 1

    def maybe_log(self, force: bool = False) -> None:
        now = self._clock()
        elapsed = now - self._last_at
        if elapsed < PROGRESS_EVERY_S and not force:
            return
        rate = (self.posts - self._last_posts) / elapsed if elapsed > 0 else 0.0
        log.info(
            "simulator: sent %d posts, %d trend points, %d viewing events, %d catalogue records,"
            " rate %.1f posts/s",
            self.posts,
            self.trends,
            self.viewing,
            self.titles,
            rate,
        )
        self._last_at, self._last_posts = now, self.posts


def compressed_clock(
    duration_s: float, speed: float, wall: Callable[[], float] = time.time
) -> Callable[[], float]:
    """A simulated clock `speed` times as fast as `wall` that meets it after `duration_s`
    simulated seconds: those seconds play in duration_s / speed wall seconds, and their
    events are dated over the `duration_s` seconds up to the end (never in the future,
    which the worker's windows and the dashboard's "now" axis would not show)."""
    if speed <= 0:
        raise ValueError("speed must be positive")
    started = wall()
    lead = duration_s - duration_s / speed  # how far back the simulated clock starts
    return lambda: started - lead + speed * (wall() - started)


async def run_simulator(
    bootstrap: str,
    sim: Simulator,
    duration_s: float | None = None,
    on_progress: Callable[[int], None] | None = None,
    clock: Callable[[], float] = time.time,
    stop: asyncio.Event | None = None,
    *,
    producer_factory: ProducerFactory = kafka_producer,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    topic_prefix: str = "",
) -> int:
    """Produce the simulator's events as they fall due; returns how many were sent.

    Each round sends `events_between(cursor, now)`, so pacing follows `clock` and a slow
    round is caught up by the next one rather than drifting. Ends after `duration_s`
    (simulated = wall seconds), when `stop` is set, or on cancellation; always flushes.
    """
    producer = producer_factory(bootstrap)
    await start_client(producer, bootstrap)  # or KafkaUnreachable, within CONNECT_TIMEOUT_S
    progress = _Progress(clock)
    sent = 0
    try:
        started = cursor = clock()
        end = None if duration_s is None else started + duration_s
        if sim.start is None:
            sim.start = started
        while True:
            now = clock()
            upto = now if end is None else min(now, end)
            if upto > cursor:
                pending: list[Awaitable[Any]] = []
                for event in sim.events_between(cursor, upto):
                    pending.append(
                        await producer.send(
                            topic_prefix + event.topic,
                            encode_value(event.value),
                            event.key.encode("utf-8"),
                        )
                    )
                    progress.count(event)
                sent += len(pending)
                await deliver(pending)
                cursor = upto
                if on_progress is not None:
                    on_progress(sent)
                progress.maybe_log()
            if (end is not None and cursor >= end) or (stop is not None and stop.is_set()):
                break
            await sleep(SLICE_S if end is None else max(0.0, min(SLICE_S, end - clock())))
        await producer.flush()
    finally:
        await producer.stop()
    progress.maybe_log(force=True)
    return sent
