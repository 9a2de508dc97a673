"""The delivery ledger on real Kafka: created compacted with a tombstone retention and a
daily segment roll, and pruned episodes stay gone when a fresh `notify` reads it back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from streamapp.kafka.topic_admin import TopicSpec, _configs, ensure_topics
from streamapp.notify.ledger import DELIVERED, DELIVERIES_CONFIG, Ledger
from tests.integration.notify_helpers import alert

pytestmark = pytest.mark.integration


async def _read_back(bootstrap: str, topic: str) -> Ledger:
    ledger = Ledger()
    reader = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await reader.start()
    try:
        await ledger.load(reader)
    finally:
        await reader.stop()
    return ledger


async def test_pruned_episodes_stay_pruned_after_a_restart(kafka_broker, unique_name):
    bootstrap, topic = kafka_broker.bootstrap, unique_name("notify-deliveries")
    await ensure_topics(bootstrap, [TopicSpec(topic, 1, 1, DELIVERIES_CONFIG)], create=True)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        configs = (await _configs(admin, [topic]))[topic]
    finally:
        await admin.close()
    assert configs["cleanup.policy"] == "compact"
    assert configs["delete.retention.ms"] == DELIVERIES_CONFIG["delete.retention.ms"]
    assert configs["segment.ms"] == DELIVERIES_CONFIG["segment.ms"]

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        ledger = Ledger(producer, topic)
        now = datetime.now(UTC)
        old = now - timedelta(days=10)
        for alert_id in ("old1", "old2"):
            await ledger.record("slack", alert(alert_id, "firing"), DELIVERED, now=old)
            await ledger.record("slack", alert(alert_id, "resolved"), DELIVERED, now=old)
        await ledger.record("slack", alert("new", "firing"), DELIVERED, now=now)
        assert len((await _read_back(bootstrap, topic)).entries) == 5
        assert await ledger.prune(now - timedelta(days=7)) == 4
    finally:
        await producer.stop()
    restarted = await _read_back(bootstrap, topic)
    assert sorted(restarted.entries) == ["slack|new|firing"]
    assert restarted.get("slack", "old1", "firing") is None
