"""`python -m bench viewers`: how fast the worker turns a clickstream backlog into
per-account features and churn scores, next to a bare aiokafka loop doing the same work.

Both read the same N pre-produced viewing events (`<prefix>viewing-events`, 4 partitions,
keyed by account) in one run, on one broker:

- bare: aiokafka `getmany` (no group, from earliest), the same strict parser and the
  same engine (analytics/viewers) per raw partition, states in a dict: the work itself;
- pipeline: `python -m streamapp worker` started on the backlog; its rate is N over the
  time from its readiness until its committed offsets cover every viewing event (table
  changelogs, churn-risk and commits included).

`score_p99_ms` is the 99th percentile of one scoring call (features + model + the three
top features) in the bare loop, which runs the worker's code. The worker's resident
memory is sampled when 10% and when 100% of the input is committed: flat (within 10%)
means the per-account state, not the event count, sizes the worker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from bench.common import (
    BenchError,
    bench_worker,
    fmt_ms,
    fmt_rate,
    fmt_ratio,
    new_consumer,
    new_producer,
    parse_env_pairs,
    percentile,
)
from streamapp import topics
from streamapp.analytics.viewers.engine import ChurnEngine
from streamapp.analytics.viewers.features import DAY_S, day_of, new_state
from streamapp.records.raw import hash_author, iso_utc
from streamapp.records.viewing import parse_viewing_event
from tests.harness.kafka import kafka_run
from tests.harness.process import HarnessError, rss_mb
from tests.harness.worker import Worker

DEFAULT_EVENTS = 1_000_000
DEFAULT_ACCOUNTS = 100_000
PLATFORMS = ("netflix", "hulu", "max", "disney_plus", "peacock")
# One account's visit: a session, a play watched for 40 minutes, now and then the cancel page.
PATTERN = ("session_start", "browse", "play", "stop", "cancel_page")
ROUND_S = 3 * 3600.0  # event time between an account's consecutive events


def viewing_events(n: int, accounts: int) -> list[tuple[bytes, bytes]]:
    """N synthetic events over `accounts` accounts, in event-time order, ending in the
    past (so the worker accepts them); midnights fall inside the run: daily ticks."""
    start = (time.time() // DAY_S - 1 - (n // accounts) * ROUND_S // DAY_S) * DAY_S + 20 * 3600
    hashes = [hash_author(f"bench-{i}", "bench") for i in range(accounts)]
    out = []
    for k in range(n):
        i, r = k % accounts, k // accounts
        ts = start + r * ROUND_S + i * (ROUND_S / accounts)
        kind = PATTERN[r % len(PATTERN)]
        value = {
            "event_id": f"b{k}",
            "account": hashes[i],
            "platform": PLATFORMS[i % len(PLATFORMS)],
            "type": kind,
            "ts": iso_utc(round(ts, 3)),
            "plan": "standard",
            "price": 12.99,
            "schema_version": 1,
        }
        if kind in ("play", "stop"):
            value["title_id"] = f"t{i % 500}"
        if kind == "stop":
            value["watched_s"] = 2400.0
        out.append((hashes[i].encode(), json.dumps(value, separators=(",", ":")).encode()))
    return out


async def produce(bootstrap: str, topic: str, items: Sequence[tuple[bytes, bytes]]) -> None:
    producer = new_producer(bootstrap, linger_ms=20)
    await producer.start()
    try:
        pending = [await producer.send(topic, value, key=key) for key, value in items]
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def bare(bootstrap: str, topic: str, n: int) -> tuple[float, list[float]]:
    """(events/s, scoring times in ms) of the same work without Faust."""
    consumer = new_consumer(bootstrap, topic, max_poll_records=5000)
    await consumer.start()
    engines: dict[int, ChurnEngine] = {}
    states: dict[str, dict[str, Any]] = {}
    days: dict[int, int] = {}
    score_ms: list[float] = []
    seen = 0
    started = time.perf_counter()
    try:
        while seen < n:
            batches = await consumer.getmany(timeout_ms=1000)
            for tp, records in batches.items():
                engine = engines.setdefault(tp.partition, ChurnEngine())
                for record in records:
                    event = parse_viewing_event(record.value)
                    ts = event.epoch
                    day = days.setdefault(tp.partition, day_of(ts))
                    while day < day_of(ts):
                        day += 1
                        for state in states.values():
                            if state["p"] == tp.partition:
                                engine.tick(state, day * DAY_S, record.offset)
                    days[tp.partition] = day
                    key = f"{event.account}|{event.platform}"
                    state = states.get(key) or states.setdefault(key, new_state(ts, tp.partition))
                    fields = {"title_id": event.title_id, "watched_s": event.watched_s}
                    fields.update(plan=event.plan, price=event.price)
                    engine.on_event(state, event.type, ts, fields, record.offset)
                    if len(score_ms) < 20_000 and record.offset % 10 == 0:
                        t = time.perf_counter()
                        engine.score(state, ts, "session_end")
                        score_ms.append((time.perf_counter() - t) * 1000)
                    seen += 1
        return seen / (time.perf_counter() - started), score_ms
    finally:
        await consumer.stop()


async def pipeline(env: Any, worker: Worker, topic: str, n: int) -> tuple[float, float, float]:
    """(events/s, RSS MB at 10%, RSS MB at 100%) of the worker on the backlog."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=env.bootstrap)
    await admin.start()
    try:
        await asyncio.to_thread(worker.wait_ready, 90)
        started = time.time()
        rss10 = None
        while True:
            worker.check_alive()
            committed = await admin.list_consumer_group_offsets(worker.app_id)
            done = sum(meta.offset for tp, meta in committed.items() if tp.topic == topic)
            if rss10 is None and done >= n * 0.1:
                rss10 = rss_mb(worker.pid)
            if done >= n:
                elapsed = time.time() - started
                return n / elapsed, rss10 or 0.0, rss_mb(worker.pid)
            if time.time() - started > 3600:
                raise BenchError(f"the worker committed {done} of {n} in an hour")
            await asyncio.sleep(0.2)
    finally:
        await admin.close()


