"""`python -m bench notify`: alerts/s `notify` delivers to a local webhook, with and without
the durable once-only state, and the alert-to-delivery latency at a steady rate.

Real parts: the embedded Kafka (or `--bootstrap`), the real `run_notify` (its consumer
group, per-destination queue, signed webhook POSTs, commits) and a webhook receiver in a
process of its own (aiohttp on loopback, answering 200, stamping each arrival).

1. Throughput: `--alerts` alerts are produced first, then `notify` is started and timed
   from its first delivery to its last, once with the ledger written to Kafka (`durable`,
   one acks=all write per delivery: what exactly-once costs) and once with the ledger in
   memory only (`plain`). Each run has its own topics and consumer group.
2. Latency: with the durable ledger, alerts produced at `--rate` (50/s) for
   `--seconds`; each alert carries its send time, the receiver its arrival time.

Last line: `notify: rate=<durable alerts/s> plain=<alerts/s> ratio=<x> p99_ms=<y>`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from bench.common import (
    BenchError,
    fmt_ms,
    fmt_rate,
    fmt_ratio,
    latency_summary,
    new_producer,
    table,
)
from streamapp.embedded import free_port
from tests.harness.kafka import PARTITIONS, kafka_run

SECRET = "bench-secret-0123456789"


def notify_line(rate: float, plain: float, p99_ms: float) -> str:
    ratio = rate / plain if plain > 0 else 0.0
    return (
        f"notify: rate={fmt_rate(rate)} plain={fmt_rate(plain)} "
        f"ratio={fmt_ratio(ratio)} p99_ms={fmt_ms(p99_ms)}"
    )


def bench_alert(run: str, i: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "alert_id": f"{run}-{i:06d}",
        "rule": "piracy_surge",
        "platform": ("netflix", "hulu", "max", "peacock")[i % 4],
        "status": "firing",
        "severity": "warning",
        "window_start": "2026-12-02T01:00:00Z",
        "window_end": "2026-12-02T01:01:00Z",
        "observed": 42.0,
        "baseline": 4.5,
        "score": 6.2,
        "message": "piracy posts at 42.00 against a baseline of 4.50 (score 6.2)",
        "evidence": ["t3_a1", "t3_a2"],
        "top_terms": [{"term": "torrent", "count": 30, "baseline": 1.2}],
        "fired_at": now.isoformat(),
        "sent_at": time.time(),  # the bench's own stamp: produce time, for the latency
        "schema_version": 1,
    }


class Receiver:
    """The webhook receiver as a child process (bench/notify_receiver.py)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.notify_receiver", str(self.port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout is None or self.process.stdout.readline().strip() != "ready":
            raise BenchError("the webhook receiver did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def arrivals(self, run: str) -> dict[str, float]:
        import aiohttp

        url = f"http://127.0.0.1:{self.port}/arrivals/{run}"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return dict(await response.json())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def settings_for(bootstrap: str, prefix: str, url: str) -> Any:
    from streamapp.config import Settings

    settings = Settings()
    settings.kafka.bootstrap_servers = bootstrap
    settings.pipeline.topic_prefix = prefix
    settings.pipeline.app_id = prefix.rstrip(".")
    settings.pipeline.create_topics = True
    settings.notify.webhook_url = type(settings.notify.webhook_url)(url)
    settings.notify.webhook_secret = type(settings.notify.webhook_secret)(SECRET)
    settings.notify.health_port = 0
    return settings


async def _until(receiver: Receiver, run: str, n: int, timeout_s: float) -> dict[str, float]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = await receiver.arrivals(run)
        if len(got) >= n:
            return got
        await asyncio.sleep(0.2)
    raise BenchError(f"{run}: {len(got)} of {n} alerts delivered within {timeout_s:.0f} s")


async def _notify_running(settings: Any, durable: bool) -> tuple[asyncio.Event, asyncio.Task]:
    from streamapp.notify.destinations import destinations_from
    from streamapp.notify.service import run_notify

    stop = asyncio.Event()
    task = asyncio.create_task(
        run_notify(settings, destinations_from(settings.notify), stop=stop, durable=durable)
    )
    return stop, task


async def _produce(bootstrap: str, topic: str, alerts: list[dict[str, Any]], rate: float) -> None:
    from streamapp.embedded import create_topics

    await create_topics(bootstrap, [topic], partitions=PARTITIONS)  # as the worker makes it
    producer = new_producer(bootstrap, linger_ms=0 if rate else 5)
    await producer.start()
    try:
        started = time.monotonic()
        pending = []
        for i, alert in enumerate(alerts):
            if rate:
                await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
                alert["sent_at"] = time.time()
            value = json.dumps(alert).encode()
            pending.append(await producer.send(topic, value, key=alert["platform"].encode()))
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def throughput(
    bootstrap: str, receiver: Receiver, prefix: str, n: int, durable: bool
) -> float:
    settings = settings_for(bootstrap, prefix, receiver.url)
    run = prefix.rstrip(".")
    alerts = [bench_alert(run, i) for i in range(n)]
    await _produce(bootstrap, prefix + "streaming-alerts", alerts, rate=0.0)
    stop, task = await _notify_running(settings, durable)
    try:
        got = await _until(receiver, run, n, timeout_s=120 + n / 20)
    finally:
        stop.set()
        await task
    times = sorted(got.values())
    return (n - 1) / (times[-1] - times[0]) if times[-1] > times[0] else 0.0


async def latency(
    bootstrap: str, receiver: Receiver, prefix: str, rate: float, seconds: float
) -> dict[str, float]:
    settings = settings_for(bootstrap, prefix, receiver.url)
    run = prefix.rstrip(".")
    n = int(rate * seconds)
    alerts = [bench_alert(run, i) for i in range(n)]
    stop, task = await _notify_running(settings, durable=True)
    try:
        await asyncio.sleep(3.0)  # notify has joined its group and reads the (empty) topic
        await _produce(bootstrap, prefix + "streaming-alerts", alerts, rate=rate)
        got = await _until(receiver, run, n, timeout_s=60)
    finally:
        stop.set()
        await task
    sent = {a["alert_id"]: a["sent_at"] for a in alerts}
    return latency_summary([(got[k] - sent[k]) * 1000 for k in sent])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench notify", description=__doc__)
    parser.add_argument("--alerts", type=int, default=2000, help="alerts per throughput run")
    parser.add_argument("--rate", type=float, default=50.0, help="alerts/s for the latency run")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the latency run")
    parser.add_argument("--bootstrap", help="an existing broker (default: start Kafka)")
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING)  # notify's per-delivery INFO lines: off
    with kafka_run("bench-notify", args.bootstrap) as env:
        receiver = Receiver()
        try:

            async def measure() -> tuple[float, float, dict[str, float]]:
                plain = await throughput(
                    env.bootstrap, receiver, env.prefix + "plain.", args.alerts, False
                )
                durable = await throughput(
                    env.bootstrap, receiver, env.prefix + "durable.", args.alerts, True
                )
                lat = await latency(
                    env.bootstrap, receiver, env.prefix + "lat.", args.rate, args.seconds
                )
                return durable, plain, lat

            durable, plain, lat = asyncio.run(measure())
        finally:
            receiver.stop()
    print(
        f"{args.alerts} alerts per throughput run; latency at {args.rate:g} alerts/s for {args.seconds:g} s"
    )
    print(
        table(
            [
                ["durable ledger (Kafka, acks=all)", fmt_rate(durable)],
                ["plain (ledger in memory)", fmt_rate(plain)],
            ],
            ["webhook delivery", "alerts/s"],
        )
    )
    print(
        f"latency at {args.rate:g}/s, durable: p50 {fmt_ms(lat['p50'])} ms, p99 {fmt_ms(lat['p99'])} ms"
    )
    print(notify_line(durable, plain, lat["p99"]))
    return 0
