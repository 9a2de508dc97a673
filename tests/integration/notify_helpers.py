"""Shared by the notify integration tests: the notify process, alert records, waiting."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streamapp.local.child import Child


def alert(alert_id: str, status: str, *, platform: str = "netflix", rule: str = "piracy_surge",
          severity: str = "warning", fired_at: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "alert_id": alert_id,
        "rule": rule,
        "platform": platform,
        "status": status,
        "severity": severity if status == "firing" else "info",
        "window_start": "2026-12-02T01:00:00Z",
        "window_end": "2026-12-02T01:01:00Z",
        "observed": 42.0 if status == "firing" else 3.0,
        "baseline": 4.5,
        "score": 6.2 if status == "firing" else 0.4,
        "message": f"{rule} on {platform}: 42 posts against a baseline of 4.5",
        "evidence": ["t3_a1", "t3_a2"],
        "fired_at": fired_at or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "schema_version": 1,
    }


async def produce(bootstrap: str, topic: str, alerts: list[dict[str, Any]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for a in alerts:
            await producer.send_and_wait(
                topic, key=a["platform"].encode(), value=json.dumps(a).encode()
            )
    finally:
        await producer.stop()


async def read_all(bootstrap: str, topic: str, idle_s: float = 1.0) -> list[dict[str, Any]]:
    """Every JSON value on `topic` (read until it has been quiet for `idle_s`)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    values = []
    try:
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < idle_s:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                values += [json.loads(r.value) for r in records]
                quiet_since = time.monotonic()
    finally:
        await consumer.stop()
    return values


def notify_env(bootstrap: str, prefix: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STREAMAPP_", "KAFKA_"))}
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        STREAMAPP_TOPIC_PREFIX=prefix + "-",
        STREAMAPP_APP_ID=prefix,
        STREAMAPP_PARTITIONS="3",
        STREAMAPP_SESSION_TIMEOUT_SECONDS="6",
        STREAMAPP_HEARTBEAT_INTERVAL_SECONDS="1",
        STREAMAPP_NOTIFY_RETRY_FIRST_SECONDS="0.1",
        STREAMAPP_NOTIFY_RETRY_MAX_SECONDS="0.5",
        STREAMAPP_NOTIFY_TIMEOUT_SECONDS="1",
        STREAMAPP_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


class NotifyProcess:
    """`streamapp notify` as `streamapp up` runs it (streamapp.local.child.Child)."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.child = Child("notify", [sys.executable, "-m", "streamapp", "notify"], env, log_path)
        self.log_path = log_path

    def start(self) -> NotifyProcess:
        self.child.start()
        return self

    def kill(self) -> None:
        process = self.child.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(10)

    def stop(self) -> int | None:
        """SIGTERM (SIGKILL after 15 s); the exit code."""
        self.child.stop(15.0)
        return None if self.child.process is None else self.child.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


async def wait_for(
    condition: Callable[[], Any], timeout: float, what: str, proc: NotifyProcess | None = None
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        await asyncio.sleep(0.1)
    tail = proc.log()[-3000:] if proc is not None else ""
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}\n{tail}")
