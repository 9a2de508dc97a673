"""A record Faust loses inside the worker is read again, and the commit moves past it.

Faust 0.15.3 was seen to drop one record after a rebalance (streamapp/head_watch.py).
The worker here is the real `streamapp worker`, wrapped so that its fetch loop loses one
chosen record once (tests/integration/drop_one_record.py): the same symptom, on demand.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from streamapp import topics
from tests.integration.pipeline import Worker, prepare_topics, read_until, reddit_post

pytestmark = pytest.mark.integration

LOST = "t3_lost"


async def produce_to_partition(bootstrap: str, topic: str, posts: list, partition: int) -> int:
    """Send in order to one partition; return the offset after the last one."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        last = None
        for key, value in posts:
            last = await producer.send_and_wait(topic, value, key.encode(), partition=partition)
        return last.offset + 1
    finally:
        await producer.stop()


async def committed(bootstrap: str, group: str, topic: str, partition: int) -> int | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return next(
        (
            meta.offset
            for tp, meta in offsets.items()
            if (tp.topic, tp.partition) == (topic, partition)
        ),
        None,
    )


async def test_a_record_lost_in_the_worker_is_read_again(
    kafka_broker, unique_topic_prefix, tmp_path
):
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    topic = prefix + topics.REDDIT_DISCUSSIONS
    await prepare_topics(bootstrap, prefix)
    worker = Worker(
        bootstrap,
        prefix,
        tmp_path / "worker",
        {"STREAMAPP_STALLED_HEAD_SECONDS": "3"},
        launcher=("-m", "tests.integration.drop_one_record", LOST),
    ).start()
    try:
        worker.wait_ready(90)
        now = time.time()
        posts = [
            reddit_post(f"t3_before{i}", f"Hulu has nothing to watch #{i}", now) for i in range(5)
        ]
        posts.append(reddit_post(LOST, "Netflix raised the price again, cancelling", now))
        posts += [
            reddit_post(f"t3_after{i}", f"Hulu has nothing to watch #{i}", now) for i in range(10)
        ]
        end = await produce_to_partition(bootstrap, topic, posts, partition=0)

        wanted = {pid for pid, _ in posts}
        signals = await read_until(
            bootstrap,
            prefix + topics.DISCUSSION_SIGNALS,
            lambda r: wanted <= {s["event_id"] for s in r},
            timeout=60,
        )
        log = worker.log_tail(lines=400)
        assert "test: dropped" in log  # the fault really happened in the worker
        assert wanted <= {s["event_id"] for s in signals}, log
        assert f"[0]: record {end - len(posts) + 5} was not processed" in log

        # And the partition's commit moves on to its end instead of waiting forever.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if await committed(bootstrap, f"{prefix}app", topic, 0) == end:
                break
            await asyncio.sleep(0.5)
        assert await committed(bootstrap, f"{prefix}app", topic, 0) == end
    finally:
        worker.stop()
