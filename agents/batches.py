"""Shared by the raw-topic agents: parse a micro-batch, dead-letter what is bad, and
send the batch's per-(platform, window) partial aggregates."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

from faust.types import EventT, Message

from streamapp.agents.adaptive_take import adaptive_take
from streamapp.agents.dead_letters import send_dead_letter as dead_letter_to
from streamapp.analytics.windows import ContributionBuilder
from streamapp.config import PipelineSettings
from streamapp.delivery.already_delivered import AlreadyDelivered
from streamapp.delivery.head_watch import read_again
from streamapp.delivery.source_offsets import source_key
from streamapp.observability.metrics import AGENT_RESTARTS, EVENTS_OUT
from streamapp.records import Contribution, InvalidRecord, RecordLimits
from streamapp.runtime.agent_supervision import AgentHealth
from streamapp.runtime.context import PipelineContext

log = logging.getLogger(__name__)
T = TypeVar("T")


async def send_dead_letter(
    ctx: PipelineContext, message: Message, reason: str, cause: str = "invalid"
) -> None:
    limit = ctx.settings.pipeline.max_message_bytes
    await dead_letter_to(
        ctx.topics.dead_letters,
        message,
        reason,
        ctx.clock(),
        cause=cause,
        max_message_bytes=limit,
    )


async def failed(ctx: PipelineContext, event: EventT, what: str, exc: Exception) -> None:
    """An unexpected failure on one event: logged, and that event dead-lettered."""
    message = event.message
    log.exception("%s for %s[%d]@%d", what, message.topic, message.partition, message.offset)
    await send_dead_letter(ctx, message, f"{what}: {exc!r}", cause="error")


def record_limits(settings: PipelineSettings, now: float) -> RecordLimits:
    """The raw records' limits from the settings, as of `now` (the worker's and the
    sink's clock alike, so the sink skips exactly the points the worker refused)."""
    return RecordLimits(
        max_message_bytes=settings.max_message_bytes,
        max_future_seconds=settings.max_future_seconds,
        now=now,
    )


async def valid_records(
    ctx: PipelineContext, events: Sequence[EventT], parse: Callable[[Any, RecordLimits], T]
) -> AsyncIterator[tuple[EventT, T]]:
    """Yield (event, record) for the events that parse; dead-letter the others, whatever
    the parser raised (an unexpected exception is a parser bug: logged with its trace)."""
    limits = record_limits(ctx.settings.pipeline, ctx.clock())
    for event in events:
        try:
            record = parse(event.message.value, limits)
        except InvalidRecord as exc:
            await send_dead_letter(ctx, event.message, str(exc))
            continue
        except Exception as exc:  # no input may stop the stream
            await failed(ctx, event, "could not parse", exc)
            continue
        yield event, record


