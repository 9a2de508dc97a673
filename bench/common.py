"""What both benchmarks share: the result lines, percentiles, a broker, a worker process,
simulated posts and a fast producer.

The formatting helpers at the top are pure (the unit tests cover them); everything that
needs a broker or a process imports its dependencies lazily.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streamapp import topics

PARTITIONS = 4


class BenchError(RuntimeError):
    """The benchmark could not measure what it promised (missing events, dead worker...)."""


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


@dataclass
class BenchEnv:
    """A broker (embedded unless a bootstrap is given), a temp dir and unique names."""

    bootstrap: str
    tmp: Path
    prefix: str
    run_id: str
    broker: Any = None  # streamapp.embedded.BrokerHandle when we started one

    def topic(self, name: str) -> str:
        return self.prefix + name


@contextlib.contextmanager
def bench_env(kind: str, bootstrap: str | None) -> Iterator[BenchEnv]:
    """Start the embedded Kafka (unless *bootstrap*), create this run's topics; stop all after."""
    from streamapp.embedded import create_topics

    run_id = uuid.uuid4().hex[:8]
    tmp = Path(tempfile.mkdtemp(prefix=f"streamapp-bench-{kind}-"))
    broker = None
    try:
        if bootstrap is None:
            started = time.monotonic()
            broker = _start_kafka(tmp)
            bootstrap = broker.bootstrap
            print(f"# broker: kafka on {bootstrap} ({time.monotonic() - started:.1f} s to start)")
        env = BenchEnv(bootstrap, tmp, f"bench-{kind}-{run_id}.", run_id, broker)
        asyncio.run(
            create_topics(
                bootstrap, [env.topic(name) for name in topics.ALL_TOPICS], partitions=PARTITIONS
            )
        )
        yield env
    finally:
        if broker is not None:
            broker.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _start_kafka(tmp: Path) -> Any:
    from streamapp.embedded import KafkaDistError, free_port, start_broker

    for attempt in range(3):
        try:
            return start_broker(free_port(), tmp / f"broker-{attempt}", kind="kafka")
        except KafkaDistError as exc:
            # kafka_broker passes a random cluster id as a separate argument: one that
            # starts with "-" (1 in 64) is taken for an option by the storage tool.
            if "--cluster-id" not in str(exc) or attempt == 2:
                raise
            print("# kafka storage format refused its random cluster id: retrying")
    raise AssertionError("unreachable")


# -- the worker process ----------------------------------------------------------------


@dataclass
class Worker:
    """`python -m streamapp worker` in its own session, logging to a file."""

    env: BenchEnv
    extra_env: dict[str, str] = field(default_factory=dict)
    app_id: str = ""
    web_port: int = 0
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    started_at: float = 0.0  # time.time() at spawn
    name: str = "worker"  # its log file; workers of one run share the app id (one group)

    def start(self) -> Worker:
        from streamapp.embedded import free_port

        self.web_port = free_port()
        self.app_id = f"bench-{self.env.run_id}-worker"
        data_dir = self.env.tmp / "worker"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.env.tmp / f"{self.name}.log"
        environ = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.env.bootstrap,
            "STREAMAPP_TOPIC_PREFIX": self.env.prefix,
            "STREAMAPP_APP_ID": self.app_id,
            "STREAMAPP_WEB_PORT": str(self.web_port),
            "STREAMAPP_DATA_DIR": str(data_dir),
            "STREAMAPP_PARTITIONS": str(PARTITIONS),
            **self.extra_env,
        }
        with open(self.log_path, "wb") as log:
            self.started_at = time.time()
            self.process = subprocess.Popen(
                # The CLI's default level on purpose: with "warning" or above Faust keeps the
                # root logger at DEBUG for its spinner, and every debug call costs a record.
                [sys.executable, "-m", "streamapp", "worker", "--loglevel", "info"],
                env=environ,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise BenchError(
                f"the worker exited with code {self.process.returncode}\n{self.log_tail()}"
            )

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no worker log)"
        text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return f"--- {self.log_path} (tail) ---\n" + "\n".join(text)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (Faust shuts down cleanly), then SIGKILL the whole session."""
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            print(f"# worker did not stop in {timeout:.0f} s: killing it", file=sys.stderr)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def start_profiler(self, path: Path) -> subprocess.Popen:
        """py-spy sampling this worker into *path* (collapsed stacks)."""
        return start_profiler(self.pid, path)

    async def wait_ready(self, timeout: float = 60.0) -> float:
        """Until /readyz answers 200; returns the seconds it took since spawn."""
        import aiohttp

        url = f"http://127.0.0.1:{self.web_port}/readyz"
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                self.check_alive()
                with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                    async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                        if resp.status == 200:
                            return time.time() - self.started_at
                if time.monotonic() > deadline:
                    raise BenchError(
                        f"the worker was not ready after {timeout:.0f} s\n{self.log_tail()}"
                    )
                await asyncio.sleep(0.2)


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


def start_profiler(pid: int, path: Path, gil: bool = True) -> subprocess.Popen:
    """py-spy (pip install py-spy) sampling process *pid* into *path* (collapsed stacks);
    `gil`: only samples holding the GIL (CPU work, not waits). SIGINT makes it write."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen(
        [exe, "record", "--pid", str(pid), "--rate", "250", "--format", "raw"]
        + (["--gil"] if gil else [])
        + ["--output", str(path), "--nonblocking"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def loadavg() -> str:
    with contextlib.suppress(OSError):
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    return "?"
