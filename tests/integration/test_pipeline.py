"""The worker against the real Apache Kafka: posts in; signals, windows and alerts out."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time

import pytest

from streamapp import topics
from tests.harness.kafka import prepare_topics, produce, read_until
from tests.harness.worker import Worker
from tests.integration.pipeline import netflix_windows, produce_paced

pytestmark = pytest.mark.integration
SIZE = 2.0


ALERT_FIELDS = {
    "alert_id",
    "rule",
    "platform",
    "status",
    "severity",
    "window_start",
    "window_end",
    "observed",
    "baseline",
    "score",
    "message",
    "evidence",
    "fired_at",
}


def tail_alerts_cli(bootstrap: str, prefix: str) -> dict:
    """`streamapp alerts --json` as a subscriber script would run it."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamapp",
            "alerts",
            "--json",
            "--from-beginning",
            "--max",
            "1",
            "--timeout",
            "30",
            "--bootstrap",
            bootstrap,
        ],
        env={**os.environ, "STREAMAPP_TOPIC_PREFIX": prefix},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout.splitlines()[0])


def firing(alerts, rule="piracy_surge", platform="netflix"):
    return [
        a
        for a in alerts
        if a["rule"] == rule and a["platform"] == platform and a["status"] == "firing"
    ]


async def test_posts_flow_to_signals_windows_alerts_and_dead_letters(
    kafka_broker, unique_topic_prefix, worker_factory
):
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    await prepare_topics(bootstrap, prefix)
    worker = worker_factory()
    worker.wait_ready()
    assert worker.get("/healthz") == (200, {"status": "ok"})

    start = (int(time.time()) // 2) * 2 - 60.0  # a minute of history, replayed
    windows = netflix_windows(start, SIZE, [1] * 8 + [20] + [1] * 3)
    surge_ids = {key for key, _ in windows[8]}
    bad = [(None, b"{not json"), ("t3_bad", b'{"id": "t3_bad", "kind": "submission"}')]
    await produce(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, bad)
    await produce_paced(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, windows)
    total = sum(len(w) for w in windows)

    signals = await read_until(
        bootstrap, prefix + topics.DISCUSSION_SIGNALS, lambda r: len(r) >= total
    )
    assert len({s["event_id"] for s in signals}) == total
    assert all(s["platforms"] == ["netflix"] for s in signals)

    piracy = await read_until(
        bootstrap, prefix + topics.PIRACY_SENTIMENT, lambda r: len(r) >= 31, timeout=10
    )
    assert len({p["event_id"] for p in piracy}) == 31

    alerts = await read_until(bootstrap, prefix + topics.STREAMING_ALERTS, lambda r: firing(r))
    [alert] = firing(alerts)
    assert alert["window_start"] == _iso(start + 8 * SIZE)
    assert set(alert["evidence"]) <= surge_ids and alert["evidence"]
    assert alert["observed"] == 20 and alert["severity"] == "critical"
    assert set(alert) >= ALERT_FIELDS
    assert tail_alerts_cli(bootstrap, prefix)["alert_id"] == alert["alert_id"]

    closed = await read_until(
        bootstrap,
        prefix + topics.PLATFORM_WINDOWS,
        lambda r: sum(w["mentions"] + w["late_events"] for w in r) >= total,
    )
    assert sum(w["mentions"] + w["late_events"] for w in closed) == total  # nothing lost
    assert len({w["window_id"] for w in closed}) == len(closed)
    assert sum(w["intent_counts"].get("piracy", 0) for w in closed) <= 31

    letters = await read_until(bootstrap, prefix + topics.DEAD_LETTERS, lambda r: len(r) >= 2)
    by_bytes = {base64.b64decode(x["original_value_b64"]): x for x in letters}
    assert set(by_bytes) == {v for _, v in bad}  # the original bytes, exactly
    assert "not valid JSON" in by_bytes[b"{not json"]["reason"]
    assert "missing field" in by_bytes[bad[1][1]]["reason"]
    assert all(x["source_topic"] == prefix + topics.REDDIT_DISCUSSIONS for x in letters)
    assert all(x["offset"] >= 0 and x["partition"] >= 0 for x in letters)
    assert worker.process.poll() is None  # bad input never stops the worker


async def test_killed_worker_recovers_tables_and_never_fires_twice(
    kafka_broker, unique_topic_prefix, worker_factory
):
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    await prepare_topics(bootstrap, prefix)
    first = worker_factory()
    first.wait_ready()
    start = (int(time.time()) // 2) * 2 - 60.0
    windows = netflix_windows(start, SIZE, [1] * 8 + [20, 20] + [1] * 6)
    await produce_paced(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, windows[:10])
    alerts = await read_until(bootstrap, prefix + topics.STREAMING_ALERTS, lambda r: firing(r))
    [alert] = firing(alerts)
    time.sleep(1.5)  # past a commit interval
    first.kill()

    second = worker_factory()
    second.wait_ready(timeout=90)
    await produce_paced(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, windows[10:])
    alerts = await read_until(
        bootstrap,
        prefix + topics.STREAMING_ALERTS,
        lambda r: any(a["status"] == "resolved" and a["rule"] == "piracy_surge" for a in r),
    )
    assert [a["alert_id"] for a in firing(alerts)] == [alert["alert_id"]]
    # The resolution carries the id stored in the alert-state table: it was recovered.
    [resolved] = [a for a in alerts if a["status"] == "resolved" and a["rule"] == "piracy_surge"]
    assert resolved["alert_id"] == alert["alert_id"]


def _iso(epoch: float) -> str:
    from streamapp.records.raw import iso_utc

    return iso_utc(epoch)


@pytest.mark.tansu
async def test_smoke_on_the_tansu_fallback_broker(tansu_broker, unique_topic_prefix, tmp_path):
    """The pip-only fallback: same flow, smaller. Short sessions (tansu holds JoinGroup)."""
    bootstrap, prefix = tansu_broker.bootstrap, unique_topic_prefix + "."
    await prepare_topics(bootstrap, prefix)
    env = {"STREAMAPP_SESSION_TIMEOUT_SECONDS": "4", "STREAMAPP_HEARTBEAT_INTERVAL_SECONDS": "0.5"}
    worker = Worker(bootstrap, prefix, tmp_path, env).start()
    try:
        worker.wait_ready(timeout=90)
        start = (int(time.time()) // 2) * 2 - 60.0
        windows = netflix_windows(start, SIZE, [1] * 6 + [15] + [1] * 2)
        await produce_paced(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, windows)
        total = sum(len(w) for w in windows)
        signals = await read_until(
            bootstrap, prefix + topics.DISCUSSION_SIGNALS, lambda r: len(r) >= total
        )
        assert len({s["event_id"] for s in signals}) == total
        alerts = await read_until(bootstrap, prefix + topics.STREAMING_ALERTS, lambda r: firing(r))
        assert len(firing(alerts)) == 1
    finally:
        worker.stop()
