"""`python -m bench recommend`: the latency of GET /recommendations/<account> with two
workers, for the accounts a worker answers itself (local) and those it forwards to the
other worker (routed).

Simulated viewers (`--accounts`, `--days` of their events, seed 7) and their catalogue are
pre-produced; two real `streamapp worker` processes of one group share the four
partitions. Once every account is answered, each worker is asked `--requests` times, one
request at a time over a kept-alive connection (as a service calling it would), about
accounts drawn at random; each answer's `served_by` says whether it was local or routed.
The issue's target: p99 < 20 ms, routed included. Last line:
`recommend: local_p50_ms=<x> local_p99_ms=<x> routed_p50_ms=<x> routed_p99_ms=<x>`.

By default the workers are idle while they answer (every event folded); `--live RATE`
sends the simulated day after at RATE viewing events/s meanwhile, so the answers share
the workers' event loops with the folding.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import random
import sys
import threading
import time
from typing import Any

from bench.common import (
    BenchError,
    bench_worker,
    fmt_ms,
    new_producer,
    parse_env_pairs,
    percentile,
)
from streamapp import topics
from tests.harness.kafka import kafka_run
from tests.harness.process import HarnessError
from tests.harness.worker import Worker

DAY_S = 86_400.0
TARGET_P99_MS = 20.0


async def produce(bootstrap: str, items: list[tuple[str, str, bytes]]) -> None:
    producer = new_producer(bootstrap, linger_ms=20)
    await producer.start()
    try:
        pending = [await producer.send(t, value, key=key.encode()) for t, key, value in items]
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


Items = list[tuple[str, str, bytes]]


def simulated(prefix: str, accounts: int, days: int) -> tuple[Items, Items, list[str]]:
    """(topic, key, value) of the catalogue and `days` of viewing events, of the day after
    them (sent while measuring with --live), and the accounts of the first part."""
    from streamapp.sources.producer import encode_value
    from streamapp.sources.viewers.simulator import ViewerSimulator

    t0 = (time.time() // DAY_S - days - 1) * DAY_S
    sim = ViewerSimulator(seed=7, accounts=accounts, start=t0)
    events = sim.events_between(t0, t0 + days * DAY_S)
    items = [(prefix + e.topic, e.key, encode_value(e.value)) for e in sim.catalogue_updates()]
    items += [(prefix + e.topic, e.key, encode_value(e.value)) for e in events]
    later = sim.events_between(t0 + days * DAY_S, t0 + (days + 1) * DAY_S)
    live = [(prefix + e.topic, e.key, encode_value(e.value)) for e in later]
    return items, live, sorted({e.key for e in events})


def send_paced(bootstrap: str, items: Items, rate: float, stop: threading.Event) -> None:
    """Send `items` at `rate` per second until sent or `stop` (in its own thread)."""

    async def run() -> None:
        producer = new_producer(bootstrap)
        await producer.start()
        try:
            started = time.monotonic()
            for i, (topic, key, value) in enumerate(items):
                if stop.is_set():
                    return
                await producer.send(topic, value, key=key.encode())
                ahead = started + i / rate - time.monotonic()
                if ahead > 0:
                    await asyncio.sleep(ahead)
        finally:
            await producer.stop()

    asyncio.run(run())


def ask(conn: http.client.HTTPConnection, account: str) -> tuple[int, dict[str, Any], float]:
    started = time.perf_counter()
    conn.request("GET", f"/recommendations/{account}?n=10")
    response = conn.getresponse()
    body = json.loads(response.read())
    return response.status, body, (time.perf_counter() - started) * 1000


def wait_folded(workers: list[Worker], accounts: list[str], timeout: float = 600) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", workers[0].web_port, timeout=10)
    deadline = time.monotonic() + timeout
    pending = list(accounts)
    while pending:
        for worker in workers:
            worker.check_alive()
        pending = [a for a in pending if ask(conn, a)[0] != 200]
        if pending and time.monotonic() > deadline:
            raise BenchError(f"{len(pending)} accounts still unknown after {timeout:.0f} s")
        if pending:
            time.sleep(1.0)


def measure(workers: list[Worker], accounts: list[str], requests: int) -> dict[str, list[float]]:
    rng = random.Random(7)
    out: dict[str, list[float]] = {"local": [], "routed": [], "healthz": []}
    for worker in workers:
        me = f"http://127.0.0.1:{worker.web_port}"
        conn = http.client.HTTPConnection("127.0.0.1", worker.web_port, timeout=10)
        for _ in range(50):  # warm: the connection, the other worker's connection pool
            ask(conn, rng.choice(accounts))
        for _ in range(requests):
            status, body, took = ask(conn, rng.choice(accounts))
            if status != 200:
                raise BenchError(f"GET answered {status}: {body}")
            out["local" if body["served_by"] == me else "routed"].append(took)
        for _ in range(requests // 2):  # the same server answering its cheapest page
            started = time.perf_counter()
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            out["healthz"].append((time.perf_counter() - started) * 1000)
    return out


def recommend_line(local: list[float], routed: list[float]) -> str:
    """The last line of `python -m bench recommend`."""
    return (
        f"recommend: local_p50_ms={fmt_ms(percentile(local, 50))}"
        f" local_p99_ms={fmt_ms(percentile(local, 99))}"
        f" routed_p50_ms={fmt_ms(percentile(routed, 50))}"
        f" routed_p99_ms={fmt_ms(percentile(routed, 99))}"
    )


def run(
    accounts: int,
    days: int,
    requests: int,
    live_rate: float,
    bootstrap: str | None,
    env: dict[str, str],
) -> int:
    from streamapp.embedded import create_topics
    from streamapp.sources.checkpoints import TOPIC_CONFIG

    with kafka_run("bench-recommend", bootstrap) as bench:
        catalogue_topic = bench.topic(topics.TITLE_CATALOGUE)
        asyncio.run(create_topics(bench.bootstrap, [catalogue_topic], 1, dict(TOPIC_CONFIG)))
        items, later, names = simulated(bench.prefix, accounts, days)
        asyncio.run(produce(bench.bootstrap, items))
        print(f"# {len(items)} records ({len(names)} accounts, {days} days) pre-produced")
        workers = [bench_worker(bench, env, name=f"worker-{i}").start() for i in range(2)]
        try:
            for worker in workers:
                worker.wait_ready(timeout=120)
            started = time.monotonic()
            wait_folded(workers, names)
            print(f"# every account answered {time.monotonic() - started:.1f} s after ready")
            stop = threading.Event()
            feed = threading.Thread(
                target=send_paced, args=(bench.bootstrap, later, live_rate, stop), daemon=True
            )
            if live_rate > 0:  # the workers fold new events while they answer
                feed.start()
                print(f"# measuring while {live_rate:g} viewing events/s arrive")
            try:
                times = measure(workers, names, requests)
            finally:
                stop.set()
                if feed.is_alive():
                    feed.join(30)
        finally:
            for worker in workers:
                worker.stop()
    local, routed = times["local"], times["routed"]
    if not local or not routed:
        raise BenchError(
            f"one kind of request never happened: {len(local)} local, {len(routed)} routed"
        )
    for kind, values in (("local", local), ("routed", routed), ("/healthz", times["healthz"])):
        print(
            f"# {kind}: {len(values)} requests, p50 {fmt_ms(percentile(values, 50))} ms,"
            f" p99 {fmt_ms(percentile(values, 99))} ms, max {fmt_ms(max(values))} ms"
        )
    worst = max(percentile(local, 99), percentile(routed, 99))
    verdict = "met" if worst < TARGET_P99_MS else "NOT met"
    print(f"# target p99 < {TARGET_P99_MS:g} ms: {verdict}")
    print(recommend_line(local, routed))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench recommend", description=__doc__)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--days", type=int, default=3, help="simulated days of viewing events")
    parser.add_argument("--requests", type=int, default=2000, help="per worker")
    parser.add_argument(
        "--live", type=float, default=0.0, metavar="RATE", help="viewing events/s sent meanwhile"
    )
    parser.add_argument("--bootstrap", help="use this broker instead of an embedded Kafka")
    parser.add_argument(
        "--worker-env", action="append", metavar="NAME=VALUE", help="extra worker env (repeat)"
    )
    args = parser.parse_args(argv)
    if args.accounts < 10 or args.days < 1 or args.requests < 10:
        parser.error("--accounts >= 10, --days >= 1 and --requests >= 10")
    try:
        env = parse_env_pairs(args.worker_env)
        return run(args.accounts, args.days, args.requests, args.live, args.bootstrap, env)
    except HarnessError as exc:
        print(f"recommend bench FAILED: {exc}", file=sys.stderr)
        return 1
