"""The sink end to end: real Kafka, a real pipeline worker, a real sink worker, the
local warehouse through the real connector. Kill the sink, take the warehouse away:
every distinct post lands exactly once."""

from __future__ import annotations

import asyncio
import json
import random
import time
import urllib.request
from pathlib import Path

import pytest

from streamapp import topics
from tests.harness.kafka import prepare_topics, produce, read_until
from tests.harness.warehouse import WarehouseServer, env_of, query, schema_settings
from tests.harness.worker import Worker
from tests.integration.pipeline import reddit_post

pytestmark = pytest.mark.integration

SINK_SETTINGS = {
    "STREAMAPP_SINK_BATCH_SIZE": "100",
    "STREAMAPP_SINK_FLUSH_SECONDS": "0.5",
    "STREAMAPP_SINK_RETRY_FIRST_SECONDS": "0.5",
    "STREAMAPP_SINK_RETRY_MAX_SECONDS": "4",
}


def posts(prefix: str, start: int, count: int, created: float) -> list[tuple[str, bytes]]:
    return [
        reddit_post(f"t3_{prefix}{n}", f"Cancelling Netflix after the price hike #{n}", created)
        for n in range(start, start + count)
    ]


def with_duplicates(items: list[tuple[str, bytes]], rng: random.Random) -> list:
    """The same messages again (exact duplicates, as a retrying producer sends them)."""
    return items + rng.sample(items, k=len(items) // 5)


def wait_for_rows(settings, expected: int, timeout: float, sink: Worker) -> int:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    count = -1
    while time.monotonic() < deadline:
        try:
            count = query(settings, "SELECT COUNT(*) FROM POSTS")[0][0]
        except Exception:  # the table appears with the sink's first connection
            count = -1
        if count >= expected:
            return count
        time.sleep(0.5)
    raise AssertionError(f"{count} of {expected} rows after {timeout}s\n{sink.log_tail()}")


def assert_exactly_once(settings, expected_ids: set[str]) -> None:  # type: ignore[no-untyped-def]
    ids = [r[0] for r in query(settings, "SELECT EVENT_ID FROM POSTS")]
    assert len(ids) == len(set(ids)), "an event is in the warehouse twice"
    assert set(ids) == expected_ids


def test_sigkilled_sink_loads_every_post_exactly_once(
    kafka_broker, local_warehouse, unique_topic_prefix, tmp_path: Path
) -> None:
    bootstrap = kafka_broker.bootstrap
    prefix = unique_topic_prefix
    settings = schema_settings(local_warehouse)
    asyncio.run(prepare_topics(bootstrap, prefix))
    env = {**SINK_SETTINGS, **env_of(settings)}
    pipeline = Worker(bootstrap, prefix, tmp_path / "pipeline", env).start()
    sink = Worker(bootstrap, prefix, tmp_path / "sink", env, command="sink")
    rng = random.Random(20261121)
    sent: set[str] = set()
    now = time.time()
    try:
        pipeline.wait_ready()
        for kill in range(10):
            wave = posts(f"k{kill}_", 0, 120, now + kill)
            sent.update(key for key, _ in wave)
            asyncio.run(
                produce(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, with_duplicates(wave, rng))
            )
            sink.start()
            sink.wait_ready()
            time.sleep(rng.uniform(0.3, 2.5))  # somewhere in the middle of loading
            sink.kill()
        sink.start()
        wait_for_rows(settings, len(sent), timeout=120, sink=sink)
        time.sleep(2)  # anything still in flight would show up as a duplicate now
        assert_exactly_once(settings, sent)
    finally:
        sink.stop()
        pipeline.stop()


def test_warehouse_outage_loses_nothing_and_the_backlog_drains(
    kafka_broker, unique_topic_prefix, tmp_path: Path
) -> None:
    from streamapp.embedded import free_port

    bootstrap = kafka_broker.bootstrap
    prefix = unique_topic_prefix
    server = WarehouseServer(tmp_path / "wh", free_port())
    server.data_dir.mkdir()
    server.start()
    settings = schema_settings(server.endpoint)
    asyncio.run(prepare_topics(bootstrap, prefix))
    env = {**SINK_SETTINGS, **env_of(settings)}
    pipeline = Worker(bootstrap, prefix, tmp_path / "pipeline", env).start()
    sink = Worker(bootstrap, prefix, tmp_path / "sink", env, command="sink").start()
    sent: set[str] = set()
    try:
        pipeline.wait_ready()
        sink.wait_ready()
        first = posts("before_", 0, 200, time.time())
        asyncio.run(produce(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, first))
        sent.update(k for k, _ in first)
        wait_for_rows(settings, len(sent), timeout=60, sink=sink)

        server.stop()  # the warehouse is gone for 30 s while posts keep coming
        outage_end = time.monotonic() + 30
        n = 0
        while time.monotonic() < outage_end:
            wave = posts("during_", n, 50, time.time())
            asyncio.run(produce(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, wave))
            sent.update(k for k, _ in wave)
            n += 50
            time.sleep(3)
        assert sink.process and sink.process.poll() is None, "the sink died in the outage"
        log = sink.log_tail(100_000)  # the whole log: connector tracebacks are long
        assert "consumption paused, retrying in" in log

        server.start()
        wait_for_rows(settings, len(sent), timeout=90, sink=sink)
        assert_exactly_once(settings, sent)
    finally:
        sink.stop()
        pipeline.stop()
        server.stop()


def test_a_row_the_warehouse_refuses_goes_to_dead_letters(
    kafka_broker, local_warehouse, unique_topic_prefix, tmp_path: Path
) -> None:
    bootstrap = kafka_broker.bootstrap
    prefix = unique_topic_prefix
    settings = schema_settings(local_warehouse)
    asyncio.run(prepare_topics(bootstrap, prefix))
    good = {
        "event_id": "t3_good",
        "kind": "submission",
        "subreddit": "netflix",
        "created_utc": 1.0,
        "event_time": "2025-11-21T00:00:00+00:00",
        "platforms": ["netflix"],
        "intents": [],
        "sentiment": 0.1,
        "switch_from": None,
        "switch_to": None,
        "classifier_version": "x",
        "score": 1,
        "text": "ok",
    }
    refused = {**good, "event_id": "t3_refused", "event_time": "not a time"}
    unusable = b"{not json"
    items = [
        ("t3_good", json.dumps(good).encode()),
        ("t3_refused", json.dumps(refused).encode()),
        ("t3_unusable", unusable),
    ]
    asyncio.run(produce(bootstrap, prefix + topics.DISCUSSION_SIGNALS, items))
    sink = Worker(
        bootstrap, prefix, tmp_path / "sink", {**SINK_SETTINGS, **env_of(settings)}, command="sink"
    ).start()
    try:
        letters = asyncio.run(
            read_until(bootstrap, prefix + topics.DEAD_LETTERS, lambda r: len(r) >= 2, 60)
        )
        wait_for_rows(settings, 1, timeout=30, sink=sink)
        url = f"http://127.0.0.1:{sink.web_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            metrics = response.read().decode()
    finally:
        sink.stop()
    assert 'streamapp_sink_rows_loaded_total{table="POSTS"} 1.0' in metrics
    assert 'streamapp_sink_batch_seconds_count{table="POSTS"}' in metrics
    reasons = sorted(letter["reason"] for letter in letters)
    assert len(reasons) == 2, reasons
    assert reasons[0].startswith("cannot load into POSTS")
    assert "the warehouse refused the row" in reasons[1]
    assert [r[0] for r in query(settings, "SELECT EVENT_ID FROM POSTS")] == ["t3_good"]
    assert int(query(settings, "SELECT MAX(LAST_OFFSET) FROM KAFKA_OFFSETS")[0][0]) >= 0
