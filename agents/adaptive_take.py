"""Adaptive micro-batches: take what is waiting, never wait for more than arrives.

Faust's `noack_take(max, within)` waits `within` for a buffer that is not full, so on a
slow stream every record waits the whole window (the classify p50 was that window). Here
a batch is handed over as soon as the stream's queue is empty (everything fetched is in
the batch) or it holds `max_` events; `within` only bounds how long a batch may keep
growing while records keep arriving. A slow stream gets batches of one or a few records;
a backlog still gives full batches (while a batch is handled, the next one piles up in
the queue).

The delivery semantics are those of `noack_take`: nothing is acknowledged here. The
caller acks each event after it handled the batch (agents/batches.py,
agents/load_warehouse.py); a batch that raised or was cancelled stays unacked.

How it works is Faust's own: a processor on the stream appends each event to the buffer
while the stream is drained passively in the background. That processor runs right after
the event left the channel's queue, so "the queue is empty" there means nothing else has
been fetched yet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from faust.types import EventT

SETTLE_TURNS = 3


def adaptive_take(stream: Any, max_: int, within: float) -> AsyncIterator[list[EventT]]:
    """Lists of events (not values), unacknowledged, as described above."""
    batches = _batches(stream, max_, within)
    # Faust closes the buffering generators it knows of when the stream stops.
    active = getattr(stream, "_active_agens", None)
    if active is not None:
        active.add(batches)
    return batches


async def _batches(stream: Any, max_: int, within: float) -> AsyncIterator[list[EventT]]:
    buffer: list[EventT] = []
    first_at = 0.0  # when the buffer's first event arrived (monotonic)
    ready = asyncio.Event()  # the queue ran dry, or the buffer is full
    consumed = asyncio.Event()
    consuming: asyncio.Future[None] | None = None
    queue = getattr(stream.channel, "queue", None)  # None: not a queue-backed channel
    queue_empty = queue.empty if queue is not None else (lambda: True)

    async def add_to_buffer(value: Any) -> Any:
        nonlocal first_at
        gate = consuming
        if gate is not None and not gate.done():
            # The caller is handling a batch: hold this event (and, behind it, the
            # stream) until it is done, as noack_take does.
            await gate
        event = stream.current_event
        if event is None:
            raise RuntimeError("adaptive_take found no current event")
        if not buffer:
            first_at = time.monotonic()
        buffer.append(event)
        if len(buffer) >= max_:
            ready.set()
            consumed.clear()
            # Strictly at most max_ events per batch: wait until this one is taken.
            await stream.wait(consumed)
        elif queue_empty():
            ready.set()
        return value

    acks_were = stream.enable_acks
    stream.enable_acks = False  # the caller acks, after handling
    stream.add_processor(add_to_buffer)
    stream._enable_passive(stream.channel)
    try:
        while not stream.should_stop:
            if buffer and not ready.is_set():
                wait = max(0.0, within - (time.monotonic() - first_at))
            else:
                wait = within or 1.0
            if wait > 0:
                await stream.wait_for_stopped(ready, timeout=wait)
            late = buffer and time.monotonic() - first_at >= within
            if not buffer or not (ready.is_set() or late):
                continue
            while not late and len(buffer) < max_:
                # The queue ran dry, but the consumer may hold records it fetched and
                # has not handed over yet: give it a few turns of the loop first (a few
                # microseconds on a slow stream; on a backlog, batches stay large).
                size = len(buffer)
                for _ in range(SETTLE_TURNS):
                    await asyncio.sleep(0)
                if len(buffer) == size:
                    break
                late = time.monotonic() - first_at >= within
            consuming = asyncio.get_running_loop().create_future()
            try:
                yield list(buffer)
            finally:
                buffer.clear()
                ready.clear()
                if not consuming.done():
                    consuming.set_result(None)
                consumed.set()
    finally:
        stream.enable_acks = acks_were
        stream._processors.remove(add_to_buffer)
