"""A worker SIGKILLed after a batch's partial aggregates reached Kafka, but before the
marks saying so did: its replacement counts every post exactly once.

The worker is the real `streamapp worker`, wrapped to kill itself at exactly that point
(tests/harness/faulty_worker.py, `die-after-contributions`)."""

from __future__ import annotations

import time

import pytest

from streamapp import topics
from tests.harness.kafka import prepare_topics, produce, read_until
from tests.harness.worker import Worker, faulty_worker
from tests.integration.pipeline import counted_once, reddit_post

pytestmark = pytest.mark.integration

TRIGGER = "t3_last_words"


async def test_a_worker_killed_between_aggregates_and_marks_is_not_counted_twice(
    kafka_broker, unique_topic_prefix, tmp_path
):
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    raw = prefix + topics.REDDIT_DISCUSSIONS
    await prepare_topics(bootstrap, prefix)
    doomed = faulty_worker(
        bootstrap, prefix, tmp_path / "doomed", "die-after-contributions", TRIGGER
    ).start()
    replacement = None
    try:
        doomed.wait_ready(90)
        now = time.time()
        first = [reddit_post(f"t3_k{i}", f"Hulu has nothing to watch #{i}", now) for i in range(10)]
        await produce(bootstrap, raw, first, partition=0)
        # Processed and marked before the fatal batch: the look-up starts at that mark.
        await read_until(
            bootstrap, prefix + topics.DISCUSSION_SIGNALS, lambda r: len(r) >= len(first)
        )
        time.sleep(1.0)  # past the commit interval: the marks are written
        second = [
            reddit_post(f"t3_m{i}", f"Hulu has nothing to watch #{i}", now) for i in range(20)
        ]
        second[10] = reddit_post(TRIGGER, "Hulu has nothing to watch, cancelling", now)
        await produce(bootstrap, raw, second, partition=0)

        deadline = time.monotonic() + 30
        while doomed.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert doomed.process.poll() is not None, doomed.log_tail()
        assert "test: dying after the contributions" in doomed.log_tail()

        replacement = Worker(bootstrap, prefix, tmp_path / "replacement", {}).start()
        replacement.wait_ready(90)
        sent = len(first) + len(second)
        windows = await read_until(
            bootstrap, prefix + topics.PLATFORM_WINDOWS, lambda r: counted_once(r) >= sent
        )
        assert counted_once(windows) == sent, windows  # the fatal batch counted once
        log = replacement.log_tail(lines=400)
        assert "took over" in log and f"{raw}:0" in log
    finally:
        doomed.kill()
        if replacement is not None:
            replacement.stop()
