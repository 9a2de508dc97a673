"""Collectors against the real Kafka: checkpoints in the compacted topic, a crash between
delivery and checkpoint, and a real `streamapp worker` SIGKILLed mid-stream and replaced.
Reddit and Google Trends are loopback servers speaking their formats (tests/servers/)."""

from __future__ import annotations

import asyncio
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from streamapp import topics
from streamapp.config import RedditSettings
from streamapp.sources.checkpoints import AioKafkaSink, KafkaCheckpointStore
from streamapp.sources.collector_runner import CollectorRunner
from streamapp.sources.reddit import RedditSource
from tests.harness.kafka import prepare_topics, read_until
from tests.harness.worker import Worker
from tests.servers.reddit_server import RedditServer, start_site
from tests.servers.threaded import serve_in_thread
from tests.servers.trends_server import HOUR, TrendsServer
from tests.servers.trends_server import Fault as TrendsFault

pytestmark = pytest.mark.integration


class CrashBeforeCheckpoint(KafkaCheckpointStore):
    """The worker dies after Kafka acknowledged the posts, before the new cursor is saved."""

    async def save(self, name: str, state: dict[str, Any]) -> None:
        if state.get("pending") is None and getattr(self, "armed", False):
            raise ConnectionError("killed")
        await super().save(name, state)


async def read_ids(bootstrap: str, topic: str, expected: int, timeout: float = 15) -> list[str]:
    """Every id on `topic`; reads on for a while after `expected` so repeats would show."""
    await read_until(bootstrap, topic, lambda rs: len(rs) >= expected, timeout)
    return [r["id"] for r in await read_until(bootstrap, topic, lambda rs: False, 2)]


async def test_a_collector_restarted_after_a_crash_repeats_and_skips_nothing(
    kafka_broker: Any, unique_topic_prefix: str
) -> None:
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix
    await prepare_topics(bootstrap, prefix)
    server = RedditServer()
    site, url = await start_site(server.app())
    settings = RedditSettings(
        client_id="test-client",
        client_secret="test-secret",
        subreddits="netflix",
        oauth_url=url,
        reddit_url=url,
    )
    out_topic = prefix + topics.REDDIT_DISCUSSIONS
    checkpoints = prefix + topics.COLLECTOR_CHECKPOINTS
    now = time.time()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    sources: list[RedditSource] = []
    stores: list[KafkaCheckpointStore] = []

    def runner(store_class: type[KafkaCheckpointStore] = KafkaCheckpointStore) -> CollectorRunner:
        sink = AioKafkaSink(producer)
        sources.append(RedditSource(settings, "salt", out_topic))
        stores.append(store_class(bootstrap, checkpoints, sink))
        return CollectorRunner(sources[-1], sink, stores[-1], 60.0)

    try:
        for i in range(12):
            server.add("t3", "netflix", now - 600 + i)
        first = runner(CrashBeforeCheckpoint)
        assert await first.run_round() == 12
        for i in range(5):
            server.add("t3", "netflix", now - 300 + i)
        first.store.armed = True  # type: ignore[attr-defined]
        assert await first.run_round() == 0  # delivered, then "killed"
        assert first.last_error == "ConnectionError: killed"

        for i in range(4):  # posts while no collector runs
            server.add("t3", "netflix", now - 100 + i)
        second = runner()  # a new process: everything it knows comes from Kafka
        assert await second.run_round() == 4
        third = runner()
        assert await third.run_round() == 0  # a clean restart sends nothing again

        ids = await read_ids(bootstrap, out_topic, 21)
        assert len(ids) == 21 and set(ids) == {i["data"]["name"] for i in server.items}

        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            described = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, checkpoints)]
            )
        finally:
            await admin.close()
        configs = {c[0]: c[1] for c in described[0].resources[0][4]}
        assert configs["cleanup.policy"] == "compact"
    finally:
        for source in sources:
            await source.close()
        for store in stores:
            await store.stop()
        await producer.stop()
        await site.cleanup()


def collector_env(reddit_url: str, trends_url: str) -> dict[str, str]:
    return {
        "REDDIT_CLIENT_ID": "test-client",
        "REDDIT_CLIENT_SECRET": "test-secret",
        "REDDIT_SUBREDDITS": "netflix,cordcutters",
        "REDDIT_OAUTH_URL": reddit_url,
        "REDDIT_URL": reddit_url,
        "REDDIT_POLL_SECONDS": "1",
        "STREAMAPP_TRENDS_ENABLED": "true",
        "STREAMAPP_TRENDS_KEYWORDS": "netflix,hulu,free streaming",
        "STREAMAPP_TRENDS_BASE_URL": trends_url + "/trends",
        "STREAMAPP_TRENDS_POLL_SECONDS": "1",
        "STREAMAPP_TRENDS_REQUEST_PAUSE_SECONDS": "0",
    }


