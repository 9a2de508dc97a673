"""Read a whole topic on every worker, for as long as it runs: an aiokafka consumer of its
own (no consumer group: every partition, no offsets committed), started again after a
failure. A Faust agent would read only the partitions the group gave this worker; the
title catalogue and the title trends are needed whole on each one
(docs/recommendations.md#the-title-catalogue-on-every-worker)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from streamapp.config import Settings

log = logging.getLogger(__name__)
RETRY_S = (1.0, 30.0)  # first and longest wait before reading again after a failure
METADATA_MAX_AGE_MS = 3000


async def read_whole_topic(
    settings: Settings, topic: str, follow: Callable[[Any], Awaitable[None]]
) -> None:
    """`follow(consumer)` on a started consumer subscribed to `topic` (from its start),
    again after each failure (what it built stays: a reread gives the same)."""
    from aiokafka import AIOKafkaConsumer

    from streamapp.kafka.security import client_options

    wait = RETRY_S[0]
    while True:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka.bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # A topic the worker creates as it starts (a new cluster) may not be in the
            # first metadata: look again every few seconds, not aiokafka's 5 minutes,
            # or the catalogue (and /readyz with it) would wait that long.
            metadata_max_age_ms=METADATA_MAX_AGE_MS,
            **client_options(settings.kafka),
        )
        try:
            await consumer.start()
            consumer.subscribe([topic])
            await follow(consumer)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # Kafka away: read again later
            log.warning("reading %s failed (%r); again in %.0f s", topic, exc, wait)
        finally:
            await consumer.stop()
        await asyncio.sleep(wait)
        wait = min(wait * 2, RETRY_S[1])
