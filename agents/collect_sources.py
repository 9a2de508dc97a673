"""Real collectors in the worker: Reddit and Google Trends on leader-only timers.

A source runs only when configured (Reddit: `REDDIT_CLIENT_ID` and `REDDIT_CLIENT_SECRET`;
Trends: `STREAMAPP_TRENDS_ENABLED=true`), so the default worker never reaches the
internet. Faust runs an `on_leader` timer on exactly one worker of the group; whichever
worker is leader loads the collector's checkpoint from Kafka before every round, so a
change of leader neither repeats nor skips anything. The timer only checks whether a
round is due (poll interval or backoff), so a failing source never blocks it for long.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from streamapp import topics
from streamapp.runtime.context import PipelineContext
from streamapp.sources.checkpoints import KafkaCheckpointStore, PublishSink
from streamapp.sources.collector_runner import CollectorRunner
from streamapp.sources.factory import build_source, poll_seconds, worker_sources

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0


def build_runners(ctx: PipelineContext) -> list[CollectorRunner]:
    settings = ctx.settings
    prefix = settings.pipeline.topic_prefix
    sources = [
        (build_source(name, settings, topic_prefix=prefix), poll_seconds(name, settings))
        for name in worker_sources(settings)
    ]
    if not sources:
        return []
    assert ctx.publish is not None
    sink = PublishSink(ctx.publish)
    store = KafkaCheckpointStore(
        settings.kafka.bootstrap_servers,
        prefix + topics.COLLECTOR_CHECKPOINTS,
        sink,
        replication=settings.pipeline.replication_factor,
    )
    return [CollectorRunner(source, sink, store, poll, clock=ctx.clock) for source, poll in sources]


def register(ctx: PipelineContext) -> None:
    runners = build_runners(ctx)
    if not runners:
        log.info(
            "collectors: none configured (no REDDIT_CLIENT_ID/REDDIT_CLIENT_SECRET, "
            "STREAMAPP_TRENDS_ENABLED not set); the simulator or replay feed the raw topics"
        )
        return
    app = ctx.app
    log.info("collectors: %s, on the leader worker", ", ".join(r.name for r in runners))
    rounds: set[asyncio.Task[Any]] = set()
    for runner in runners:
        app.timer(interval=TICK_SECONDS, on_leader=True, name=f"collect_{runner.name}")(
            _ticker(runner, rounds)
        )

    def report() -> tuple[bool, dict[str, Any]]:
        if not app.is_leader():
            return False, {"collectors": {r.name: {"role": "standby"} for r in runners}}
        statuses = {r.name: {"role": "active", **r.status()} for r in runners}
        return any(s["stale"] for s in statuses.values()), {"collectors": statuses}

    app.health_reporters = [*getattr(app, "health_reporters", []), report]  # type: ignore[attr-defined]

    async def close_collectors(sender: Any, *args: Any, **kwargs: Any) -> None:
        for task in list(rounds):  # a round cut short leaves its intent: resolved next time
            task.cancel()
        await asyncio.gather(*rounds, return_exceptions=True)
        for runner in runners:
            await runner.source.close()
        await runners[0].store.stop()  # type: ignore[attr-defined]

    app.on_before_shutdown.connect(close_collectors)  # type: ignore[arg-type]


def _ticker(runner: CollectorRunner, rounds: set[asyncio.Task[Any]]) -> Any:
    """The timer body: starts a round in the background when due, never waits for one.

    A round can take longer than the tick (Trends pauses between requests, asyncprawcore
    sleeps on Reddit's rate-limit headers); the timer stays on time and never overlaps.
    """
    current: list[asyncio.Task[Any]] = []

    async def tick() -> None:
        if current and not current[0].done():
            return
        current[:] = [asyncio.ensure_future(runner.tick())]
        rounds.add(current[0])
        current[0].add_done_callback(rounds.discard)

    tick.__name__ = tick.__qualname__ = f"collect_{runner.name}"
    return tick
