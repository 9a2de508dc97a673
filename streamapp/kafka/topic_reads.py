"""Reading a stretch of a topic once, outside any consumer group: from given offsets up
to the partitions' end offsets as they are when the read starts. Used to find what a
predecessor already delivered (a collector's records, a worker's contributions)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from streamapp.kafka.security import client_options

READ_TIMEOUT_S = 30.0


@asynccontextmanager
async def group_less_reader(
    bootstrap: str, security: dict[str, Any] | None = None
) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        **(security if security is not None else client_options()),
    )
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def read_to_end(
    consumer: AIOKafkaConsumer,
    starts: dict[TopicPartition, int],
    each: Callable[[Any], None],
    timeout_s: float = READ_TIMEOUT_S,
) -> None:
    """Call `each(record)` for every record from `starts` to the current ends."""
    if not starts:
        return
    tps = list(starts)
    consumer.assign(tps)
    ends = await consumer.end_offsets(tps)
    for tp, offset in starts.items():
        consumer.seek(tp, offset)
    remaining = {tp for tp in tps if starts[tp] < ends[tp]}
    deadline = time.monotonic() + timeout_s
    while remaining:
        if time.monotonic() > deadline:
            topics = ", ".join(sorted({tp.topic for tp in remaining}))
            raise TimeoutError(f"reading back {topics} took longer than {timeout_s:.0f} s")
        batches = await consumer.getmany(*remaining, timeout_ms=500)
        for records in batches.values():
            for record in records:
                each(record)
        for tp in list(remaining):
            if await consumer.position(tp) >= ends[tp]:
                remaining.discard(tp)
