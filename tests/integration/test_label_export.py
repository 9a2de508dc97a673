"""Bring your own labels, end to end on a real broker: a worker classifies posts into
`discussion-signals`, `streamapp label export` samples them least confident first, a person
"reviews" them, `streamapp train` fits a model on them, and a worker given that model names
it in every signal; a worker given a corrupt model file stops at start and touches nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from streamapp import topics
from streamapp.analytics.intent_model import LABELLED_DIR
from tests.harness.kafka import prepare_topics, produce, read_until
from tests.harness.worker import Worker
from tests.integration.pipeline import reddit_post

pytestmark = pytest.mark.integration

TEXTS = [
    "Cancelled Netflix after the price hike, switching to Hulu",
    "What a great episode of Severance tonight",
    "hmm peacock, thinking about it, idk",
    "Netflix 17.99, Max 16.99, Disney 13.99. Cable was cheaper??",
    "the new season is on the usual sites already 🏴‍☠️",
    "Max pulled Westworld and now it isn't anywhere",
    "Dropped Sling for YouTube TV",
    "Pirates of the Caribbean on Disney+ tonight",
]
DATA = LABELLED_DIR


def streamapp(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "streamapp", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


async def signals_of(bootstrap: str, prefix: str, ids: set[str]) -> list[dict]:
    return await read_until(
        bootstrap,
        prefix + topics.DISCUSSION_SIGNALS,
        lambda rs: ids <= {r["event_id"] for r in rs},
        timeout=90,
    )


async def test_export_review_train_and_use_your_own_model(
    kafka_broker, unique_topic_prefix, tmp_path
):
    bootstrap, prefix = kafka_broker.bootstrap, f"{unique_topic_prefix}."
    await prepare_topics(bootstrap, prefix)
    now = time.time()
    posts = [reddit_post(f"t3_lx{i}", text, now + i * 0.01) for i, text in enumerate(TEXTS)]
    worker = Worker(bootstrap, prefix, tmp_path / "w1", {}).start()
    try:
        await produce(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, posts)
        signals = await signals_of(bootstrap, prefix, {pid for pid, _ in posts})
    finally:
        worker.stop()
    assert {s["event_id"] for s in signals} >= {pid for pid, _ in posts}

    env = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "STREAMAPP_TOPIC_PREFIX": prefix}
    out = tmp_path / "to_label.jsonl"
    done = streamapp("label", "export", "--limit", "5", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 5
    assert {r["id"] for r in rows} <= {pid for pid, _ in posts}
    assert [r["margin"] for r in rows] == sorted(r["margin"] for r in rows)
    assert all(r["reviewed"] is False and r["body"] in TEXTS for r in rows)
    assert f"5 of {len(signals)} recent signals" in done.stderr

    as_csv = tmp_path / "to_label.csv"
    done = streamapp("label", "export", "--limit", "8", "--out", str(as_csv), env=env)
    assert done.returncode == 0, done.stderr
    header = as_csv.read_text().splitlines()[0]
    assert header.startswith("id,reviewed,body,platforms,intents")

    # Unchecked guesses are refused; reviewed ones train a model of the user's own.
    base = tmp_path / "base.jsonl"
    base.write_text("\n".join((DATA / "train.jsonl").read_text().splitlines()[:300]) + "\n")
    model = tmp_path / "mine.npz"
    refused = streamapp("train", "--out", str(model), str(base), str(as_csv), env=env)
    assert refused.returncode == 2 and "reviewed" in refused.stderr
    as_csv.write_text(as_csv.read_text().replace(",false,", ",true,"))
    trained = streamapp("train", "--out", str(model), str(base), str(as_csv), env=env)
    assert trained.returncode == 0, trained.stderr

    worker = Worker(
        bootstrap, prefix, tmp_path / "w2", {"STREAMAPP_CLASSIFIER_MODEL": str(model)}
    ).start()
    try:
        more = [reddit_post("t3_lx_after", "Cancelled Hulu today", time.time())]
        await produce(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, more)
        after = await signals_of(bootstrap, prefix, {"t3_lx_after"})
    finally:
        worker.stop()
    mine = next(s for s in after if s["event_id"] == "t3_lx_after")
    assert mine["classifier_version"].startswith("intent-lr-4.u"), mine


async def test_worker_with_a_corrupt_model_stops_at_start_and_touches_nothing(
    kafka_broker, unique_topic_prefix, tmp_path
):
    bootstrap, prefix = kafka_broker.bootstrap, f"{unique_topic_prefix}."
    bad = tmp_path / "model.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    worker = Worker(bootstrap, prefix, tmp_path / "w", {"STREAMAPP_CLASSIFIER_MODEL": str(bad)})
    worker.start()
    assert worker.process is not None
    code = await asyncio.to_thread(worker.process.wait, 60)
    log = worker.log_tail()
    assert code == 2, log
    assert "STREAMAPP_CLASSIFIER_MODEL" in log and str(bad) in log and "corrupt" in log
    assert "Traceback" not in log
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = await admin.list_topics()
        groups = [g[0] for g in await admin.list_consumer_groups()]
    finally:
        await admin.close()
    assert not [t for t in names if t.startswith(prefix)], "the worker created topics"
    assert f"{prefix}app" not in groups, "the worker joined its consumer group"
