"""`python -m bench peers`: our worker next to the same workload in Quix Streams.

N simulator posts (default 20,000, event times over 20 minutes) are produced once; then
`python -m streamapp worker` reads them, and after it bench/quix_peer.py (Quix Streams
3.28.1 in its own virtualenv, `.venv-peers`, made on first use from
bench/peers-requirements.txt) reads the same posts from the same broker. Each writes one
signal per post and a record per closed 60 s window per platform. Each rate is
(N - 1) / (the bench's arrival time of the last new signal - of the first), start-up
excluded, measured the same way for both.

Before printing figures the bench checks that both counted the same: every window both
closed has the same mentions and intent counts, and a window only one closed comes after
every window both closed for its platform (the stream's end: ours closes its last windows
by the wall clock once input stops, Quix when the bench's flush record arrives). Last
line:

    peers: streamapp=<events/s> quixstreams=<events/s> ratio=<streamapp/quixstreams>

`BENCH_PEERS_KEEP_LOG=FILE` keeps a copy of the Quix app's log (late records, errors).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.common import (
    BenchError,
    bench_worker,
    cpu_seconds,
    fmt_rate,
    fmt_ratio,
    loadavg,
    new_consumer,
    produce_all,
    simulated_posts,
    table,
)
from streamapp import topics
from streamapp.embedded import create_topics
from tests.harness.kafka import PARTITIONS, KafkaRun, kafka_run
from tests.harness.process import HarnessError

ROOT = Path(__file__).resolve().parent.parent
PEER_VENV = ROOT / ".venv-peers"
REQUIREMENTS = ROOT / "bench" / "peers-requirements.txt"
DEFAULT_POSTS = 20_000
SPAN_S = 1200.0
STALL_S = 30.0

Windows = dict[tuple[str, int], tuple[int, dict[str, int]]]
# Per app: posts/s, and posts per CPU-second of its process while it made the signals
# (what the shared machine's load does not change: see cpu_seconds in bench/common.py).
Result = tuple[float, float, Windows]


def peers_line(ours: float, quix: float) -> str:
    ratio = fmt_ratio(ours / quix) if quix else "nan"
    return f"peers: streamapp={fmt_rate(ours)} quixstreams={fmt_rate(quix)} ratio={ratio}"


def peer_python() -> Path:
    """The peer virtualenv's interpreter, made on first use (PyPI, pinned versions)."""
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"# making {PEER_VENV} (Quix Streams; once)")
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True
        )
    return python


async def signal_rate(env: KafkaRun, topic: str, n: int, alive: Any) -> float:
    """Read `topic` until n distinct signals came; their rate at the bench's arrival."""
    consumer = new_consumer(env.bootstrap, topic)
    await consumer.start()
    ids: set[str] = set()
    first = last = None
    progress = time.monotonic()
    try:
        while len(ids) < n:
            alive()
            batches = await consumer.getmany(timeout_ms=200)
            now = time.monotonic()
            for records in batches.values():
                for record in records:
                    event_id = json.loads(record.value)["event_id"]
                    if event_id not in ids:
                        ids.add(event_id)
                        first = now if first is None else first
                        last = now
                progress = now
            if now - progress > (STALL_S * 3 if first is None else STALL_S):
                raise BenchError(f"{topic}: {len(ids)} of {n} signals, then nothing")
    finally:
        await consumer.stop()
    assert first is not None and last is not None
    return (n - 1) / (last - first)


async def read_windows(env: KafkaRun, topic: str, ours: bool) -> Windows:
    """Every closed window so far (ours: the latest revision of each)."""
    consumer = new_consumer(env.bootstrap, topic)
    await consumer.start()
    out: Windows = {}
    revisions: dict[tuple[str, int], int] = {}
    started = quiet_since = time.monotonic()
    try:
        # Until 5 s without a new window, once there is one (at most 60 s).
        while time.monotonic() - started < 60 and (not out or time.monotonic() - quiet_since < 5):
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for record in records:
                    w = json.loads(record.value)
                    if ours:
                        start = datetime.fromisoformat(w["window_start"]).timestamp()
                        key = (w["platform"], int(start * 1000))
                        if w.get("revision", 0) < revisions.get(key, -1):
                            continue
                        revisions[key] = w.get("revision", 0)
                    else:
                        key = (w["platform"], int(w["window_start_ms"]))
                    counts = {k: v for k, v in w["intent_counts"].items() if v}
                    out[key] = (int(w["mentions"]), counts)
            if batches:
                quiet_since = time.monotonic()
    finally:
        await consumer.stop()
    return out


def compare(ours: Windows, quix: Windows) -> str:
    """Raise unless the windows both closed have the same counts, and a window only one of
    them closed comes after every window the other closed for that platform (the end of
    the stream, which each closes in its own way)."""
    both = set(ours) & set(quix)
    differ = sorted(k for k in both if quix[k] != ours[k])
    last: dict[str, int] = {}
    for platform, start in both:
        last[platform] = max(last.get(platform, start), start)
    early = sorted(k for k in set(ours) ^ set(quix) if k[1] <= last.get(k[0], -1))
    if differ or early or not both:
        sample = [(k, ours.get(k), quix.get(k)) for k in (differ + early)[:3]]
        raise BenchError(
            f"outputs differ: {len(differ)} windows with other counts, {len(early)} closed "
            f"by one only, {len(both)} by both; e.g. (window, ours, quix): {sample}"
        )
    mentions = sum(ours[k][0] for k in both)
    return (
        f"{len(both)} windows closed by both, identical ({mentions} mentions); "
        f"{len(set(ours) - both)} more by ours only, {len(set(quix) - both)} by Quix only, "
        "each after the last window both closed"
    )


