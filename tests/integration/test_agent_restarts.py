"""An agent that fails inside a real worker comes back, is counted, and `/healthz` says
so while it is down; nothing it was handling is lost.

The worker is the real `streamapp worker` with one fault injected into the
classification agent (tests/harness/faulty_worker.py).
"""

from __future__ import annotations

import asyncio
import re
import time
import urllib.request

import pytest

from streamapp import topics
from tests.harness.kafka import prepare_topics, produce, read_until
from tests.harness.worker import faulty_worker
from tests.integration.pipeline import reddit_post

pytestmark = pytest.mark.integration

KEY = "t3_trigger"
# Long enough to see the agent down between two probes.
SLOW_RESTART = {"STREAMAPP_AGENT_RESTART_FIRST_SECONDS": "2"}


def restarts(worker, agent: str = "classify_posts") -> float:
    url = f"http://127.0.0.1:{worker.web_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    found = re.search(rf'streamapp_agent_restarts_total{{agent="{agent}"}} ([0-9.]+)', text)
    return float(found.group(1)) if found else 0.0


async def run_with_fault(bootstrap, prefix, tmp_path, fault):
    """Start the faulty worker, send 11 posts (the trigger among them), watch /healthz
    until every post is accounted for; returns (worker, health seen, signals, letters)."""
    await prepare_topics(bootstrap, prefix)
    worker = faulty_worker(bootstrap, prefix, tmp_path / "w", fault, KEY, SLOW_RESTART).start()
    await asyncio.to_thread(worker.wait_ready, 90)
    now = time.time()
    posts = [reddit_post(f"t3_{i}", f"Netflix tonight #{i}", now) for i in range(10)]
    posts.insert(5, reddit_post(KEY, "Netflix: the post that trips the bug", now))
    await produce(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, posts)
    health: list[tuple[int, dict]] = []
    signals: list[dict] = []
    letters: list[dict] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        health.append(await asyncio.to_thread(worker.get, "/healthz"))
        signals = await read_until(
            bootstrap, prefix + topics.DISCUSSION_SIGNALS, lambda r: False, timeout=0.3
        )
        letters = await read_until(
            bootstrap, prefix + topics.DEAD_LETTERS, lambda r: False, timeout=0.3
        )
        accounted = len({s["event_id"] for s in signals}) + len(letters)
        if accounted >= len(posts) and health[-1][0] == 200:
            break
    return worker, health, signals, letters


async def test_a_failing_agent_is_restarted_counted_and_reported_down_meanwhile(
    kafka_broker, unique_topic_prefix, tmp_path
):
    worker, health, signals, letters = await run_with_fault(
        kafka_broker.bootstrap, unique_topic_prefix + ".", tmp_path, "fail-twice"
    )
    try:
        down = [body for status, body in health if status == 503]
        assert down, f"/healthz never said the agent was down: {health[:5]}"
        assert down[0]["agents_down"] == {"classify_posts": "RuntimeError: injected bug"}
        assert health[-1] == (200, {"status": "ok"})
        assert len({s["event_id"] for s in signals}) == 11, worker.log_tail()
        assert letters == []
        assert restarts(worker) == 2
    finally:
        worker.stop()


async def test_a_message_the_agent_always_fails_on_is_dead_lettered_and_the_rest_goes_on(
    kafka_broker, unique_topic_prefix, tmp_path
):
    worker, health, signals, letters = await run_with_fault(
        kafka_broker.bootstrap, unique_topic_prefix + ".", tmp_path, "poison"
    )
    try:
        assert {s["event_id"] for s in signals} == {f"t3_{i}" for i in range(10)}
        [letter] = letters
        assert (
            letter["reason"]
            == "agent classify_posts failed on this message: RuntimeError: injected bug"
        )
        assert health[-1][0] == 200
        assert restarts(worker) >= 3
    finally:
        worker.stop()


async def test_a_cancelled_agent_task_is_restarted_and_reads_its_batch_again(
    kafka_broker, unique_topic_prefix, tmp_path
):
    worker, health, signals, letters = await run_with_fault(
        kafka_broker.bootstrap, unique_topic_prefix + ".", tmp_path, "cancel-agent"
    )
    try:
        assert len({s["event_id"] for s in signals}) == 11, worker.log_tail()
        assert letters == []
        assert restarts(worker) == 1
        assert health[-1] == (200, {"status": "ok"})
    finally:
        worker.stop()
