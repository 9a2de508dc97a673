"""What the benchmarks share: the result lines, percentiles, a worker configured as the
benchmarks run it, simulated posts and a fast producer. The broker and the processes
themselves come from the test harness (tests/harness), as the tests start them.

The formatting helpers at the top are pure (the unit tests cover them); everything that
needs a broker or a process imports its dependencies lazily.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tests.harness.kafka import PARTITIONS, KafkaRun
from tests.harness.process import HarnessError
from tests.harness.worker import Worker


class BenchError(HarnessError):
    """The benchmark could not measure what it promised (missing events...). The mains
    catch `HarnessError`, its parent: a worker that died is one too."""


# -- formatting (pure) -----------------------------------------------------------------


def fmt_rate(value: float) -> str:
    """Events/s with one decimal: `12345.7`."""
    return f"{value:.1f}"


def fmt_ratio(value: float) -> str:
    return f"{value:.3f}"


def fmt_ms(value: float) -> str:
    return f"{value:.1f}"


def throughput_line(pipeline: float, bare: float, transport: float) -> str:
    """The last line of `python -m bench throughput`."""
    ratio = pipeline / bare if bare > 0 else 0.0
    return (
        f"throughput: pipeline={fmt_rate(pipeline)} bare={fmt_rate(bare)} "
        f"transport={fmt_rate(transport)} ratio={fmt_ratio(ratio)}"
    )


def latency_line(rate: float, p50_ms: float, p99_ms: float) -> str:
    """The last line of `python -m bench latency`."""
    return f"latency: rate={fmt_rate(rate)} p50_ms={fmt_ms(p50_ms)} p99_ms={fmt_ms(p99_ms)}"


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0-100, got {q}")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def latency_summary(values_ms: Sequence[float]) -> dict[str, float]:
    return {
        "p50": percentile(values_ms, 50),
        "p95": percentile(values_ms, 95),
        "p99": percentile(values_ms, 99),
        "max": max(values_ms),
    }


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A plain left-aligned text table."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


# -- environment -------------------------------------------------------------------------


def parse_env_pairs(pairs: Sequence[str] | None) -> dict[str, str]:
    """`["A=1", "B=x"]` -> {"A": "1", "B": "x"} (for --worker-env)."""
    out: dict[str, str] = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--worker-env wants NAME=VALUE, got {pair!r}")
        out[name] = value
    return out


def bench_app_id(env: KafkaRun) -> str:
    """The app id of this run's workers (one consumer group) and of its dashboard."""
    return f"bench-{env.run_id}-worker"


def bench_worker(
    env: KafkaRun, extra_env: dict[str, str] | None = None, name: str = "worker"
) -> Worker:
    """`python -m streamapp worker` with the product's defaults (not the tests' fast
    windows) in a session of its own, logging to `<name>.log`: workers of one run share
    the app id (one group) and the data directory."""
    return Worker(
        env.bootstrap,
        env.prefix,
        env.tmp / "worker",
        dict(extra_env or {}),
        app_id=bench_app_id(env),
        log_path=env.tmp / f"{name}.log",
        settings={"STREAMAPP_PARTITIONS": str(PARTITIONS)},
        own_session=True,
    )


# -- posts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    id: str
    title: str | None
    body: str
    created_utc: float
    key: bytes
    value: bytes  # the JSON wire value, as a producer sends it


def _as_post(value: dict[str, Any]) -> Post:
    return Post(
        id=value["id"],
        title=value["title"],
        body=value["body"],
        created_utc=value["created_utc"],
        key=value["id"].encode(),
        value=json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode(),
    )


def simulated_posts(n: int, span_s: float, end: float, seed: int = 7) -> list[Post]:
    """Exactly *n* realistic simulator posts with event times in [end - span_s, end)."""
    from streamapp.sources.simulator import Simulator

    rate = n / span_s
    while True:
        sim = Simulator(seed=seed, rate=rate * 1.05, start=end - span_s, trend_interval_s=None)
        events = sim.posts_between(end - span_s, end)
        if len(events) >= n:
            break
        rate *= 1.1
    step = len(events) / n  # thin evenly, so the kept posts still cover the whole span
    return [_as_post(events[int(i * step)].value) for i in range(n)]


def live_posts(rate: float, t0: float, t1: float, seed: int = 7) -> list[Post]:
    """Simulator posts at *rate*/s with event times in [t0, t1) (sent when they fall due)."""
    from streamapp.sources.simulator import Simulator

    sim = Simulator(seed=seed, rate=rate, start=t0, trend_interval_s=None)
    return [_as_post(e.value) for e in sim.posts_between(t0, t1)]


def new_producer(bootstrap: str, linger_ms: int = 5) -> Any:
    from aiokafka import AIOKafkaProducer

    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="streamapp-bench",
        acks="all",
        linger_ms=linger_ms,
        max_batch_size=256 * 1024,
        enable_idempotence=False,
    )


async def produce_all(bootstrap: str, topic: str, posts: Sequence[Post]) -> float:
    """Send every post (keyed by id) and wait for all acks; returns the seconds it took."""
    producer = new_producer(bootstrap, linger_ms=20)
    await producer.start()
    started = time.perf_counter()
    try:
        pending = [await producer.send(topic, p.value, key=p.key) for p in posts]
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.perf_counter() - started


def new_consumer(bootstrap: str, *topic_names: str, **overrides: Any) -> Any:
    """A bare group-less consumer reading from the earliest offset."""
    from aiokafka import AIOKafkaConsumer

    options: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        "group_id": None,
        "auto_offset_reset": "earliest",
        "enable_auto_commit": False,
        "client_id": "streamapp-bench",
        **overrides,
    }
    return AIOKafkaConsumer(*topic_names, **options)


def cpu_seconds(pid: int | None) -> tuple[float, float] | None:
    """(CPU seconds, run-queue wait seconds) of all threads of *pid* so far, from
    /proc/PID/task/*/schedstat (Linux only; None if unavailable). The wait is time the
    threads were runnable but another process had the CPU: a starved worker shows it."""
    if pid is None:
        return None
    on_cpu = waiting = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                run_ns, wait_ns, _ = f.read().split()
        except (OSError, ValueError):
            continue  # a thread that just ended
        on_cpu += int(run_ns)
        waiting += int(wait_ns)
    return on_cpu / 1e9, waiting / 1e9


def loadavg() -> str:
    with contextlib.suppress(OSError):
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    return "?"
