"""What a worker pod meets on a brand-new cluster: nothing created for it, posts arriving
from a stranger's client at once, no data directory, maybe no right to create topics.

Each test uses topic names (and an app id) nobody used before, so to the worker the
shared broker is a new cluster: none of its topics or changelogs exist.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest
from confluent_kafka import Producer

from streamapp import topics
from streamapp.config import DEFAULT_DATA_DIR
from streamapp.embedded import create_topics, free_port
from tests.harness.kafka import read_until
from tests.harness.worker import FAST_SETTINGS, Worker
from tests.integration.pipeline import reddit_post

pytestmark = pytest.mark.integration

STARTS = 5
POSTS = 40


def send_with_librdkafka(bootstrap: str, topic: str, items: list[tuple[str, bytes]]) -> None:
    """A stranger's producer (librdkafka): its topic may not exist yet; it retries."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    for key, value in items:
        producer.produce(topic, value=value, key=key.encode())
    assert producer.flush(60) == 0, "librdkafka could not deliver every post"


def signal_ids(records: list[dict]) -> set[str]:
    return {r["event_id"] for r in records}


async def test_a_bare_worker_on_a_new_cluster_reads_posts_sent_at_once(
    kafka_broker, unique_topic_prefix, tmp_path
):
    bootstrap = kafka_broker.bootstrap
    for start in range(STARTS):
        prefix = f"{unique_topic_prefix}.{start}."
        # The first start also runs where nothing exists: no data directory, no settings.
        cwd = tmp_path / "empty" if start == 0 else None
        if cwd is not None:
            cwd.mkdir()
        worker = Worker(bootstrap, prefix, tmp_path / f"w{start}", {}, cwd=cwd).start()
        try:
            now = time.time()
            posts = [
                reddit_post(f"t3_s{start}_{i}", f"Netflix tonight #{i}", now) for i in range(POSTS)
            ]
            # At once: the producer races the worker's own start (and may create the
            # topic itself, with the broker's defaults).
            await asyncio.to_thread(
                send_with_librdkafka, bootstrap, prefix + topics.REDDIT_DISCUSSIONS, posts
            )
            wanted = {key for key, _ in posts}
            signals = await read_until(
                bootstrap,
                prefix + topics.DISCUSSION_SIGNALS,
                lambda r, wanted=wanted: wanted <= signal_ids(r),
                timeout=90,
            )
            missing = wanted - signal_ids(signals)
            assert not missing, (
                f"start {start}: {len(missing)} posts never became signals\n{worker.log_tail()}"
            )
            if cwd is not None:
                made = list((cwd / DEFAULT_DATA_DIR).glob("worker-*"))
                assert made, "the default data directory was not created with its parent"
            # Ready soon after: the title catalogue is read to its (empty) end once the
            # group's first assignment starts the worker's tasks, which may be a moment
            # after the first posts came out.
            worker.wait_ready(timeout=30)
            status, body = worker.get("/readyz")
            assert status == 200 and body["ready"] and body["catalogue_read"], body
        finally:
            worker.stop()


def run_streamapp(args: list[str], env: dict[str, str], timeout: float = 60):
    return subprocess.run(
        [sys.executable, "-m", "streamapp", *args],
        env={**os.environ, **FAST_SETTINGS, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def app_env(bootstrap: str, prefix: str) -> dict[str, str]:
    return {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "STREAMAPP_TOPIC_PREFIX": prefix,
        "STREAMAPP_APP_ID": f"{prefix}app",
    }


def test_without_the_right_to_create_topics_the_worker_names_what_is_missing(
    kafka_broker, unique_topic_prefix, tmp_path
):
    prefix = unique_topic_prefix + "."
    env = {
        **app_env(kafka_broker.bootstrap, prefix),
        "STREAMAPP_CREATE_TOPICS": "false",
        "STREAMAPP_DATA_DIR": str(tmp_path / "data"),
        "STREAMAPP_WEB_PORT": str(free_port()),
    }
    done = run_streamapp(["worker"], env)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr + done.stdout
    assert f"missing  {prefix}{topics.REDDIT_DISCUSSIONS}" in done.stderr
    assert f"missing  {prefix}app-alert-state-changelog" in done.stderr
    assert "streamapp topics create" in done.stderr


def test_topics_create_and_check(kafka_broker, unique_topic_prefix):
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    env = app_env(bootstrap, prefix)
    check = run_streamapp(["topics", "check"], env)
    assert check.returncode == 1
    assert f"missing  {prefix}{topics.DEAD_LETTERS}" in check.stdout
    assert "Traceback" not in check.stderr

    create = run_streamapp(["topics", "create"], env)
    assert create.returncode == 0, create.stderr
    assert f"created  {prefix}{topics.DEAD_LETTERS}" in create.stdout
    assert f"created  {prefix}app-warehouse-__assignor-__leader" in create.stdout

    again = run_streamapp(["topics", "check"], env)
    assert again.returncode == 0, again.stdout + again.stderr
    *lines, verdict = again.stdout.splitlines()
    # 19 topics, 11 table changelogs and the two apps' assignor topics
    assert len(lines) == 32 and all(line.startswith("ok ") for line in lines), again.stdout
    for name in (
        topics.TITLE_CATALOGUE,
        topics.TITLE_TRENDS,
        topics.SUBSCRIPTION_EVENTS,
        "app-title-play-lanes-changelog",
    ):
        assert any(line.endswith(f"{prefix}{name}") for line in lines), name
    assert verdict == "topics: 32 checked, 0 missing or unusable, all served"

    # A changelog with another partition count than its table would stop Faust: check
    # says so and fails, before any worker meets it.
    other = unique_topic_prefix + "-other."
    asyncio.run(create_topics(bootstrap, [f"{other}app-window-state-changelog"], 2))
    wrong = run_streamapp(["topics", "check", "--for", "worker"], app_env(bootstrap, other))
    assert wrong.returncode == 1
    assert "needs exactly 4" in wrong.stdout


def test_the_windows_expect_every_partition_the_cluster_serves(
    kafka_broker, unique_topic_prefix, tmp_path, monkeypatch
):
    """A raw topic someone made with more partitions than configured (6, not 4): what a
    worker learns before it starts makes every one of them a lane the windows wait for."""
    import logging

    from streamapp.agents.aggregate_windows import input_lanes
    from streamapp.app import create_app
    from streamapp.config import Settings
    from streamapp.runtime.topic_plan import prepare_start

    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    reddit = prefix + topics.REDDIT_DISCUSSIONS
    asyncio.run(create_topics(bootstrap, [reddit], 6))
    for key, value in {**app_env(bootstrap, prefix), "STREAMAPP_DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    app = create_app(settings)
    assert len(input_lanes(app.pipeline)) == 4 + 4  # before: the configured count
    prepare_start(app, settings, logging.getLogger("test"))
    lanes = input_lanes(app.pipeline)
    assert [lane for lane in lanes if lane.startswith(reddit)] == [
        f"{reddit}:{p}" for p in range(6)
    ]
    assert len(lanes) == 6 + 4  # streaming-trends was created with the configured 4
