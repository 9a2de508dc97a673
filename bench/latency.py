"""`python -m bench latency`: end-to-end latency of a running worker at a fixed rate.

A worker runs (as in production: `python -m streamapp worker`); once it is ready, the
bench sends simulator posts at `--rate` posts/s, each when its event time falls due
(checked every 10 ms, so a few posts per tick at 500/s), recording each post's send wall
time by id. A consumer on discussion-signals records when each event_id arrives;
latency = arrival - send. The first `--warmup` seconds are discarded.

Each latency is also split at the signal record's Kafka timestamp (set by the worker's
producer when it queued the record): "in" = send -> signal queued (broker hop, Faust's
fetch, the classify micro-batch, classification), "out" = signal queued -> bench
received (the worker's producer, the broker, the bench's fetch).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from bench.common import (
    BenchError,
    Post,
    bench_worker,
    cpu_seconds,
    fmt_ms,
    fmt_rate,
    latency_line,
    latency_summary,
    live_posts,
    loadavg,
    new_consumer,
    new_producer,
    parse_env_pairs,
    table,
)
from streamapp import topics
from tests.harness.kafka import KafkaRun, kafka_run
from tests.harness.process import HarnessError
from tests.harness.worker import Worker

TICK_S = 0.01
DRAIN_TIMEOUT_S = 15.0
TARGET_P99_MS = 250.0


@dataclass
class Arrivals:
    at: dict[str, float] = field(default_factory=dict)  # event_id -> wall time received
    kafka_ts: dict[str, float] = field(default_factory=dict)  # event_id -> record timestamp
    duplicates: int = 0


async def collect(consumer: Any, arrivals: Arrivals, stop: asyncio.Event) -> None:
    while not stop.is_set():
        batches = await consumer.getmany(timeout_ms=50)
        now = time.time()
        for records in batches.values():
            for record in records:
                event_id = json.loads(record.value)["event_id"]
                if event_id in arrivals.at:
                    arrivals.duplicates += 1
                    continue
                arrivals.at[event_id] = now
                arrivals.kafka_ts[event_id] = record.timestamp / 1000


async def send_paced(env: KafkaRun, posts: list[Post], sent: dict[str, float]) -> None:
    """Send each post once its event time is due, checking every TICK_S."""
    producer = new_producer(env.bootstrap, linger_ms=0)
    topic = env.topic(topics.REDDIT_DISCUSSIONS)
    await producer.start()
    try:
        pending = []
        i = 0
        while i < len(posts):
            now = time.time()
            while i < len(posts) and posts[i].created_utc <= now:
                post = posts[i]
                sent[post.id] = time.time()
                pending.append(await producer.send(topic, post.value, key=post.key))
                i += 1
            if len(pending) > 1000:
                await asyncio.gather(*pending)
                pending.clear()
            await asyncio.sleep(TICK_S)
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


@dataclass
class LatencyResult:
    rate: float  # posts/s achieved over the measured period
    count: int
    total_ms: list[float]
    in_ms: list[float]
    out_ms: list[float]
    duplicates: int
    cpu: str


async def measure(
    env: KafkaRun, worker: Worker, rate: float, seconds: float, warmup: float
) -> LatencyResult:
    worker.start()
    ready_s = await asyncio.to_thread(worker.wait_ready)
    print(f"# worker ready {ready_s:.1f} s after spawn; load average {loadavg()}")
    consumer = new_consumer(
        env.bootstrap, env.topic(topics.DISCUSSION_SIGNALS), fetch_max_wait_ms=100
    )
    await consumer.start()
    arrivals = Arrivals()
    stop = asyncio.Event()
    collector = asyncio.create_task(collect(consumer, arrivals, stop))
    try:
        t0 = time.time() + 1.0
        posts = live_posts(rate, t0, t0 + warmup + seconds)
        await asyncio.sleep(max(0.0, t0 - time.time()))
        sent: dict[str, float] = {}
        broker_pid = env.broker.process.pid if env.broker is not None else None
        sender = asyncio.create_task(send_paced(env, posts, sent))
        await asyncio.sleep(max(0.0, t0 + warmup - time.time()))
        cpu_start = (time.monotonic(), cpu_seconds(worker.pid), cpu_seconds(broker_pid))
        while not sender.done():
            worker.check_alive()
            await asyncio.wait([sender, collector], timeout=0.5, return_when="FIRST_COMPLETED")
            if collector.done():
                collector.result()  # raises what stopped it
        sender.result()
        cpu_end = (time.monotonic(), cpu_seconds(worker.pid), cpu_seconds(broker_pid))
        measured = [p for p in posts if p.created_utc >= t0 + warmup]
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while any(p.id not in arrivals.at for p in measured) and time.monotonic() < deadline:
            worker.check_alive()
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.gather(collector, return_exceptions=True)
        await consumer.stop()
    missing = [p.id for p in measured if p.id not in arrivals.at]
    if missing:
        raise BenchError(
            f"{len(missing)} of {len(measured)} measured posts never came out as signals "
            f"within {DRAIN_TIMEOUT_S:.0f} s (e.g. {missing[:3]})\n{worker.log_tail()}"
        )
    send_times = [sent[p.id] for p in measured]
    span = max(send_times) - min(send_times)
    return LatencyResult(
        rate=(len(measured) - 1) / span if span > 0 else 0.0,
        count=len(measured),
        total_ms=[(arrivals.at[p.id] - sent[p.id]) * 1000 for p in measured],
        in_ms=[(arrivals.kafka_ts[p.id] - sent[p.id]) * 1000 for p in measured],
        out_ms=[(arrivals.at[p.id] - arrivals.kafka_ts[p.id]) * 1000 for p in measured],
        duplicates=arrivals.duplicates,
        cpu=cpu_report(cpu_start, cpu_end),
    )


CpuMark = tuple[float, tuple[float, float] | None, tuple[float, float] | None]


def cpu_report(start: CpuMark, end: CpuMark) -> str:
    wall = end[0] - start[0]
    parts = []
    for name, a, b in (("worker", start[1], end[1]), ("broker", start[2], end[2])):
        if a is not None and b is not None:
            parts.append(
                f"{name} {(b[0] - a[0]) / wall:.2f} on CPU + {(b[1] - a[1]) / wall:.2f} "
                "waiting for one"
            )
    return f"cores while sending ({wall:.1f} s): " + "; ".join(parts) if parts else ""


def run(
    rate: float, seconds: float, warmup: float, bootstrap: str | None, worker_env: dict[str, str]
) -> int:
    if rate <= 0 or seconds <= 0 or warmup < 0:
        raise SystemExit("--rate and --seconds must be positive, --warmup not negative")
    settings = " ".join(f"{k}={v}" for k, v in sorted(worker_env.items())) or "defaults"
    print(f"# latency: {rate:g} posts/s for {seconds:g} s after {warmup:g} s warm-up; {settings}")
    started = time.monotonic()
    with kafka_run("bench-latency", bootstrap) as env:
        worker = bench_worker(env, worker_env)
        try:
            result = asyncio.run(measure(env, worker, rate, seconds, warmup))
        finally:
            worker.stop()
    rows = []
    for name, values in (("total", result.total_ms), ("in", result.in_ms), ("out", result.out_ms)):
        s = latency_summary(values)
        rows.append((name, *(fmt_ms(s[k]) for k in ("p50", "p95", "p99", "max"))))
    print(table(rows, ("latency ms", "p50", "p95", "p99", "max")))
    total = latency_summary(result.total_ms)
    verdict = "met" if total["p99"] < TARGET_P99_MS else "MISSED"
    print(
        f"# {result.count} posts measured at {fmt_rate(result.rate)}/s "
        f"({result.duplicates} duplicate signals); target p99 < {TARGET_P99_MS:.0f} ms: "
        f"{verdict}; load average {loadavg()}; bench took {time.monotonic() - started:.0f} s"
    )
    if result.cpu:
        print(f"# {result.cpu}")
    print(latency_line(result.rate, total["p50"], total["p99"]))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench latency", description=__doc__)
    parser.add_argument("--rate", type=float, default=500.0, help="posts per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=5.0, help="discarded seconds first")
    parser.add_argument("--bootstrap", help="use this broker instead of an embedded Kafka")
    parser.add_argument(
        "--worker-env", action="append", metavar="NAME=VALUE", help="extra worker env (repeat)"
    )
    args = parser.parse_args(argv)
    try:
        return run(
            args.rate, args.seconds, args.warmup, args.bootstrap, parse_env_pairs(args.worker_env)
        )
    except HarnessError as exc:
        print(f"latency bench FAILED: {exc}", file=sys.stderr)
        return 1
