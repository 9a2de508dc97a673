"""`GET /metrics` of a real worker against the real Apache Kafka: the values move when
events flow (events in/out per topic, processing latency, alerts fired, consumer lag)."""

from __future__ import annotations

import json
import signal
import time
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from streamapp import topics
from tests.harness.kafka import prepare_topics, produce
from tests.harness.worker import Worker
from tests.integration.pipeline import netflix_windows, produce_paced, reddit_post

pytestmark = pytest.mark.integration
SIZE = 2.0
FAMILIES = {
    "streamapp_events_in",
    "streamapp_events_out",
    "streamapp_processing_seconds",
    "streamapp_consumer_lag",
    "streamapp_alerts_fired",
    "streamapp_sink_batch_seconds",
    "streamapp_sink_rows_loaded",
    "streamapp_collector_staleness_seconds",
}


def scrape(worker: Worker) -> tuple[str, dict[tuple[str, frozenset], float]]:
    url = f"http://127.0.0.1:{worker.web_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        content_type = response.headers["Content-Type"]
        text = response.read().decode()
    samples = {}
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    missing = FAMILIES - names
    assert not missing, f"families missing from /metrics: {missing}"
    return content_type, samples


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def lag_of(samples, topic: str) -> dict[str, float]:
    return {
        dict(labels)["partition"]: v
        for (name, labels), v in samples.items()
        if name == "streamapp_consumer_lag" and dict(labels)["topic"] == topic
    }


def wait_for(worker: Worker, condition, timeout: float = 45, every: float = 0.25):
    deadline = time.monotonic() + timeout
    samples: dict = {}
    while time.monotonic() < deadline:
        _, samples = scrape(worker)
        if condition(samples):
            return samples
        time.sleep(every)
    raise AssertionError(
        f"/metrics never met the condition in {timeout}s; last sample: "
        f"{json.dumps({str(k): v for k, v in samples.items() if 'streamapp' in k[0]})[:3000]}"
    )


async def test_metrics_move_when_events_flow(kafka_broker, unique_topic_prefix, tmp_path):
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    reddit, signals = prefix + topics.REDDIT_DISCUSSIONS, prefix + topics.DISCUSSION_SIGNALS
    await prepare_topics(bootstrap, prefix)
    worker = Worker(bootstrap, prefix, tmp_path, {}).start()
    try:
        worker.wait_ready()
        content_type, before = scrape(worker)
        assert content_type.startswith("text/plain") and "version=0.0.4" in content_type
        assert value(before, "streamapp_events_in_total", topic=reddit) == 0

        # 1. A piracy surge and two bad messages: counts per topic, an alert, latency.
        start = (int(time.time()) // 2) * 2 - 60.0
        windows = netflix_windows(start, SIZE, [1] * 8 + [20] + [1] * 3)
        total = sum(len(w) for w in windows)
        await produce(bootstrap, reddit, [(None, b"{not json"), ("t3_bad", b'{"id": "x"}')])
        await produce_paced(bootstrap, reddit, windows)
        after = wait_for(
            worker,
            lambda s: (
                value(s, "streamapp_alerts_fired_total", rule="piracy_surge") >= 1
                and value(s, "streamapp_events_out_total", topic=signals) >= total
            ),
        )
        assert value(after, "streamapp_events_in_total", topic=reddit) == total + 2
        assert value(after, "streamapp_events_out_total", topic=signals) == total
        assert (
            value(after, "streamapp_events_out_total", topic=prefix + topics.PIRACY_SENTIMENT) == 31
        )
        assert value(after, "streamapp_events_out_total", topic=prefix + topics.DEAD_LETTERS) == 2
        assert value(after, "streamapp_alerts_fired_total", rule="piracy_surge") == 1
        assert (
            value(after, "streamapp_events_out_total", topic=prefix + topics.STREAMING_ALERTS) >= 1
        )
        assert (
            value(after, "streamapp_events_out_total", topic=prefix + topics.PLATFORM_WINDOWS) >= 8
        )
        contributions = prefix + topics.PLATFORM_CONTRIBUTIONS
        assert value(after, "streamapp_events_in_total", topic=contributions) > 0
        assert value(after, "streamapp_events_out_total", topic=contributions) > 0
        batches = value(after, "streamapp_processing_seconds_count", agent="classify_posts")
        assert batches >= 1
        latency = value(after, "streamapp_processing_seconds_sum", agent="classify_posts")
        assert 0 < latency / batches < 5  # seconds per batch, arrival to done

        # 2. Consumer lag: a backlog builds while the worker is frozen, then drains.
        caught_up = wait_for(worker, lambda s: sum(lag_of(s, reddit).values()) == 0)
        assert set(lag_of(caught_up, reddit)) == {"0", "1", "2", "3"}
        now = time.time()
        backlog = [reddit_post(f"t3_lag{n}", f"Netflix chat #{n}", now) for n in range(8000)]
        worker.process.send_signal(signal.SIGSTOP)  # shorter than the 6 s session
        try:
            await produce(bootstrap, reddit, backlog)
        finally:
            worker.process.send_signal(signal.SIGCONT)
        seen_lag = 0.0
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            _, samples = scrape(worker)
            seen_lag = max(seen_lag, sum(lag_of(samples, reddit).values()))
            done = value(samples, "streamapp_events_in_total", topic=reddit) >= total + 2 + 8000
            if done and sum(lag_of(samples, reddit).values()) == 0:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"backlog never drained; lag seen {seen_lag}\n{worker.log_tail()}")
        print(f"highest consumer lag seen: {seen_lag:.0f}")
        assert seen_lag > 0, "consumer lag never rose while 8,000 posts waited"
        assert value(samples, "streamapp_events_in_total", topic=reddit) == total + 2 + 8000
    finally:
        worker.stop()
