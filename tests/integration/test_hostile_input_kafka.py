"""Hostile input against the real Apache Kafka and a real `streamapp worker` (issue 11).

Over 11,000 bad messages of every class in tests/hostile_messages.py (invalid UTF-8,
lone surrogates, deep nesting, NaN, dates no calendar holds, oversized values, huge
keys, ...) interleaved with valid posts and trend points, produced by a stranger's client
(librdkafka, through confluent-kafka). No agent may crash: every valid post becomes one
signal, every bad message one dead letter with its exact bytes (or size and hash), and
no valid record is dead-lettered.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import urllib.request
from collections import Counter
from functools import partial

import pytest
from confluent_kafka import Producer
from prometheus_client.parser import text_string_to_metric_families

from streamapp import topics
from tests.harness.kafka import prepare_topics, read_until
from tests.harness.worker import Worker
from tests.hostile_messages import Sample, hostile_mix

pytestmark = pytest.mark.integration
BAD_POSTS, VALID_POSTS, OVERSIZED, HUGE_KEYS = 10_000, 1_000, 5, 2
BAD_POINTS, VALID_POINTS = 500, 500


def produce_with_librdkafka(
    bootstrap: str, topic: str, samples: list[Sample]
) -> list[tuple[int, int]]:
    """Produce in big batches; return each sample's (partition, offset)."""
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "linger.ms": 20,
            "batch.size": 1_000_000,
            "acks": "all",
            "message.max.bytes": 1_000_000,
        }
    )
    positions: list[tuple[int, int] | None] = [None] * len(samples)
    errors: list[str] = []

    def delivered(i: int, err, msg) -> None:  # type: ignore[no-untyped-def]
        if err is not None:
            errors.append(f"{i}: {err}")
        else:
            positions[i] = (msg.partition(), msg.offset())

    for i, sample in enumerate(samples):
        while True:
            try:
                producer.produce(topic, sample.value, sample.key, on_delivery=partial(delivered, i))
                break
            except BufferError:  # the local queue is full: let deliveries drain
                producer.poll(0.1)
        producer.poll(0)
    assert producer.flush(60) == 0 and not errors, errors[:5]
    assert all(p is not None for p in positions)
    return positions  # type: ignore[return-value]


def dead_letter_counts(worker: Worker, source_topics: set[str]) -> Counter[str]:
    url = f"http://127.0.0.1:{worker.web_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    counts: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "streamapp_dead_letters_total" and s.labels["topic"] in source_topics:
                counts[s.labels["reason"]] += int(s.value)
    return counts


def decoded(b64: str | None) -> bytes | None:
    return None if b64 is None else base64.b64decode(b64)


async def test_no_hostile_message_crashes_an_agent(kafka_broker, unique_topic_prefix, tmp_path):
    started = time.monotonic()
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    reddit, trends = prefix + topics.REDDIT_DISCUSSIONS, prefix + topics.STREAMING_TRENDS
    await prepare_topics(bootstrap, prefix)
    worker = Worker(bootstrap, prefix, tmp_path, {}).start()
    try:
        worker.wait_ready()
        now = time.time()
        posts = hostile_mix(
            2026,
            bad=BAD_POSTS,
            valid=VALID_POSTS,
            now=now,
            oversized=OVERSIZED,
            huge_keys=HUGE_KEYS,
        )
        points = hostile_mix(11, bad=BAD_POINTS, valid=VALID_POINTS, now=now, topic="points")
        produced = {
            (reddit, *at): s
            for at, s in zip(produce_with_librdkafka(bootstrap, reddit, posts), posts, strict=True)
        }
        produced.update(
            {
                (trends, *at): s
                for at, s in zip(
                    produce_with_librdkafka(bootstrap, trends, points), points, strict=True
                )
            }
        )
        bad = {at: s for at, s in produced.items() if not s.valid}
        valid_ids = {s.event_id for s in posts if s.valid}
        assert len(bad) >= 10_000 and len(valid_ids) == VALID_POSTS
        produced_at = time.monotonic()

        def positions(letters):
            return {(x["source_topic"], x["partition"], x["offset"]) for x in letters}

        letters = await read_until(
            bootstrap, prefix + topics.DEAD_LETTERS, lambda r: len(positions(r)) >= len(bad), 90
        )
        signals = await read_until(
            bootstrap,
            prefix + topics.DISCUSSION_SIGNALS,
            lambda r: {s["event_id"] for s in r} >= valid_ids,
            60,
        )
        processed_at = time.monotonic()

        # No agent crashed: the worker runs, and its log has no crash and no trace.
        assert worker.process.poll() is None
        log = next(tmp_path.glob(f"worker-{worker.web_port}.log")).read_text(errors="replace")
        assert "Traceback" not in log and "crashed" not in log.lower(), worker.log_tail(80)

        # Every valid post became exactly one signal, with text that encodes as UTF-8.
        per_id = Counter(s["event_id"] for s in signals)
        assert set(per_id) == valid_ids and max(per_id.values()) == 1
        assert all(json.dumps(s, ensure_ascii=False).encode("utf-8") for s in signals)

        # Every bad message is one dead letter with its bytes; no valid record is one.
        assert positions(letters) == set(bad)
        assert len(letters) == len(bad)
        hashed = 0
        for letter in letters:
            sample = bad[(letter["source_topic"], letter["partition"], letter["offset"])]
            assert letter["original_size"] == len(sample.value or b"")
            if letter["original_sha256"] is None:
                assert decoded(letter["original_value_b64"]) == sample.value, letter
            else:
                hashed += 1
                assert letter["original_sha256"] == hashlib.sha256(sample.value).hexdigest()
                assert letter["original_value_b64"] is None
            if letter["original_key_sha256"] is None:
                assert decoded(letter["original_key_b64"]) == sample.key, letter
            else:
                assert letter["original_key_sha256"] == hashlib.sha256(sample.key).hexdigest()
        # The oversized values, and the letters too big for Kafka with their huge keys.
        too_big = [s for s in bad.values() if s.kind == "huge_key" and len(s.key) > 400_000]
        assert too_big and hashed == OVERSIZED + len(too_big)

        counts = dead_letter_counts(worker, {reddit, trends})
        assert sum(counts.values()) == len(bad) and counts["too_large"] == hashed
        assert counts["error"] == 0  # every refusal was a reasoned one, no parser surprise
        kinds = Counter(s.kind for s in bad.values())
        print(
            f"\nhostile input: {len(bad)} bad ({len(kinds)} classes), {VALID_POSTS} valid "
            f"posts, {VALID_POINTS} valid points -> {len(signals)} signals, {len(letters)} "
            f"dead letters ({hashed} by hash); produced in {produced_at - started:.1f}s "
            f"from the start, processed in {processed_at - produced_at:.1f}s"
        )
    finally:
        worker.stop()
