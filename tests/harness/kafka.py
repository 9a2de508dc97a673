"""Kafka for a run: a broker (Apache Kafka, embedded), the topics a worker needs, and
records produced and read back.

Heavy imports (aiokafka, Faust through the app) happen inside the functions: the
benchmarks' pure helpers import this module without paying for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PARTITIONS = 4  # every topic of a harness run, and STREAMAPP_PARTITIONS of its workers


def app_id_for(prefix: str) -> str:
    """The app id the harness gives the workers of topics named `<prefix>...`."""
    return f"{prefix}app"


def start_kafka(tmp: Path) -> Any:
    """Apache Kafka on a free port with its data under *tmp* (a BrokerHandle)."""
    from streamapp.embedded import KafkaDistError, free_port, start_broker

    for attempt in range(3):
        try:
            return start_broker(free_port(), tmp / f"broker-{attempt}", kind="kafka")
        except KafkaDistError as exc:
            # kafka_broker passes a random cluster id as a separate argument: one that
            # starts with "-" (1 in 64) is taken for an option by the storage tool.
            if "--cluster-id" not in str(exc) or attempt == 2:
                raise
            print("# kafka storage format refused its random cluster id: retrying")
    raise AssertionError("unreachable")


@dataclass
class KafkaRun:
    """A broker (embedded unless a bootstrap is given), a temp dir and unique names."""

    bootstrap: str
    tmp: Path
    prefix: str
    run_id: str
    broker: Any = None  # streamapp.embedded.BrokerHandle when we started one

    def topic(self, name: str) -> str:
        return self.prefix + name


@contextlib.contextmanager
def kafka_run(name: str, bootstrap: str | None) -> Iterator[KafkaRun]:
    """Start the embedded Kafka (unless *bootstrap*) and create every topic of the
    product under the prefix `<name>-<run id>.`; stop all and remove the temp dir after."""
    from streamapp import topics
    from streamapp.embedded import create_topics

    run_id = uuid.uuid4().hex[:8]
    tmp = Path(tempfile.mkdtemp(prefix=f"streamapp-{name}-"))
    broker = None
    try:
        if bootstrap is None:
            started = time.monotonic()
            broker = start_kafka(tmp)
            bootstrap = broker.bootstrap
            print(f"# broker: kafka on {bootstrap} ({time.monotonic() - started:.1f} s to start)")
        run = KafkaRun(bootstrap, tmp, f"{name}-{run_id}.", run_id, broker)
        asyncio.run(
            create_topics(
                bootstrap, [run.topic(topic) for topic in topics.ALL_TOPICS], partitions=PARTITIONS
            )
        )
        yield run
    finally:
        if broker is not None:
            broker.stop()
        shutil.rmtree(tmp, ignore_errors=True)


async def prepare_topics(bootstrap: str, prefix: str, partitions: int = PARTITIONS) -> None:
    """Every topic a worker with app id `<prefix>app` (as `Worker` sets it) needs, its
    tables' changelogs included, as `streamapp up` creates them."""
    from streamapp.app import create_app
    from streamapp.config import Settings
    from streamapp.kafka.topic_admin import ensure_topics
    from streamapp.runtime.topic_plan import topic_specs

    settings = Settings()
    settings.pipeline.app_id = app_id_for(prefix)
    settings.pipeline.topic_prefix = prefix
    settings.pipeline.partitions = partitions
    await ensure_topics(bootstrap, topic_specs(create_app(settings), settings))


async def produce(
    bootstrap: str,
    topic: str,
    items: list[tuple[str | None, bytes]],
    partition: int | None = None,
) -> int | None:
    """Send in order (to `partition` if given); return the offset after the last one."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        last = None
        for key, value in items:
            encoded = key.encode() if key else None
            last = await producer.send(topic, value=value, key=encoded, partition=partition)
        await producer.flush()
        return (await last).offset + 1 if last is not None else None
    finally:
        await producer.stop()


async def read_until(
    bootstrap: str,
    topic: str,
    done: Callable[[list[dict[str, Any]]], bool],
    timeout: float = 60,
) -> list[dict[str, Any]]:
    """Every JSON record of `topic` from the beginning, until `done(records)` or timeout."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    records: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=300)
            for batch in batches.values():
                records.extend(json.loads(r.value) for r in batch)
            if done(records):
                return records
        return records
    finally:
        await consumer.stop()
