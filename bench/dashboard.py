"""`python -m bench dashboard`: from an event's production to its appearance on the page.

A real `streamapp dashboard` process follows the topics; headless Chromium (Debian's
`chromium` through Playwright) has the page open. The bench produces classified posts to
`discussion-signals` (what the worker writes; the worker's own latency is `bench latency`)
at rising rates, recording each event's send time. In the page, a listener on the
"Mentions per platform" chart's data source records (wall time, events the chart counts)
at every redraw. Event k appeared when the chart first counted k events:
lag_k = that redraw's time - send time of event k (one clock, one machine).

Last line: `dashboard: rate=<events/s> p95_lag_ms=<x>` for the stage nearest
`--target-rate` (1,000/s). Also printed per stage: redraws per second (batching: a few
per second at any rate) and the dashboard's resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import time
from pathlib import Path

from bench.common import (
    BenchError,
    bench_app_id,
    cpu_seconds,
    fmt_ms,
    fmt_rate,
    latency_summary,
    loadavg,
    table,
)
from bench.dashboard_page import PageProbe
from streamapp import topics
from streamapp.analytics.platforms import PLATFORMS
from tests.harness.dashboard import Dashboard
from tests.harness.kafka import KafkaRun, kafka_run
from tests.harness.process import HarnessError

TICK_S = 0.01
TARGET_P95_MS = 1000.0


def dashboard_line(rate: float, p95_ms: float) -> str:
    """The last line of `python -m bench dashboard`."""
    return f"dashboard: rate={fmt_rate(rate)} p95_lag_ms={fmt_ms(p95_ms)}"


def signal_bytes(rng: random.Random, now: float, n: int) -> bytes:
    platform = rng.choice(list(PLATFORMS))
    value = {
        "event_id": f"t3_bench{n}",
        "kind": "submission",
        "subreddit": "cordcutters",
        "created_utc": now,
        "event_time": "",
        "platforms": [platform],
        "intents": ["piracy"] if rng.random() < 0.1 else [],
        "sentiment": round(rng.uniform(-1, 1), 3),
        "switch_from": None,
        "switch_to": None,
        "classifier_version": "bench",
        "score": 1,
        "text": "bench",
    }
    return json.dumps(value, separators=(",", ":")).encode()


async def stream(
    bootstrap: str, topic: str, rate: float, seconds: float, first: int
) -> list[float]:
    """Send `rate` events/s for `seconds`; returns each event's send time, in order."""
    from bench.common import new_producer

    producer = new_producer(bootstrap)
    await producer.start()
    rng = random.Random(first)
    sent: list[float] = []
    started = time.time()
    try:
        while (now := time.time()) < started + seconds:
            due = int((now - started) * rate) - len(sent)
            for _ in range(due):
                await producer.send(topic, signal_bytes(rng, now, first + len(sent)))
                sent.append(now)
            await asyncio.sleep(TICK_S)
        await producer.flush()
    finally:
        await producer.stop()
    return sent


def lags_ms(sent: list[float], offset: int, redraws: list[tuple[float, float]]) -> list[float]:
    """Per event: first redraw (wall ms, events counted) counting it, minus its send time."""
    lags, i = [], 0
    for k, sent_at in enumerate(sent, start=offset + 1):
        while i < len(redraws) and redraws[i][1] < k:
            i += 1
        if i == len(redraws):
            raise BenchError(f"event {k} never appeared on the page ({len(redraws)} redraws)")
        lags.append(redraws[i][0] - sent_at * 1000)
    return lags


