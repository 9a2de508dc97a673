"""Helpers for the pipeline tests: a real worker process, producing, and reading topics."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streamapp.app import create_app
from streamapp.config import Settings
from streamapp.embedded import free_port
from streamapp.kafka.topic_admin import ensure_topics
from streamapp.runtime.topic_plan import topic_specs

FAST_SETTINGS = {
    "STREAMAPP_WINDOW_SECONDS": "2",
    "STREAMAPP_ALLOWED_LATENESS_SECONDS": "3",
    "STREAMAPP_TICK_SECONDS": "0.5",
    "STREAMAPP_IDLE_PARTITION_SECONDS": "5",
    "STREAMAPP_COMMIT_INTERVAL_SECONDS": "0.5",
    "STREAMAPP_SESSION_TIMEOUT_SECONDS": "6",
    "STREAMAPP_HEARTBEAT_INTERVAL_SECONDS": "0.5",
    "STREAMAPP_ALERT_MIN_BASELINE_WINDOWS": "4",
    "STREAMAPP_PARTITIONS": "4",
}


@dataclass
class Worker:
    """`streamapp worker` as a user or a Kubernetes pod runs it."""

    bootstrap: str
    prefix: str
    data_dir: Path
    extra_env: dict[str, str]
    process: subprocess.Popen | None = None
    web_port: int = 0
    command: str = "worker"  # or "sink": the warehouse sink's worker
    # What runs `streamapp`: the module itself, or a test wrapper around it.
    launcher: tuple[str, ...] = ("-m", "streamapp")
    # Run in this directory with the default data directory (.streamapp, relative), as a
    # user who sets nothing does; the log stays in `data_dir`.
    cwd: Path | None = None

    def start(self) -> Worker:
        self.web_port = free_port()
        env = {
            **os.environ,
            **FAST_SETTINGS,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "STREAMAPP_TOPIC_PREFIX": self.prefix,
            "STREAMAPP_APP_ID": f"{self.prefix}app",
            "STREAMAPP_WEB_PORT": str(self.web_port),
            "STREAMAPP_DATA_DIR": str(self.data_dir),
            **self.extra_env,
        }
        if self.cwd is not None:
            del env["STREAMAPP_DATA_DIR"]
            # The checkout stays importable from elsewhere (the test wrappers live in it).
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.getcwd(), env.get("PYTHONPATH")]))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / f"worker-{self.web_port}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, *self.launcher, self.command, "--loglevel", "info"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.cwd,
        )
        return self

    def get(self, path: str) -> tuple[int, dict[str, Any]]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}{path}", timeout=2) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process and self.process.poll() is None, self.log_tail()
            try:
                if self.get("/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"worker not ready in {timeout}s\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        logs = sorted(self.data_dir.glob(f"worker-{self.web_port}.log"))
        if not logs:
            return "(no log)"
        return "\n".join(logs[0].read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def faulty_worker(
    bootstrap: str, prefix: str, data_dir: Path, fault: str, key: str, env: dict | None = None
) -> Worker:
    """A real worker with one fault injected (tests/integration/faulty_worker.py)."""
    launcher = ("-m", "tests.integration.faulty_worker", fault, key)
    return Worker(bootstrap, prefix, data_dir, env or {}, launcher=launcher)


async def prepare_topics(bootstrap: str, prefix: str, partitions: int = 4) -> None:
    """Every topic a worker with app id `<prefix>app` (as `Worker` sets it) needs, its
    tables' changelogs included, as `streamapp up` creates them."""
    settings = Settings()
    settings.pipeline.app_id = f"{prefix}app"
    settings.pipeline.topic_prefix = prefix
    settings.pipeline.partitions = partitions
    await ensure_topics(bootstrap, topic_specs(create_app(settings), settings))


async def produce(
    bootstrap: str,
    topic: str,
    items: list[tuple[str | None, bytes]],
    partition: int | None = None,
) -> int | None:
    """Send in order (to `partition` if given); return the offset after the last one."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        last = None
        for key, value in items:
            encoded = key.encode() if key else None
            last = await producer.send(topic, value=value, key=encoded, partition=partition)
        await producer.flush()
        return (await last).offset + 1 if last is not None else None
    finally:
        await producer.stop()


def counted_once(windows: list[dict[str, Any]]) -> int:
    """Posts the closed windows count, each window_id once (a window can be re-emitted
    after a rebalance, always with the same totals)."""
    latest = {w["window_id"]: w for w in windows}
    return sum(w["mentions"] + w["late_events"] for w in latest.values())


async def read_until(
    bootstrap: str,
    topic: str,
    done: Callable[[list[dict[str, Any]]], bool],
    timeout: float = 60,
) -> list[dict[str, Any]]:
    """Every JSON record of `topic` from the beginning, until `done(records)` or timeout."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    records: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=300)
            for batch in batches.values():
                records.extend(json.loads(r.value) for r in batch)
            if done(records):
                return records
        return records
    finally:
        await consumer.stop()


def reddit_post(pid: str, title: str, created: float) -> tuple[str, bytes]:
    value = {
        "id": pid,
        "kind": "submission",
        "subreddit": "cordcutters",
        "title": title,
        "body": "",
        "score": 1,
        "created_utc": created,
    }
    return pid, json.dumps(value).encode()


PIRACY = "Honestly I just torrent every Netflix show now, yarr #{n}"
CHATTER = "Watched the new Netflix thriller last night, great cast #{n}"


def netflix_windows(start: float, size: float, piracy_per_window: list[int], chatter: int = 2):
    """Posts for consecutive windows: window i gets piracy_per_window[i] piracy posts."""
    windows = []
    n = 0
    for i, piracy in enumerate(piracy_per_window):
        posts = []
        base = start + i * size
        for j in range(piracy + chatter):
            n += 1
            text = (PIRACY if j < piracy else CHATTER).format(n=n)
            posts.append(reddit_post(f"t3_{int(start)}_{n}", text, base + 0.1 + j * 0.01))
        windows.append(posts)
    return windows


async def produce_paced(bootstrap: str, topic: str, windows: list, pause: float = 0.2) -> None:
    """One window of posts at a time, in event-time order, as a live source would."""
    for posts in windows:
        await produce(bootstrap, topic, posts)
        await asyncio.sleep(pause)
