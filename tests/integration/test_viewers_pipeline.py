"""The viewers' path against the real Apache Kafka and a real worker: viewing events in,
churn risk out, bad events to dead-letters; a SIGKILLed worker neither counts a session
twice nor forgets what its model learned."""

from __future__ import annotations

import json
import time

import pytest
from aiokafka import AIOKafkaConsumer

from streamapp import topics
from streamapp.analytics.viewers.engine import ChurnEngine
from streamapp.analytics.viewers.features import FEATURES, SESSIONS, new_state
from streamapp.sources.producer import encode_value
from streamapp.sources.viewers.simulator import ViewerSimulator
from tests.harness.kafka import prepare_topics, produce, read_until

pytestmark = pytest.mark.integration
DAY = 86_400.0
# Ten days ago, at midnight: event times the worker accepts (not in the future).
T0 = (time.time() // DAY - 10) * DAY
BAD = [
    (None, b"not json"),
    (
        "k",
        json.dumps(
            {
                "event_id": "e",
                "account": "a",
                "platform": "netflix",
                "type": "binge",
                "ts": "2026-01-01T00:00:00Z",
            }
        ).encode(),
    ),
]


def viewing(accounts: int, days: float, seed: int = 3) -> list[tuple[str, bytes]]:
    sim = ViewerSimulator(seed=seed, accounts=accounts)
    return [(e.key, encode_value(e.value)) for e in sim.events_between(T0, T0 + days * DAY)]


def sessions_in(state: dict) -> int:
    return int(sum(row[SESSIONS] for row in state["days"].values())) + (state["sess"] is not None)


def offline_sessions(items: list[tuple[str, bytes]]) -> dict[str, int]:
    """The same events folded without Kafka: sessions per account|platform."""
    engine, states = ChurnEngine(), {}
    for _, value in items:
        v = json.loads(value)
        key = f"{v['account']}|{v['platform']}"
        ts = time.mktime(time.strptime(v["ts"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        ts += float("0." + v["ts"][20:-1]) if "." in v["ts"] else 0.0
        state = states.setdefault(key, new_state(ts))
        engine.on_event(state, v["type"], ts, v)
    return {k: sessions_in(s) for k, s in states.items()}


async def changelog(bootstrap: str, prefix: str) -> list[tuple[int, str, dict | None]]:
    """(partition, key, value) of the viewers' table changelog, in order per partition."""
    consumer = AIOKafkaConsumer(
        f"{prefix}app-viewer-state-changelog",
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    out: list[tuple[int, str, dict | None]] = []
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=2000)
            if not batches:
                return out
            for tp, batch in batches.items():
                for r in batch:
                    value = json.loads(r.value) if r.value else None
                    out.append((tp.partition, json.loads(r.key), value))
    finally:
        await consumer.stop()


def learned_counts(log: list[tuple[int, str, dict | None]]) -> dict[int, list[int]]:
    counts: dict[int, list[int]] = {}
    for partition, key, value in log:
        if key.startswith("__model__|") and value:
            counts.setdefault(partition, []).append(value["engine"]["learned"])
    return counts


async def test_viewing_events_flow_to_churn_risk_and_bad_ones_to_dead_letters(
    kafka_broker, unique_topic_prefix, worker_factory
) -> None:
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    await prepare_topics(bootstrap, prefix)
    worker = worker_factory()
    worker.wait_ready()
    events = viewing(accounts=30, days=3)
    await produce(bootstrap, prefix + topics.VIEWING_EVENTS, BAD + events)

    risks = await read_until(bootstrap, prefix + topics.CHURN_RISK, lambda r: len(r) >= 20)
    assert len(risks) >= 20, worker.log_tail()
    hashes = {json.loads(v)["account"] for _, v in events}
    for risk in risks:
        assert risk["account"] in hashes and len(risk["account"]) == 64
        assert 0 < risk["risk"] < 1 and 0 < risk["baseline_risk"] < 1
        assert len(risk["top_features"]) == 3 and set(risk["top_features"]) <= set(FEATURES)
        assert risk["model_version"].startswith("churn-lr-1+")
        assert risk["reason"] in ("session_end", "daily") and risk["schema_version"] == 1
    assert {r["reason"] for r in risks} == {"session_end", "daily"}

    letters = await read_until(
        bootstrap,
        prefix + topics.DEAD_LETTERS,
        lambda r: len([x for x in r if x["source_topic"].endswith(topics.VIEWING_EVENTS)]) >= 2,
    )
    reasons = [x["reason"] for x in letters if x["source_topic"].endswith(topics.VIEWING_EVENTS)]
    assert any("not valid JSON" in r for r in reasons)
    assert any("field 'type'" in r for r in reasons)
    sessions = await read_until(bootstrap, prefix + topics.VIEWING_SESSIONS, lambda r: len(r) >= 20)
    assert len(sessions) >= 20
    for session in sessions:
        assert session["session_id"].startswith(f"{session['account']}|{session['platform']}|")
        assert session["started_at"] <= session["ended_at"] and session["plays"] >= 0
    assert any(s["watched_s"] > 600 for s in sessions)
    assert worker.get("/healthz") == (200, {"status": "ok"})


async def test_a_sigkilled_worker_counts_no_session_twice_and_keeps_what_it_learned(
    kafka_broker, unique_topic_prefix, worker_factory
) -> None:
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    await prepare_topics(bootstrap, prefix)
    events = viewing(accounts=40, days=6, seed=5)
    half = len(events) // 2
    first = worker_factory(STREAMAPP_CHURN_HORIZON_DAYS="1")
    first.wait_ready()
    await produce(bootstrap, prefix + topics.VIEWING_EVENTS, events[:half])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        before = learned_counts(await changelog(bootstrap, prefix))
        if sum(max(c) for c in before.values()) > 0:
            break
    first.kill()  # SIGKILL, mid-stream: no clean shutdown, no last commit
    assert sum(max(c) for c in before.values()) > 0, first.log_tail()

    second = worker_factory(STREAMAPP_CHURN_HORIZON_DAYS="1")
    second.wait_ready(timeout=90)
    await produce(bootstrap, prefix + topics.VIEWING_EVENTS, events[half:])
    last_ts = json.loads(events[-1][1])["ts"]
    await read_until(
        bootstrap,
        prefix + topics.CHURN_RISK,
        lambda r: any(x["scored_at"] >= last_ts[:10] for x in r),
    )
    time.sleep(3)  # the last batch's table writes
    second.stop()
    log = await changelog(bootstrap, prefix)
    for partition, counts in learned_counts(log).items():
        assert counts == sorted(counts), f"partition {partition}: learned count went back"
        assert counts[-1] >= max(before.get(partition, [0]))
    # Account states only: not the models, the recommender's profiles or their marks.
    final = {key: value for _, key, value in log if not key.startswith("__")}
    expected = offline_sessions(events)
    assert set(final) == set(expected)
    counted = {key: sessions_in(state) for key, state in final.items() if state}
    assert counted == expected  # every session once: none lost, none twice
