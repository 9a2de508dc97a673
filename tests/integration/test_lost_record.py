"""A record Faust loses inside the worker is read again, and the commit moves past it.

Faust 0.15.3 was seen to drop one record after a rebalance (streamapp/delivery/head_watch.py).
The worker here is the real `streamapp worker`, wrapped so that its fetch loop loses one
chosen record once (tests/harness/faulty_worker.py): the same symptom, on demand.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from streamapp import topics
from tests.harness.kafka import prepare_topics, produce, read_until
from tests.harness.worker import Worker, faulty_worker
from tests.integration.pipeline import reddit_post

pytestmark = pytest.mark.integration

LOST = "t3_lost"
FAST_WATCH = {"STREAMAPP_STALLED_HEAD_SECONDS": "3"}


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
    worker = faulty_worker(bootstrap, prefix, tmp_path / "worker", "drop", LOST, FAST_WATCH).start()
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
        end = await produce(bootstrap, topic, posts, partition=0)

        wanted = {pid for pid, _ in posts}
        signals = await read_until(
            bootstrap,
            prefix + topics.DISCUSSION_SIGNALS,
            lambda r: wanted <= {s["event_id"] for s in r},
            timeout=60,
        )
        log = worker.log_tail(lines=400)
        assert "test: lost" in log  # the fault really happened in the worker
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


async def test_a_table_recovery_that_reads_nothing_is_read_again(
    kafka_broker, unique_topic_prefix, tmp_path
):
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    topic = prefix + topics.REDDIT_DISCUSSIONS
    await prepare_topics(bootstrap, prefix)
    first = Worker(bootstrap, prefix, tmp_path / "first", {}).start()
    try:
        first.wait_ready(90)
        now = time.time()
        posts = [reddit_post(f"t3_r{i}", f"Hulu has nothing to watch #{i}", now) for i in range(10)]
        await produce(bootstrap, topic, posts, partition=0)
        await read_until(bootstrap, prefix + topics.DISCUSSION_SIGNALS, lambda r: len(r) >= 10)
        time.sleep(1.0)  # the marks table's changelog now has records to recover
    finally:
        first.stop()
    # The next worker's fetch loop loses the marks table's changelog records: without
    # the watch its recovery waits forever and it never becomes ready.
    second = faulty_worker(
        bootstrap, prefix, tmp_path / "second", "lose-changelog", "offsets-changelog", FAST_WATCH
    ).start()
    try:
        second.wait_ready(60)
        log = second.log_tail(lines=400)
        assert "test: lost" in log  # the fault really happened
        assert "table recovery has read nothing" in log
    finally:
        second.stop()
