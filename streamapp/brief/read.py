"""The brief's records: each topic read once, outside any consumer group, from the first
offset at or after a start time (Kafka's own index, `offsets_for_times`) to the end
offsets as they are when the read starts."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from aiokafka import TopicPartition

from streamapp.kafka.security import client_options
from streamapp.kafka.topic_reads import read_to_end
from streamapp.runtime.unreachable import start_client
from streamapp.topics import PLATFORM_FORECASTS, PLATFORM_WINDOWS, STREAMING_ALERTS

log = logging.getLogger(__name__)
SLACK_S = 3600.0  # records sent a little after their window (lateness, a slow close)


async def _partitions(bootstrap: str, names: list[str]) -> dict[str, list[int]]:
    """The partitions of those of `names` that exist. Asks for every topic: a metadata
    request naming a topic would make a broker with auto-create create it."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options())
    await admin.start()
    try:
        described = await admin.describe_topics()
    finally:
        await admin.close()
    return {
        t["topic"]: sorted(p["partition"] for p in t.get("partitions") or [])
        for t in described
        if t["topic"] in names and t.get("error_code", 0) == 0
    }


async def _read(
    consumer: Any, topic: str, partitions: list[int], since_epoch: float
) -> list[dict[str, Any]]:
    tps = [TopicPartition(topic, p) for p in partitions]
    if not tps:
        log.info("brief: no topic %s (yet); nothing read from it", topic)
        return []
    found = await consumer.offsets_for_times({tp: int(since_epoch * 1000) for tp in tps})
    starts = {tp: at.offset for tp, at in found.items() if at is not None}
    records: list[dict[str, Any]] = []

    def each(record: Any) -> None:
        try:
            value = json.loads(record.value)
        except (TypeError, ValueError):
            return  # not ours to judge here: the worker dead-letters what it cannot use
        if isinstance(value, dict):
            records.append(value)

    await read_to_end(consumer, starts, each)
    return records


async def read_period(
    bootstrap: str, prefix: str, now: float, since_s: float
) -> dict[str, list[dict[str, Any]]]:
    """{"windows", "alerts", "forecasts"}: what the brief of [now - since, now) needs,
    with the period before it (the changes) and the forecasts made for it."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, **client_options()
    )
    await start_client(consumer, bootstrap)  # KafkaUnreachable: one line, exit 1
    # name -> (topic, how far back its records are needed)
    wanted = {
        "windows": (prefix + PLATFORM_WINDOWS, now - 2 * since_s - SLACK_S),
        "alerts": (prefix + STREAMING_ALERTS, now - since_s - SLACK_S),
        "forecasts": (prefix + PLATFORM_FORECASTS, now - 3 * since_s - SLACK_S),
    }
    try:
        partitions = await _partitions(bootstrap, [topic for topic, _ in wanted.values()])
        return {
            name: await _read(consumer, topic, partitions.get(topic, []), since)
            for name, (topic, since) in wanted.items()
        }
    finally:
        await consumer.stop()


async def make_brief(settings: Any, since_s: float, now: float | None = None) -> dict[str, Any]:
    """Read the topics and summarise [now - since, now) (streamapp.analytics.brief)."""
    from streamapp.analytics.brief import build_brief

    now = time.time() if now is None else now
    found = await read_period(
        settings.kafka.bootstrap_servers, settings.pipeline.topic_prefix, now, since_s
    )
    return build_brief(found["windows"], found["alerts"], found["forecasts"], now, since_s)
