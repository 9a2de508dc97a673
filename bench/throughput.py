"""`python -m bench throughput`: how fast a worker turns a backlog into signals, next to
a bare consumer that only decodes (transport) and one that also classifies (bare).

All three read the same N pre-produced simulator posts from `<prefix>reddit-discussions`
(4 partitions) in one run, on one broker:

- transport: aiokafka `getmany` (no group, from earliest), `json.loads` per post;
- bare: the same, plus `classify_post(title, body)` per post;
- pipeline: `python -m streamapp worker` started on the backlog. Its rate is
  (N - 1) / (newest - oldest Kafka timestamp of its discussion-signals records): the
  worker's start-up is excluded, everything it does while classifying (signals, piracy,
  contributions, window tables, alerts, commits) is included. The bench also checks that
  every post came out as a signal (distinct event_id), that platform-windows received
  closed windows, and how long after the last signal the worker had committed all of
  its input (the windows agent caught up).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    BenchError,
    bench_worker,
    cpu_seconds,
    fmt_rate,
    loadavg,
    new_consumer,
    parse_env_pairs,
    produce_all,
    simulated_posts,
    table,
    throughput_line,
)
from streamapp import topics
from tests.harness.kafka import KafkaRun, kafka_run
from tests.harness.process import HarnessError
from tests.harness.worker import Worker

DEFAULT_POSTS = 20_000
SPAN_S = 1200.0  # the posts' event times cover 20 minutes: 20 windows of 60 s per platform
FIRST_SIGNAL_TIMEOUT_S = 60.0
STALL_TIMEOUT_S = 20.0


@dataclass
class Stage:
    name: str
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


async def consume_backlog(bootstrap: str, topic: str, n: int, classify: bool) -> Stage:
    """Read the N posts once with a bare consumer; decode (and classify) each."""
    from streamapp.analytics.classifier import classify_post

    consumer = new_consumer(bootstrap, topic, max_partition_fetch_bytes=4 * 1024 * 1024)
    await consumer.start()
    try:
        count = 0
        started = time.perf_counter()
        deadline = started + 60
        while count < n:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    post = json.loads(record.value)
                    if classify:
                        classify_post(post["title"], post["body"])
                count += len(records)
            if time.perf_counter() > deadline:
                raise BenchError(f"read only {count} of {n} posts in 60 s from {topic}")
        elapsed = time.perf_counter() - started
    finally:
        await consumer.stop()
    return Stage("bare" if classify else "transport", count, elapsed)


@dataclass
class PipelineResult:
    stage: Stage
    startup_s: float  # worker spawn -> first signal record (Kafka timestamp)
    signals: int  # records, duplicates included
    distinct: int
    windows: int
    closed_by: dict[str, int]
    late_events: int
    window_mentions: int
    alerts: int
    drained_after_s: float | None  # last signal -> all input committed by the worker
    # CPU seconds used between the first and the last signal's arrival at the bench
    worker_cpu: tuple[float, float] | None  # (on CPU, runnable but waiting for a CPU)
    broker_cpu: tuple[float, float] | None
    cpu_wall_s: float
    written: dict[str, int]  # records per topic the worker wrote (changelogs included)


def stop_profiler(profiler: subprocess.Popen | None) -> None:
    if profiler is None or profiler.poll() is not None:
        return
    profiler.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
    try:
        profiler.wait(30)
    except subprocess.TimeoutExpired:
        profiler.kill()
        profiler.wait(5)


async def run_pipeline(
    env: KafkaRun,
    worker: Worker,
    n: int,
    profile: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> PipelineResult:
    """`progress(distinct signals so far)` after every fetch (bench soak samples RSS)."""
    signals_topic = env.topic(topics.DISCUSSION_SIGNALS)
    signals = new_consumer(env.bootstrap, signals_topic)
    outputs = new_consumer(
        env.bootstrap, env.topic(topics.PLATFORM_WINDOWS), env.topic(topics.STREAMING_ALERTS)
    )
    await signals.start()
    await outputs.start()
    profiler: subprocess.Popen | None = None
    try:
        worker.start()
        ids: set[str] = set()
        total = 0
        ts_first = ts_last = None
        last_progress = time.monotonic()
        broker_pid = env.broker.process.pid if env.broker is not None else None
        cpu_start: tuple[float, Any, Any] | None = None
        while len(ids) < n:
            worker.check_alive()
            batches = await signals.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    ids.add(json.loads(record.value)["event_id"])
                    total += 1
                    ts = record.timestamp
                    ts_first = ts if ts_first is None else min(ts_first, ts)
                    ts_last = ts if ts_last is None else max(ts_last, ts)
            if batches:
                if progress is not None:
                    progress(len(ids))
                last_progress = time.monotonic()
                if cpu_start is None:
                    cpu_start = (last_progress, cpu_seconds(worker.pid), cpu_seconds(broker_pid))
                if profile is not None and profiler is None:
                    profiler = worker.start_profiler(profile)
            limit = FIRST_SIGNAL_TIMEOUT_S if not ids else STALL_TIMEOUT_S
            if time.monotonic() - last_progress > limit:
                raise BenchError(
                    f"only {len(ids)} of {n} posts came out as signals (no new signal for "
                    f"{limit:.0f} s)\n{worker.log_tail()}"
                )
        cpu_end = (time.monotonic(), cpu_seconds(worker.pid), cpu_seconds(broker_pid))
        stop_profiler(profiler)
        assert ts_first is not None and ts_last is not None and cpu_start is not None
        drained = await wait_drained(env, worker, ts_last / 1000)
        windows = await read_outputs(outputs, env)
        written = await records_written(env, worker)
    finally:
        stop_profiler(profiler)
        await signals.stop()
        await outputs.stop()
    seconds = (ts_last - ts_first) / 1000
    stage = Stage("pipeline", n - 1, seconds)
    return PipelineResult(
        stage=stage,
        startup_s=ts_first / 1000 - worker.started_at,
        signals=total,
        distinct=len(ids),
        drained_after_s=drained,
        worker_cpu=_delta(cpu_start[1], cpu_end[1]),
        broker_cpu=_delta(cpu_start[2], cpu_end[2]),
        cpu_wall_s=cpu_end[0] - cpu_start[0],
        written=written,
        **windows,
    )


def _delta(
    a: tuple[float, float] | None, b: tuple[float, float] | None
) -> tuple[float, float] | None:
    return None if a is None or b is None else (b[0] - a[0], b[1] - a[1])


async def wait_drained(env: KafkaRun, worker: Worker, last_signal_at: float) -> float | None:
    """Seconds from the last signal until the worker's committed offsets cover all of its
    raw input and every contribution produced from it (None if not within 20 s)."""
    from aiokafka.admin import AIOKafkaAdminClient

    reddit = env.topic(topics.REDDIT_DISCUSSIONS)
    contributions = env.topic(topics.PLATFORM_CONTRIBUTIONS)
    admin = AIOKafkaAdminClient(bootstrap_servers=env.bootstrap)
    probe = new_consumer(env.bootstrap)
    await admin.start()
    await probe.start()
    try:
        deadline = time.monotonic() + 20
        targets: dict[Any, int] | None = None
        while time.monotonic() < deadline:
            worker.check_alive()
            committed = await admin.list_consumer_group_offsets(worker.app_id)
            done = {tp: meta.offset for tp, meta in committed.items()}
            if targets is None:
                ends = await probe.end_offsets(await _partitions(probe, reddit))
                if all(done.get(tp, -1) >= end for tp, end in ends.items()):
                    # Every batch is acked, so its contributions were sent: wait for them.
                    targets = await probe.end_offsets(await _partitions(probe, contributions))
            if targets is not None and all(done.get(tp, -1) >= end for tp, end in targets.items()):
                return time.time() - last_signal_at
            await asyncio.sleep(0.1)
    finally:
        await probe.stop()
        await admin.close()
    return None


async def records_written(env: KafkaRun, worker: Worker) -> dict[str, int]:
    """End offsets summed per topic, for every topic the worker writes."""
    probe = new_consumer(env.bootstrap)
    await probe.start()
    try:
        names = sorted(
            t
            for t in await probe.topics()
            if (t.startswith(env.prefix) or t.startswith(worker.app_id))
            and t != env.topic(topics.REDDIT_DISCUSSIONS)
        )
        out = {}
        for name in names:
            ends = await probe.end_offsets(await _partitions(probe, name))
            short = name.removeprefix(env.prefix).removeprefix(worker.app_id + "-")
            out[short] = sum(ends.values())
        return out
    finally:
        await probe.stop()


async def _partitions(consumer: Any, topic: str) -> list[Any]:
    from aiokafka.structs import TopicPartition

    parts = consumer.partitions_for_topic(topic)
    if not parts:
        # The consumer learns a topic's partitions once it asks for that topic's metadata.
        client = consumer._client
        client.add_topic(topic)
        await client.force_metadata_update()
        parts = consumer.partitions_for_topic(topic) or set()
    if not parts:
        raise BenchError(f"no partitions found for topic {topic}")
    return [TopicPartition(topic, p) for p in sorted(parts)]


async def read_outputs(consumer: Any, env: KafkaRun) -> dict[str, Any]:
    """Closed windows and alerts so far (waits up to 20 s for the first window)."""
    windows_topic = env.topic(topics.PLATFORM_WINDOWS)
    out: dict[str, Any] = {
        "windows": 0,
        "closed_by": {},
        "late_events": 0,
        "window_mentions": 0,
        "alerts": 0,
    }
    deadline = time.monotonic() + 20
    quiet_since = None
    while time.monotonic() < deadline:
        batches = await consumer.getmany(timeout_ms=300)
        for tp, records in batches.items():
            for record in records:
                if tp.topic != windows_topic:
                    out["alerts"] += 1
                    continue
                value = json.loads(record.value)
                out["windows"] += 1
                out["closed_by"][value["closed_by"]] = (
                    out["closed_by"].get(value["closed_by"], 0) + 1
                )
                out["late_events"] += value["late_events"]
                out["window_mentions"] += value["mentions"]
        if out["windows"] and not batches:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 0.5:
                break
        else:
            quiet_since = None
    return out


def cpu_share(cpu: tuple[float, float], wall: float) -> str:
    return f"{cpu[0] / wall:.2f} on CPU + {cpu[1] / wall:.2f} waiting for one"


def run(
    n: int, bootstrap: str | None, worker_env: dict[str, str], profile: Path | None = None
) -> int:
    if n < 2:
        raise SystemExit("--posts must be at least 2")
    print(f"# throughput: {n} posts, load average {loadavg()}")
    started = time.monotonic()
    with kafka_run("bench-throughput", bootstrap) as env:
        posts = simulated_posts(n, SPAN_S, end=time.time())
        raw_topic = env.topic(topics.REDDIT_DISCUSSIONS)
        took = asyncio.run(produce_all(env.bootstrap, raw_topic, posts))
        print(f"# produced {n} posts to {raw_topic} in {took:.1f} s")
        transport = asyncio.run(consume_backlog(env.bootstrap, raw_topic, n, classify=False))
        bare = asyncio.run(consume_backlog(env.bootstrap, raw_topic, n, classify=True))
        worker = bench_worker(env, worker_env)
        try:
            result = asyncio.run(run_pipeline(env, worker, n, profile))
        finally:
            worker.stop()
    p = result.stage
    rows = [(s.name, s.events, f"{s.seconds:.2f}", fmt_rate(s.rate)) for s in (transport, bare, p)]
    print(table(rows, ("stage", "events", "seconds", "events/s")))
    drained = "n/a" if result.drained_after_s is None else f"{result.drained_after_s:.1f} s"
    print(
        f"# pipeline: worker start-up {result.startup_s:.1f} s (excluded); "
        f"{result.signals} signal records, {result.distinct} distinct, "
        f"{result.signals - result.distinct} duplicates; input all committed {drained} after "
        f"the last signal (commit interval bounds this)"
    )
    print(
        f"# windows: {result.windows} closed {dict(sorted(result.closed_by.items()))}, "
        f"{result.window_mentions} mentions, {result.late_events} late events; "
        f"{result.alerts} alerts; load average {loadavg()}; "
        f"bench took {time.monotonic() - started:.0f} s"
    )
    written = ", ".join(f"{k} {v}" for k, v in result.written.items() if v)
    print(f"# records the worker wrote: {written}")
    if result.worker_cpu is not None:
        wall = result.cpu_wall_s
        parts = [f"worker {cpu_share(result.worker_cpu, wall)}"]
        if result.broker_cpu is not None:
            parts.append(f"broker {cpu_share(result.broker_cpu, wall)}")
        print(
            f"# cores while classifying ({wall:.1f} s wall): {'; '.join(parts)}; "
            f"{fmt_rate(n / result.worker_cpu[0])} posts per worker CPU-second"
        )
    if result.distinct != n:
        raise BenchError(f"{result.distinct} distinct signals for {n} posts")
    if result.windows == 0:
        raise BenchError("platform-windows received no closed window: the pipeline did not run")
    print(throughput_line(p.rate, bare.rate, transport.rate))
    return 0


def backlog_parser(name: str, doc: str | None, posts: int) -> argparse.ArgumentParser:
    """The options of the benches that run a worker over a pre-produced backlog."""
    parser = argparse.ArgumentParser(prog=f"python -m bench {name}", description=doc)
    parser.add_argument("--posts", type=int, default=posts)
    parser.add_argument("--bootstrap", help="use this broker instead of an embedded Kafka")
    parser.add_argument(
        "--worker-env", action="append", metavar="NAME=VALUE", help="extra worker env (repeat)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = backlog_parser("throughput", __doc__, DEFAULT_POSTS)
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="py-spy the worker while it classifies; collapsed stacks to FILE",
    )
    args = parser.parse_args(argv)
    try:
        return run(args.posts, args.bootstrap, parse_env_pairs(args.worker_env), args.profile)
    except HarnessError as exc:
        print(f"throughput bench FAILED: {exc}", file=sys.stderr)
        return 1
