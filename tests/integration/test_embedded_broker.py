"""The embedded brokers: Apache Kafka 4.1.1 (the real thing) and the tansu fallback."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition

from streamapp.embedded import (
    KAFKA_VERSION,
    BrokerHandle,
    BrokerStartError,
    KafkaDistError,
    create_topics,
    free_port,
    java_available,
    start_broker,
)
from streamapp.embedded.tansu_broker import CLIENT_SETTINGS

kafka = pytest.mark.integration
tansu = pytest.mark.tansu


async def partition_counts(bootstrap: str, topics: list[str]) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return {t["topic"]: len(t["partitions"]) for t in described if t["error_code"] == 0}


async def produce(bootstrap: str, topic: str, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        batch = [
            await producer.send(topic, f"v{i}".encode(), key=f"k{i % 17}".encode())
            for i in range(count)
        ]
        await producer.flush()
        await asyncio.gather(*batch)
    finally:
        await producer.stop()


async def consume(
    bootstrap: str, topic: str, count: int, group: str | None = None, timeout: float = 20
) -> list[tuple[bytes, bytes, int]]:
    """(key, value, partition) of the first *count* messages from the beginning."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **CLIENT_SETTINGS,
    )
    await consumer.start()
    got: list[tuple[bytes, bytes, int]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                got += [(r.key, r.value, r.partition) for r in records]
        if group is not None:
            await consumer.commit()
    finally:
        await consumer.stop()
    return got


@kafka
def test_kafka_broker_is_apache_kafka_and_ready(kafka_broker: BrokerHandle) -> None:
    assert kafka_broker.kind == "kafka"
    assert kafka_broker.alive()
    assert kafka_broker.bootstrap.startswith("127.0.0.1:")
    assert f"Kafka version: {KAFKA_VERSION}" in kafka_broker.log_path.read_text()


@kafka
def test_a_taken_port_is_refused_at_once(kafka_broker: BrokerHandle, tmp_path: Path) -> None:
    with pytest.raises(BrokerStartError, match=f"port {kafka_broker.port} .* taken"):
        start_broker(kafka_broker.port, tmp_path, kind="kafka")


@kafka
async def test_create_topics_makes_the_partitions_asked_for(
    kafka_broker: BrokerHandle, unique_name: Callable[[str], str]
) -> None:
    topics = [unique_name("three-a"), unique_name("three-b")]
    await create_topics(kafka_broker.bootstrap, topics, partitions=3)
    assert await partition_counts(kafka_broker.bootstrap, topics) == dict.fromkeys(topics, 3)

    # idempotent: existing topics are fine and are left as they are
    await create_topics(kafka_broker.bootstrap, [*topics, unique_name("seven")], partitions=7)
    counts = await partition_counts(kafka_broker.bootstrap, [*topics, unique_name("seven")])
    assert counts == {topics[0]: 3, topics[1]: 3, unique_name("seven"): 7}


@kafka
async def test_a_thousand_messages_round_trip(
    kafka_broker: BrokerHandle, unique_name: Callable[[str], str]
) -> None:
    topic = unique_name("events")
    await create_topics(kafka_broker.bootstrap, [topic], partitions=4)
    await produce(kafka_broker.bootstrap, topic, 1000)

    got = await consume(kafka_broker.bootstrap, topic, 1000, group=unique_name("group"))

    assert sorted(v for _, v, _ in got) == sorted(f"v{i}".encode() for i in range(1000))
    assert {p for _, _, p in got} == {0, 1, 2, 3}
    partitions_of_key: dict[bytes, set[int]] = {}
    for key, _, partition in got:
        partitions_of_key.setdefault(key, set()).add(partition)
    assert all(len(ps) == 1 for ps in partitions_of_key.values())  # keyed: one partition each


@kafka
def test_a_restart_on_the_same_data_dir_keeps_topics_and_offsets(
    tmp_path: Path, unique_name: Callable[[str], str]
) -> None:
    topic, group = unique_name("kept"), unique_name("group")
    data_dir = tmp_path / "kafka"

    first = start_broker(free_port(), data_dir, kind="kafka")
    try:
        asyncio.run(create_topics(first.bootstrap, [topic], partitions=2))
        asyncio.run(produce(first.bootstrap, topic, 300))
        assert len(asyncio.run(consume(first.bootstrap, topic, 300, group=group))) == 300
    finally:
        first.stop()
    assert not first.alive()

    second = start_broker(free_port(), data_dir, kind="kafka")  # new ports, same data
    try:
        assert second.bootstrap != first.bootstrap
        got = asyncio.run(consume(second.bootstrap, topic, 300))
        assert sorted(v for _, v, _ in got) == sorted(f"v{i}".encode() for i in range(300))
        assert asyncio.run(committed(second.bootstrap, topic, group, partitions=2)) == 300
    finally:
        second.stop()


async def committed(bootstrap: str, topic: str, group: str, partitions: int) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        offsets = [await consumer.committed(TopicPartition(topic, p)) for p in range(partitions)]
    finally:
        await consumer.stop()
    return sum(o or 0 for o in offsets)


@tansu
async def test_tansu_round_trip(tansu_broker: BrokerHandle, unique_name: Callable[[str], str]):
    assert tansu_broker.kind == "tansu" and tansu_broker.alive()
    topic = unique_name("events")
    await create_topics(tansu_broker.bootstrap, [topic], partitions=2)
    assert await partition_counts(tansu_broker.bootstrap, [topic]) == {topic: 2}

    await produce(tansu_broker.bootstrap, topic, 200)
    got = await consume(tansu_broker.bootstrap, topic, 200)

    assert sorted(v for _, v, _ in got) == sorted(f"v{i}".encode() for i in range(200))


@tansu
def test_auto_falls_back_to_tansu_without_java(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java here
    assert not java_available()
    with pytest.raises(KafkaDistError, match="Java 17"):
        start_broker(free_port(), tmp_path / "k", kind="kafka")

    with caplog.at_level(logging.WARNING, logger="streamapp.embedded.broker"):
        handle = start_broker(free_port(), tmp_path / "t", kind="auto")
    try:
        assert handle.kind == "tansu" and handle.alive()
        assert "no transactions" in caplog.text
    finally:
        handle.stop()
    assert not handle.alive()