async def measure(env: KafkaRun, board: Dashboard, args: argparse.Namespace) -> list:
    """Each rate in turn; returns [(achieved rate, p95 ms)] and prints a table."""
    rows, results, shown = [], [], 0
    topic = env.topic(topics.DISCUSSION_SIGNALS)
    async with PageProbe(board.url) as page:
        if args.warmup > 0:  # the page's first redraws (fonts, layout) are not the steady state
            shown = len(await stream(env.bootstrap, topic, 100, args.warmup, 0))
            await page.wait_for_count(shown, timeout=30)
        for rate in [float(r) for r in args.rates.split(",")]:
            rss_before = board.rss_mb()
            mark = await page.redraw_count()
            cpu_before, busy_before = cpu_seconds(board.pid), await page.busy_s()
            sent = await stream(env.bootstrap, topic, rate, args.seconds, shown)
            redraws = await page.wait_for_count(shown + len(sent), timeout=30)
            cpu_after, busy_after = cpu_seconds(board.pid), await page.busy_s()
            lags = lags_ms(sent, shown, redraws)
            shown += len(sent)
            achieved = len(sent) / args.seconds
            stats = latency_summary(lags)
            count = max(1, len(redraws) - mark)
            server = (cpu_after[0] - cpu_before[0]) if cpu_before and cpu_after else float("nan")
            results.append((achieved, stats["p95"]))
            rows.append(
                [fmt_rate(achieved), fmt_ms(stats["p50"]), fmt_ms(stats["p95"]),
                 fmt_ms(stats["max"]), f"{count / args.seconds:.1f}",
                 fmt_ms(1000 * server / count), fmt_ms(1000 * (busy_after - busy_before) / count),
                 f"{rss_before:.0f} -> {board.rss_mb():.0f}"]
            )  # fmt: skip
            print(f"# {rate:g}/s: p95 {stats['p95']:.0f} ms, load average {loadavg()}", flush=True)
        if page.errors:
            raise BenchError(f"console errors in the page: {page.errors[:3]}")
    # Per redraw: the dashboard process's CPU (reading the topics at that rate, the
    # queries, serialising the changes) and the page's main-thread time (applying them,
    # drawing): where a redraw's time goes.
    header = ["events/s", "p50_ms", "p95_ms", "max_ms", "redraws/s", "server_cpu_ms/redraw",
              "page_ms/redraw", "dashboard RSS MB"]  # fmt: skip
    print(table(rows, header))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench dashboard", description=__doc__)
    parser.add_argument("--bootstrap", help="an existing broker (default: start Kafka)")
    parser.add_argument("--rates", default="250,500,1000,2000", help="events/s, in turn")
    parser.add_argument("--seconds", type=float, default=15.0, help="per rate")
    parser.add_argument("--target-rate", type=float, default=1000.0)
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds at 100/s, not measured")
    parser.add_argument(
        "--code", type=Path, help="run the dashboard from this checkout (old code, side by side)"
    )
    parser.add_argument(
        "--profile", type=Path, help="py-spy the dashboard; collapsed stacks to FILE"
    )
    args = parser.parse_args(argv)
    print(f"# load average {loadavg()}", flush=True)
    try:
        with kafka_run("bench-dashboard", args.bootstrap) as env:
            board = Dashboard(
                env.bootstrap,
                env.prefix,
                env.tmp,
                app_id=bench_app_id(env),
                code=args.code,
                settings={},  # the product's buckets, not the tests' short ones
                own_session=True,
            )
            profiler = None
            try:
                board.start().wait_serving(60.0, path="", request_timeout=60.0)
                profiler = board.start_profiler(args.profile) if args.profile else None
                results = asyncio.run(measure(env, board, args))
            finally:
                if profiler is not None:
                    profiler.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
                    profiler.wait(30)
                board.stop()
    except HarnessError as exc:
        print(f"bench dashboard: {exc}", file=sys.stderr)
        return 1
    rate, p95 = min(results, key=lambda r: abs(r[0] - args.target_rate))
    verdict = "met" if p95 < TARGET_P95_MS else "NOT met"
    print(f"# target p95 under {TARGET_P95_MS:.0f} ms at {args.target_rate:g} events/s: {verdict}")
    print(dashboard_line(rate, p95))
    return 0
