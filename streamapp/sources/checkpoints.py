"""Collector checkpoints in a compacted Kafka topic, and the sinks collectors send through.

Why a topic: the checkpoint must survive the worker and be readable by whichever worker
is leader next. A local file stays on the old pod, and a Faust table partition may be
owned by a worker that is not the leader. One partition, compacted, keyed by collector
name: the last value per key is the checkpoint. A long-lived consumer tails it, so each
`load` reads only what was written since the last one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from streamapp.kafka.security import client_options
from streamapp.kafka.topic_admin import partition_counts
from streamapp.kafka.topic_reads import READ_TIMEOUT_S, group_less_reader, read_to_end
from streamapp.sources.collector_runner import OutRecord, Source

log = logging.getLogger(__name__)

TOPIC_CONFIG = {
    "cleanup.policy": "compact",
    # Roll segments hourly so compaction actually runs (it never touches the open segment).
    "segment.ms": "3600000",
    "min.cleanable.dirty.ratio": "0.1",
}


def encode(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class AioKafkaSink:
    """Sends through an aiokafka producer and returns once Kafka acknowledged everything."""

    def __init__(self, producer: Any) -> None:
        self.producer = producer

    async def deliver(self, records: Sequence[OutRecord]) -> None:
        pending = [
            await self.producer.send(r.topic, value=encode(r.value), key=r.key.encode("utf-8"))
            for r in records
        ]
        await asyncio.gather(*pending)


class PublishSink:
    """Sends through the worker's Faust producer (`PipelineContext.publish`)."""

    def __init__(self, publish: Callable[[str, bytes, bytes, int | None], Awaitable[Any]]) -> None:
        self.publish = publish

    async def deliver(self, records: Sequence[OutRecord]) -> None:
        pending = [
            await self.publish(r.topic, r.key.encode("utf-8"), encode(r.value), None)
            for r in records
        ]
        await asyncio.gather(*pending)


async def ensure_checkpoint_topic(bootstrap: str, topic: str, replication: int = 1) -> None:
    """Create the compacted checkpoint topic (one partition) unless it exists."""
    from streamapp.kafka.topic_admin import TopicSpec, ensure_topics

    spec = TopicSpec(topic, 1, replication, TOPIC_CONFIG)
    await ensure_topics(bootstrap, [spec], options=client_options())


async def publish_compacted(
    bootstrap: str, topic: str, records: Sequence[tuple[str, dict[str, Any]]], replication: int
) -> None:
    """Write keyed JSON records to a compacted one-partition topic (created unless it
    exists), and return once Kafka has every one (`streamapp drivers|catalogue load`)."""
    from aiokafka import AIOKafkaProducer

    from streamapp.runtime.unreachable import held_logs, start_client

    with held_logs("aiokafka"):  # a broker that does not answer: the caller's one line says it
        await ensure_checkpoint_topic(bootstrap, topic, replication)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **client_options())
    await start_client(producer, bootstrap)
    try:
        pending = [
            await producer.send(topic, key=key.encode(), value=encode(value))
            for key, value in records
        ]
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


def load_into_topic(
    name: str, records: Sequence[tuple[str, dict[str, Any]]], bootstrap: str | None
) -> str:
    """`publish_compacted` for a short-lived command: the topic `name` under the
    configured prefix, at `bootstrap` (else KAFKA_BOOTSTRAP_SERVERS); a broker that does
    not answer raises KafkaUnreachable (one line). Returns the topic written."""
    from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError

    from streamapp.config import Settings
    from streamapp.runtime.unreachable import KafkaUnreachable

    settings = Settings()
    servers = bootstrap or settings.kafka.bootstrap_servers
    topic = settings.pipeline.topic_prefix + name
    replication = settings.pipeline.replication_factor
    try:
        asyncio.run(publish_compacted(servers, topic, records, replication))
    except (KafkaConnectionError, KafkaTimeoutError, OSError, TimeoutError) as exc:
        raise KafkaUnreachable(servers, str(exc) or type(exc).__name__) from None
    return topic


