"""Sink agents: micro-batches from the topics into the warehouse, exactly once.

One agent per target table, concurrency 1, reading adaptive batches
(agents/adaptive_take.py: what is waiting, up to the batch size; no ack on its own):
events are acknowledged only after the warehouse committed them (or they were
dead-lettered).
While the warehouse is down the agent retries with jittered exponential back-off and
acknowledges nothing; its buffer fills, Faust stops fetching those partitions, so
memory stays bounded and nothing is lost. The sink runs in its own consumer group
(`streamapp sink`), so a slow warehouse never holds back classification or alerts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import faust
from faust.types import EventT, Message

from streamapp.agents.adaptive_take import adaptive_take
from streamapp.agents.batches import record_limits
from streamapp.agents.dead_letters import send_dead_letter
from streamapp.config import Settings
from streamapp.loaders import BatchSink, RowError, SourceRow, StaleOffsets, TableSpec, to_row
from streamapp.observability.metrics import SINK_BATCH_SECONDS, SINK_LAG_SECONDS, SINK_ROWS_LOADED
from streamapp.records import InvalidRecord, RecordLimits, parse_trend_point
from streamapp.runtime.agent_supervision import AgentGuard, AgentHealth

log = logging.getLogger(__name__)


@dataclass
class SinkContext:
    app: faust.App
    settings: Settings
    dead_letters: faust.TopicT
    make_sink: Callable[[], BatchSink]
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], object] = asyncio.sleep
    # Which sink agents are down (streamapp/runtime/agent_supervision.py), for /healthz.
    health: AgentHealth = field(default_factory=AgentHealth)


def backoff_seconds(attempt: int, first: float, cap: float, rng: random.Random) -> float:
    """Exponential from `first`, capped, with jitter (half to all of it), so workers that
    failed together do not retry together."""
    ceiling = min(cap, first * 2 ** max(attempt - 1, 0))
    return ceiling * rng.uniform(0.5, 1.0)


async def dead_letter(ctx: SinkContext, message: Message, reason: str) -> None:
    """Send one dead letter and wait until Kafka has it."""
    await (await send_dead_letter(ctx.dead_letters, message, reason, ctx.clock()))


def rows_of(
    spec: TableSpec, events: list[EventT], limits: RecordLimits | None = None
) -> tuple[list[SourceRow], list[tuple[Message, str]], int]:
    """(rows, records that cannot be rows with why, raw trend points skipped)."""
    rows: list[SourceRow] = []
    bad: list[tuple[Message, str]] = []
    skipped = 0
    for event in events:
        message = event.message
        try:
            if spec.name == "TRENDS":
                # The raw topic: the main worker already dead-lettered invalid points.
                record = parse_trend_point(message.value, limits or RecordLimits()).asdict()
            else:
                record = json.loads(message.value)
            rows.append(to_row(spec, record, message.topic, message.partition, message.offset))
        except InvalidRecord:
            skipped += 1
        except (ValueError, RowError) as exc:  # JSONDecodeError is a ValueError
            bad.append((message, f"cannot load into {spec.name}: {exc}"))
    return rows, bad, skipped


class TableLoad:
    """Loads one table's batches; keeps the sink (connection) between batches."""

    def __init__(self, ctx: SinkContext, spec: TableSpec) -> None:
        self.ctx = ctx
        self.spec = spec
        self.sink: BatchSink | None = None
        self.rng = random.Random()
        # The current batch's messages by (partition, offset): where a refused row came from.
        self._by_position: dict[tuple[int, int], Message] = {}

    async def load(self, events: list[EventT]) -> None:
        """Returns once every event is in the warehouse or in the dead letters."""
        limits = record_limits(self.ctx.settings.pipeline, self.ctx.clock())
        rows, bad, skipped = rows_of(self.spec, events, limits)
        for message, reason in bad:
            await dead_letter(self.ctx, message, reason)
        lettered: set[tuple[int, int]] = set()
        attempt = 0
        started = time.monotonic()
        while True:
            try:
                merged = await self._load_once(rows, lettered)
                break
            except StaleOffsets as exc:
                log.info("%s; staging the batch again", exc)
            except Exception as exc:
                attempt += 1
                delay = backoff_seconds(
                    attempt,
                    self.ctx.settings.sink.retry_first_seconds,
                    self.ctx.settings.sink.retry_max_seconds,
                    self.rng,
                )
                log.warning(
                    "%s: loading %d rows failed (attempt %d: %s); consumption paused, "
                    "retrying in %.1fs",
                    self.spec.name,
                    len(rows),
                    attempt,
                    exc,
                    delay,
                )
                await self.ctx.sleep(delay)
        self._report(events, merged, skipped, time.monotonic() - started)

    async def _load_once(self, rows: list[SourceRow], lettered: set[tuple[int, int]]) -> int:
        if self.sink is None:
            self.sink = self.ctx.make_sink()
        staged = await asyncio.to_thread(self.sink.stage, self.spec, rows)
        for row, reason in staged.rejected:
            if (row.partition, row.offset) not in lettered:
                await dead_letter(self.ctx, self._message(row), reason)
                lettered.add((row.partition, row.offset))
        return await asyncio.to_thread(self.sink.commit, staged)

    def _message(self, row: SourceRow) -> Message:
        return self._by_position[(row.partition, row.offset)]

    def _report(self, events: list[EventT], merged: int, skipped: int, took: float) -> None:
        name = self.spec.name
        SINK_BATCH_SECONDS.labels(name).observe(took)
        SINK_ROWS_LOADED.labels(name).inc(merged)
        newest = max((e.message.timestamp for e in events), default=None)
        behind = max(0.0, self.ctx.clock() - newest) if newest else 0.0
        SINK_LAG_SECONDS.labels(name).set(behind)
        log.info(
            "%s: committed %d rows from %d events in %.2fs (%d already loaded or skipped); "
            "%.1fs behind the newest event",
            name,
            merged,
            len(events),
            took,
            skipped,
            behind,
        )

    async def run(self, stream: faust.StreamT) -> None:
        sink = self.ctx.settings.sink
        pipeline = self.ctx.settings.pipeline
        # A warehouse outage is retried inside `load`; the guard is for anything else
        # (a bug of ours), so the loop never ends and no event is acked unloaded.
        guard = AgentGuard(
            f"load-{self.spec.name.lower()}",
            self.ctx.health,
            first_wait=pipeline.agent_restart_first_seconds,
            max_wait=pipeline.agent_restart_max_seconds,
        )

        async def letter(event: EventT, reason: str) -> None:
            await dead_letter(self.ctx, event.message, reason)

        async for events in adaptive_take(stream, sink.batch_size, sink.flush_seconds):
            batch = list(events)
            self._by_position = {(e.message.partition, e.message.offset): e.message for e in batch}
            await guard.run(self.load, batch, letter)
            for event in batch:
                await stream.ack(event)


def register_sink_agents(ctx: SinkContext, specs: tuple[TableSpec, ...]) -> None:
    prefix = ctx.settings.pipeline.topic_prefix
    pipeline = ctx.settings.pipeline
    for spec in specs:
        topic = ctx.app.topic(
            prefix + spec.topic,
            key_serializer="raw",
            value_serializer="raw",
            partitions=pipeline.partitions,
            replicas=pipeline.replication_factor,
            internal=True,
        )
        ctx.app.agent(topic, name=f"load-{spec.name.lower()}", concurrency=1)(
            TableLoad(ctx, spec).run
        )