async def test_worker_collects_and_a_sigkilled_worker_is_replaced_without_gap_or_repeat(
    kafka_broker: Any, unique_topic_prefix: str, tmp_path: Path
) -> None:
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix
    await prepare_topics(bootstrap, prefix)
    reddit = RedditServer()
    now = time.time()
    piracy = "Honestly I just torrent every Netflix show now #{n}"
    for n in range(20):
        reddit.add("t3", "netflix", now - 120 + n, title=piracy.format(n=n), author=f"user{n}")
    hour = int(now // HOUR * HOUR)
    trends = TrendsServer(
        truth={"netflix": [35.0] * 6, "hulu": [11.0] * 6, "free streaming": [2.5] * 6},
        start=hour - 5 * HOUR,
        hours=6,
    )
    posts_topic = prefix + topics.REDDIT_DISCUSSIONS
    with (
        serve_in_thread(reddit.app()) as (reddit_url, on_reddit),
        serve_in_thread(trends.app()) as (trends_url, on_trends),
    ):
        env = collector_env(reddit_url, trends_url)
        worker = Worker(bootstrap, prefix, tmp_path / "w1", env).start()
        replacement = None
        try:
            worker.wait_ready(60)
            first = await read_until(bootstrap, posts_topic, lambda rs: len(rs) >= 20, 30)
            assert len(first) == 20, worker.log_tail()
            assert all(r["author"] != "user1" and len(r["author"]) == 64 for r in first)

            def more(start: int, count: int) -> None:
                for n in range(start, start + count):
                    reddit.add("t3", "cordcutters", time.time() - 30, title=piracy.format(n=n))

            on_reddit(lambda: more(100, 10))
            steady = await read_until(bootstrap, posts_topic, lambda rs: len(rs) >= 30, 20)
            assert len(steady) == 30, worker.log_tail()
            on_reddit(lambda: more(150, 10))
            await asyncio.sleep(0.5)  # the kill lands mid-stream: in or between rounds
            worker.kill()
            on_reddit(lambda: more(200, 10))  # posted while no worker runs

            replacement = Worker(bootstrap, prefix, tmp_path / "w2", env).start()
            replacement.wait_ready(60)
            served = {i["data"]["name"] for i in reddit.items}
            got = await read_until(
                bootstrap, posts_topic, lambda rs: {r["id"] for r in rs} >= served, 45
            )
            await asyncio.sleep(3)  # three more polls: anything repeated would show now
            ids = [r["id"] for r in await read_until(bootstrap, posts_topic, lambda rs: False, 2)]
            assert set(ids) == served, replacement.log_tail()
            assert len(ids) == len(served) == 50, f"repeated: {len(ids) - len(set(ids))}"

            points = await read_until(
                bootstrap, prefix + topics.STREAMING_TRENDS, lambda rs: False, 2
            )
            assert sorted(p["keyword"] for p in points) == ["free streaming", "hulu", "netflix"]

            signals = await read_until(
                bootstrap,
                prefix + topics.DISCUSSION_SIGNALS,
                lambda rs: {r["event_id"] for r in rs} >= served,
                30,
            )
            assert {r["event_id"] for r in signals} >= served
            assert any("piracy" in r["intents"] for r in signals)

            status, health = replacement.get("/healthz")
            assert status == 200 and health["status"] == "ok", health
            assert health["collectors"]["reddit"]["role"] == "active"
            assert health["collectors"]["reddit"]["stale"] is False
            assert got  # the replacement read from where the checkpoint said

            # Google starts refusing: the worker keeps running, backs off, and says so.
            on_trends(lambda: trends.faults.extend([TrendsFault(status=429, retry_after="90")] * 5))
            deadline = time.monotonic() + 25
            while time.monotonic() < deadline:
                status, health = replacement.get("/healthz")
                if health.get("status") == "degraded":
                    break
                await asyncio.sleep(0.5)
            assert status == 200 and health["status"] == "degraded", health
            stale = health["collectors"]["trends"]
            assert stale["stale"] is True and "429" in stale["last_error"]
            assert stale["next_attempt_in"] > 60  # Retry-After 90 s honoured
            assert health["collectors"]["reddit"]["stale"] is False
            with urllib.request.urlopen(f"http://127.0.0.1:{replacement.web_port}/metrics") as r:
                metrics = r.read().decode()
            line = next(
                m for m in metrics.splitlines() if 'staleness_seconds{source="trends"}' in m
            )
            assert float(line.split()[-1]) > 5
        finally:
            worker.kill()
            if replacement is not None:
                replacement.stop()
    logs = (tmp_path / "w2").glob("*.log")
    assert not any("test-secret" in log.read_text(errors="replace") for log in logs)


async def test_the_checkpoint_store_sees_every_partition_of_a_topic_it_never_read(
    kafka_broker, unique_name
):
    """The end offsets a collector records must cover every partition of its topic: the
    store's consumer reads only the checkpoints, and aiokafka's `topics()` does not fill
    `partitions_for_topic`, so it once fell back to partition 0 alone (after a crash the
    look-up then missed what had gone to partitions 1-3 and sent it again)."""
    from streamapp.embedded import create_topics

    bootstrap, topic = kafka_broker.bootstrap, unique_name("posts")
    await create_topics(bootstrap, [topic], 4)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for partition in range(4):
            for _ in range(partition + 1):
                await producer.send_and_wait(topic, b"{}", key=b"k", partition=partition)
    finally:
        await producer.stop()
    store = KafkaCheckpointStore(bootstrap, unique_name("checkpoints"), sink=None)
    try:
        assert await store.end_offsets(topic) == {0: 1, 1: 2, 2: 3, 3: 4}
    finally:
        await store.stop()
