"""`python -m bench soak`: a long backlog through a real worker with everything on.

N simulator posts (default 1,000,000) with event times over the last two hours are
produced to a fresh broker; then `python -m streamapp worker` (windows, alerts,
forecasts, signals: its defaults) reads them. Two hours of 60 s windows is 120 windows
per platform, past the forecasts' minimum history, so forecasts fit while the backlog is
read. The rate is measured as in `bench throughput` (between the first and the last
signal's Kafka timestamp, start-up excluded); the worker's RSS is read from /proc when
10%, 50% and 100% of the posts have come out as signals, with its child processes' (the
forecast fit process, multiprocessing's resource tracker) beside it: fits run there by
default, and memory moved to a child is still memory. Last line:

    soak: events=<n> events_per_s=<x> rss_mb_at_50pct=<a> rss_mb_at_end=<b>
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterator

from bench.common import (
    BenchError,
    Post,
    _as_post,
    bench_worker,
    fmt_rate,
    loadavg,
    parse_env_pairs,
    produce_all,
)
from bench.throughput import backlog_parser, run_pipeline
from streamapp import topics
from tests.harness.kafka import kafka_run
from tests.harness.process import HarnessError, rss_mb
from tests.harness.worker import Worker

DEFAULT_POSTS = 1_000_000
SPAN_S = 7200.0  # event times over the last two hours
CHUNK_S = 300.0  # posts are generated and produced five minutes of event time at a time
MARKS = (0.1, 0.5, 1.0)


def soak_line(events: int, rate: float, rss_half: float, rss_end: float) -> str:
    return (
        f"soak: events={events} events_per_s={fmt_rate(rate)} "
        f"rss_mb_at_50pct={rss_half:.1f} rss_mb_at_end={rss_end:.1f}"
    )


def children_rss_mb(pid: int) -> dict[str, float]:
    """RSS of `pid`'s child processes by a short name (fit, resource_tracker, or the pid)."""
    out: dict[str, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid != pid:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().decode(errors="replace")
            rss = rss_mb(int(entry))
        except (OSError, HarnessError):  # it exited while we looked
            continue
        name = "fit" if "spawn_main" in cmdline else entry
        name = "resource_tracker" if "resource_tracker" in cmdline else name
        out[name] = out.get(name, 0.0) + rss
    return out


def children_note(pid: int) -> str:
    children = children_rss_mb(pid)
    if not children:
        return "no child processes"
    parts = ", ".join(f"{name} {rss:.1f}" for name, rss in sorted(children.items()))
    return f"child processes {sum(children.values()):.1f} MB ({parts})"


def post_chunks(n: int, end: float, seed: int = 7) -> Iterator[list[Post]]:
    """Exactly n posts in event-time order, a chunk at a time (a million posts never sit
    in memory at once). The simulator runs a little above n / span, so the n-th post
    falls just before `end`."""
    from streamapp.sources.simulator import Simulator

    start = end - SPAN_S
    sim = Simulator(seed=seed, rate=n / SPAN_S * 1.02, start=start, trend_interval_s=None)
    left = n
    t = start
    while left > 0:
        chunk = [_as_post(e.value) for e in sim.posts_between(t, t + CHUNK_S)][:left]
        left -= len(chunk)
        t += CHUNK_S
        if chunk:
            yield chunk


class RssMarks:
    """The worker's RSS when the signals first reach each of MARKS of n."""

    def __init__(self, worker: Worker, n: int) -> None:
        self.worker = worker
        self.n = n
        self.at: dict[float, float] = {}

    def __call__(self, distinct: int) -> None:
        for mark in MARKS:
            if mark not in self.at and distinct >= mark * self.n:
                self.at[mark] = rss_mb(self.worker.pid)
                print(
                    f"# {mark:.0%}: {distinct} signals, worker RSS {self.at[mark]:.1f} MB; "
                    f"{children_note(self.worker.pid)}"
                )


def run(n: int, bootstrap: str | None, worker_env: dict[str, str]) -> int:
    print(f"# soak: {n} posts over {SPAN_S / 3600:.0f} h of event time, load {loadavg()}")
    began = time.monotonic()
    with kafka_run("bench-soak", bootstrap) as env:
        raw = env.topic(topics.REDDIT_DISCUSSIONS)
        produced = 0
        took = 0.0
        for chunk in post_chunks(n, end=time.time()):
            took += asyncio.run(produce_all(env.bootstrap, raw, chunk))
            produced += len(chunk)
        print(f"# produced {produced} posts to {raw} ({took:.1f} s sending)")
        worker = bench_worker(env, worker_env)
        marks = RssMarks(worker, produced)
        try:
            result = asyncio.run(run_pipeline(env, worker, produced, progress=marks))
            end_rss = rss_mb(worker.pid)
            end_children = children_note(worker.pid)
        finally:
            worker.stop()
    if result.distinct != produced:
        raise BenchError(f"{result.distinct} distinct signals for {produced} posts")
    if result.windows == 0:
        raise BenchError("platform-windows received no closed window")
    written = result.written
    print(
        f"# {result.windows} windows closed, {result.alerts} alerts, "
        f"{written.get('platform-forecasts', 0)} forecasts; "
        f"{result.signals - result.distinct} duplicate signals; load {loadavg()}; "
        f"bench took {time.monotonic() - began:.0f} s"
    )
    if result.worker_cpu is not None:
        on_cpu, waiting = result.worker_cpu
        wall = result.cpu_wall_s
        print(
            f"# worker: {on_cpu / wall:.2f} on CPU + {waiting / wall:.2f} waiting for one; "
            f"{fmt_rate(produced / on_cpu)} posts per worker CPU-second"
        )
    growth = (marks.at[1.0] - marks.at[0.5]) / marks.at[0.5]
    print(
        f"# RSS from 50% to 100%: {growth:+.1%}; {end_rss:.1f} MB once the worker had "
        "drained its windows (forecast fits may load pandas and Prophet then)"
    )
    print(f"# then: {end_children} beside the worker's {end_rss:.1f} MB")
    print(soak_line(produced, result.stage.rate, marks.at[0.5], marks.at[1.0]))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = backlog_parser("soak", __doc__, DEFAULT_POSTS)
    args = parser.parse_args(argv)
    if args.posts < 10:
        parser.error("--posts must be at least 10")
    try:
        return run(args.posts, args.bootstrap, parse_env_pairs(args.worker_env))
    except HarnessError as exc:
        print(f"soak bench FAILED: {exc}", file=sys.stderr)
        return 1