class KafkaCheckpointStore:
    def __init__(self, bootstrap: str, topic: str, sink: Any, replication: int = 1) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.sink = sink
        self.replication = replication
        self._consumer: Any = None
        self._latest: dict[str, dict[str, Any]] = {}
        # Collectors share one store (one consumer): their timers take turns reading it.
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        await ensure_checkpoint_topic(self.bootstrap, self.topic, self.replication)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **client_options(),
        )
        await consumer.start()
        consumer.assign([TopicPartition(self.topic, 0)])
        await consumer.seek_to_beginning()
        self._consumer = consumer

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def load(self, name: str) -> dict[str, Any]:
        async with self._lock:
            if self._consumer is None:
                await self.start()
            await self._catch_up()
            return self._latest.get(name, {})

    async def snapshot(self) -> dict[str, dict[str, Any]]:
        """Every key's latest value (the forecaster reads its drivers this way)."""
        async with self._lock:
            if self._consumer is None:
                await self.start()
            await self._catch_up()
            return dict(self._latest)

    async def save(self, name: str, state: dict[str, Any]) -> None:
        await self.sink.deliver([OutRecord(self.topic, name, state)])
        self._latest[name] = state

    async def _catch_up(self) -> None:
        from aiokafka import TopicPartition

        tp = TopicPartition(self.topic, 0)
        end = (await self._consumer.end_offsets([tp]))[tp]
        deadline = time.monotonic() + READ_TIMEOUT_S
        while await self._consumer.position(tp) < end:
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading checkpoints from {self.topic} took too long")
            self._apply(await self._consumer.getmany(tp, timeout_ms=500))
        # One more short poll: a broker whose ListOffsets answer lags the log end (tansu)
        # still hands out everything up to the high watermark in a fetch.
        self._apply(await self._consumer.getmany(tp, timeout_ms=100))

    def _apply(self, batches: dict[Any, list[Any]]) -> None:
        for messages in batches.values():
            for message in messages:
                if message.key is None:
                    continue
                if message.value is None:  # a tombstone: the key is gone
                    self._latest.pop(message.key.decode(), None)
                    continue
                try:
                    self._latest[message.key.decode()] = json.loads(message.value)
                except (UnicodeDecodeError, ValueError):
                    log.warning("checkpoint at offset %d is not JSON; ignored", message.offset)

    async def end_offsets(self, topic: str) -> dict[int, int]:
        from aiokafka import TopicPartition

        async with self._lock:
            partitions = await self._partitions(topic)
            tps = [TopicPartition(topic, p) for p in partitions]
            ends = await self._consumer.end_offsets(tps)
        return {tp.partition: offset for tp, offset in ends.items()}

    async def _partitions(self, topic: str) -> list[int]:
        if self._consumer is None:
            await self.start()
        found = self._consumer.partitions_for_topic(topic)
        if not found:
            # Not in this consumer's metadata (it reads the checkpoints only): ask the
            # cluster, or every partition but 0 would be left out of the look-up.
            counts = await partition_counts(self.bootstrap, [topic], client_options())
            found = range(counts.get(topic, 1))
        return sorted(found)

    async def find_delivered(
        self, topic: str, offsets: dict[int, int], wanted: set[str], source: Source
    ) -> dict[str, float]:
        """Which of `wanted` reached `topic` at or after `offsets` (identity -> event time)."""
        from aiokafka import TopicPartition

        found: dict[str, float] = {}

        def note(message: Any) -> None:
            seen = source.identity(message.key, message.value)
            if seen is not None and seen[0] in wanted:
                found[seen[0]] = seen[1]

        starts = {TopicPartition(topic, p): offset for p, offset in offsets.items()}
        async with group_less_reader(self.bootstrap) as reader:
            await read_to_end(reader, starts, note)
        return found