async def send_flush(env: KafkaRun, platforms: list[str]) -> None:
    """One record per raw partition, an hour after the posts, naming every platform: it
    moves each platform's stream time in Quix past every window (see quix_peer.py)."""
    from bench.common import new_producer

    producer = new_producer(env.bootstrap)
    await producer.start()
    try:
        value = {"bench_flush": platforms, "created_utc": time.time() + 3600}
        for partition in range(PARTITIONS):
            body = json.dumps({**value, "id": f"flush{partition}"}).encode()
            await producer.send_and_wait(
                env.topic(topics.REDDIT_DISCUSSIONS), body, partition=partition
            )
    finally:
        await producer.stop()


def run_quix(env: KafkaRun, n: int, platforms: list[str]) -> Result:
    python = peer_python()
    signals, windows = env.topic("peer-signals"), env.topic("peer-windows")
    asyncio.run(create_topics(env.bootstrap, [signals, windows], partitions=4))
    log = env.tmp / "quix.log"
    args = [env.bootstrap, env.topic(topics.REDDIT_DISCUSSIONS), signals, windows]
    args += [f"bench-{env.run_id}-quix", str(env.tmp / "quix-state")]
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(python), str(ROOT / "bench" / "quix_peer.py"), *args],
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive() -> None:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise BenchError(f"the Quix app exited ({proc.returncode})\n{tail}")

    try:
        rate, cpu = measured(proc.pid, lambda: asyncio.run(signal_rate(env, signals, n, alive)))
        asyncio.run(send_flush(env, platforms))
        closed = asyncio.run(read_windows(env, windows, ours=False))
    finally:
        if os.environ.get("BENCH_PEERS_KEEP_LOG"):
            import shutil

            shutil.copy(log, os.environ["BENCH_PEERS_KEEP_LOG"])
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    return rate, n / cpu, closed


def measured(pid: int, run: Any) -> tuple[float, float]:
    """(what `run()` returns, CPU seconds process `pid` used meanwhile)."""
    before = cpu_seconds(pid)
    value = run()
    after = cpu_seconds(pid)
    if before is None or after is None:
        raise BenchError(f"no CPU figures for process {pid}")
    return value, after[0] - before[0]


def run_ours(env: KafkaRun, n: int) -> Result:
    worker = bench_worker(env).start()
    try:
        signals = env.topic(topics.DISCUSSION_SIGNALS)
        probe = lambda: asyncio.run(signal_rate(env, signals, n, worker.check_alive))  # noqa: E731
        rate, cpu = measured(worker.pid, probe)
        closed = asyncio.run(read_windows(env, env.topic(topics.PLATFORM_WINDOWS), ours=True))
    finally:
        worker.stop()
    return rate, n / cpu, closed


def run(n: int, bootstrap: str | None) -> int:
    print(f"# peers: {n} posts, load average {loadavg()}")
    peer_python()  # before the clock starts
    with kafka_run("bench-peers", bootstrap) as env:
        posts = simulated_posts(n, SPAN_S, end=time.time())
        asyncio.run(produce_all(env.bootstrap, env.topic(topics.REDDIT_DISCUSSIONS), posts))
        ours, our_cpu, our_windows = run_ours(env, n)
        platforms = sorted({platform for platform, _ in our_windows})
        quix, quix_cpu, quix_windows = run_quix(env, n, platforms)
    try:
        print(compare(our_windows, quix_windows))
    except HarnessError as exc:
        rates = f"streamapp {fmt_rate(ours)}/s, quixstreams {fmt_rate(quix)}/s"
        raise BenchError(f"{exc} (rates not valid: {rates})") from exc
    rows = [
        ("streamapp", fmt_rate(ours), fmt_rate(our_cpu)),
        ("quixstreams", fmt_rate(quix), fmt_rate(quix_cpu)),
    ]
    print(table(rows, ("", "posts/s", "posts per CPU-second")))
    print(f"# per CPU-second: streamapp/quixstreams = {fmt_ratio(our_cpu / quix_cpu)}")
    print(f"# load average {loadavg()}")
    print(peers_line(ours, quix))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench peers", description=__doc__)
    parser.add_argument("--posts", type=int, default=DEFAULT_POSTS)
    parser.add_argument("--bootstrap", help="use this broker instead of an embedded Kafka")
    args = parser.parse_args(argv)
    if args.posts < 10:
        parser.error("--posts must be at least 10")
    try:
        return run(args.posts, args.bootstrap)
    except HarnessError as exc:
        print(f"peers bench FAILED: {exc}", file=sys.stderr)
        return 1