def viewers_line(pipeline_rate: float, bare_rate: float, p99_ms: float) -> str:
    """The last line of `python -m bench viewers`."""
    ratio = pipeline_rate / bare_rate if bare_rate > 0 else 0.0
    return (
        f"viewers: pipeline={fmt_rate(pipeline_rate)} bare={fmt_rate(bare_rate)} "
        f"ratio={fmt_ratio(ratio)} score_p99_ms={fmt_ms(p99_ms)}"
    )


def run(n: int, accounts: int, bootstrap: str | None, worker_env: dict[str, str]) -> int:
    with kafka_run("bench-viewers", bootstrap) as env:
        topic = env.topic(topics.VIEWING_EVENTS)
        items = viewing_events(n, accounts)
        asyncio.run(produce(env.bootstrap, topic, items))
        del items
        print(f"# {n} viewing events over {accounts} accounts pre-produced")
        bare_rate, score_ms = asyncio.run(bare(env.bootstrap, topic, n))
        print(f"# bare: {fmt_rate(bare_rate)} events/s")
        worker = bench_worker(
            env, {"STREAMAPP_COMMIT_INTERVAL_SECONDS": "0.5", **worker_env}
        ).start()
        try:
            rate, rss10, rss100 = asyncio.run(pipeline(env, worker, topic, n))
        finally:
            worker.stop()
        growth = (rss100 - rss10) / rss10 * 100 if rss10 else 0.0
        print(f"# pipeline: {fmt_rate(rate)} events/s")
        print(f"# worker memory: {rss10:.0f} MB at 10%, {rss100:.0f} MB at 100% ({growth:+.1f}%)")
        p99 = percentile(score_ms, 99)
        print(f"# score: p50 {fmt_ms(percentile(score_ms, 50))} ms, p99 {fmt_ms(p99)} ms")
        print(viewers_line(rate, bare_rate, p99))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench viewers", description=__doc__)
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS)
    parser.add_argument("--accounts", type=int, default=DEFAULT_ACCOUNTS)
    parser.add_argument("--bootstrap", help="use this broker instead of an embedded Kafka")
    parser.add_argument(
        "--worker-env", action="append", metavar="NAME=VALUE", help="extra worker env (repeat)"
    )
    args = parser.parse_args(argv)
    if args.events < 10 or not 0 < args.accounts <= args.events:
        parser.error("--events must be >= 10 and --accounts within 1..events")
    try:
        return run(args.events, args.accounts, args.bootstrap, parse_env_pairs(args.worker_env))
    except HarnessError as exc:
        print(f"viewers bench FAILED: {exc}", file=sys.stderr)
        return 1