class BatchContributions:
    """One micro-batch's partial aggregates, minus what was already delivered
    (streamapp/delivery/already_delivered.py). Call `load` first, then `new_platforms`
    for every event."""

    def __init__(self, ctx: PipelineContext) -> None:
        self.ctx = ctx
        self.builder = ContributionBuilder(
            size=ctx.settings.pipeline.window_seconds,
            evidence_size=ctx.settings.alerts.evidence_size,
        )
        self.delivered = AlreadyDelivered(ctx.tables.contributed, ctx.takeovers)
        self._read: dict[str, set[int]] = {}  # every offset of the batch, valid or not

    async def load(self, events: Sequence[EventT]) -> None:
        """Read what the batch's lanes already delivered (once per batch, not per event)."""
        for event in events:
            lane = source_key(event.message.topic, event.message.partition)
            self._read.setdefault(lane, set()).add(event.message.offset)
        generation = self.ctx.app.consumer_generation_id if self.ctx.takeovers else None
        await self.delivered.load(self._read, generation)

    def new_platforms(self, event: EventT, platforms: Sequence[str]) -> list[str]:
        """The platforms this event still has to be counted for (none if it was counted
        before, or is a repeat within the batch)."""
        message = event.message
        lane = source_key(message.topic, message.partition)
        return self.delivered.to_count(lane, message.offset, platforms)

    def saw(self, event: EventT, event_time: float) -> None:
        """Every valid event moves its input lane's event time (the watermark)."""
        message = event.message
        self.builder.saw(source_key(message.topic, message.partition), event_time)

    async def flush(self) -> None:
        """Send the partials, wait until Kafka has them, then move the marks (and the
        lanes' progress this worker reports to every window partition)."""
        progress = self.ctx.lane_progress
        progress.give_up_after = self.ctx.settings.pipeline.idle_partition_seconds
        generation = int(getattr(self.ctx.app, "consumer_generation_id", 0) or 0)
        now = self.ctx.clock()
        reached: dict[str, float] = {}
        for lane, offsets in self._read.items():
            event_time = progress.batch(
                lane,
                offsets,
                self.builder.sources.pop(lane, None),
                generation,
                self.delivered.marks(lane),
                now,
            )
            if event_time is not None:
                reached[lane] = event_time
        # A partial names, per lane, the *earliest* event time of its batch: what the lane
        # will deliver from now on is no earlier (lanes are read in order), so no window
        # that a batch-mate partial still has to fill (a partial of another window, or of
        # another platform on the same window partition, read after this one) closes on
        # it. How far the batch reached goes out once every partial is acked, with the
        # progress report (agents/aggregate_windows.py). A batch spans many windows in a
        # replay: naming its newest time here closed them before their partials came.
        self.builder.sources = {
            lane: self.builder.earliest[lane] for lane in reached if lane in self.builder.earliest
        }
        pending = [
            await self.ctx.topics.contributions.send(
                key=partial["platform"], value=Contribution(**partial)
            )
            for partial in self.builder.drain()
        ]
        if pending:
            await asyncio.gather(*pending)
            EVENTS_OUT.labels(self.ctx.topics.contributions.get_topic_name()).inc(len(pending))
        for lane, event_time in reached.items():
            progress.delivered(lane, event_time)
        self.delivered.commit(self.ctx.clock())
        self._read.clear()


async def guarded_batches(
    ctx: PipelineContext,
    stream: Any,
    agent: str,
    handle: Callable[[PipelineContext, Sequence[EventT]], Awaitable[None]],
    batch: tuple[int, float] | None = None,
    dead_letters: bool = True,
) -> None:
    """The loop of a raw-topic agent: adaptive micro-batches (agents/adaptive_take.py),
    each run under the agent's guard (streamapp/runtime/agent_supervision.py), acknowledged only
    once handled. (`take_events`
    would ack a batch even when its loop body raised or was cancelled: lost posts.)
    `batch`: (most events, most seconds) of a batch, else the classify settings'.
    `dead_letters` False: a failing batch is retried whole, never split and dead-lettered
    (for our own records, which a retry can always fold)."""
    settings = ctx.settings.pipeline
    most, within = batch or (settings.classify_batch_size, settings.classify_batch_seconds)
    guard = ctx.guard(agent)

    async def body(events: Sequence[EventT]) -> None:
        await handle(ctx, events)

    async def dead_letter(event: EventT, reason: str) -> None:
        await send_dead_letter(ctx, event.message, reason, cause="error")  # a bug of ours

    started(ctx.health, agent)
    pending: Sequence[EventT] = ()
    try:
        async for events in adaptive_take(stream, most, within):
            pending = events
            await guard.run(body, events, dead_letter if dead_letters else None)
            for event in events:
                await stream.ack(event)
            pending = ()
    except asyncio.CancelledError:
        # Faust restarts a cancelled agent on the same stream, past this batch: unacked,
        # its records would wait forever. Seek back so the new actor reads them again.
        if pending and not ctx.app.should_stop:
            await read_batch_again(ctx.app.consumer, pending)
        raise


def started(health: AgentHealth, agent: str) -> None:
    """Count an agent's start; every start after the first is a restart by Faust."""
    if health.started(agent) > 1:
        AGENT_RESTARTS.labels(agent).inc()
        log.warning("agent %s was restarted by Faust after its task ended", agent)


async def read_batch_again(consumer: Any, events: Sequence[EventT]) -> None:
    first: dict[Any, int] = {}
    for event in events:
        tp, offset = event.message.tp, event.message.offset
        first[tp] = min(offset, first.get(tp, offset))
    for tp, offset in first.items():
        try:
            await read_again(consumer, tp, offset, "an agent was cancelled mid-batch")
        except Exception as exc:  # revoked meanwhile: its next owner reads it anyway
            log.info("%s[%d] not read again here: %s", tp.topic, tp.partition, exc)
