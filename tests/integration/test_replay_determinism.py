"""Replays give what live gave (issue 12): the same recorded file replayed into fresh
clusters, fast or paced, with one worker or two, closes the same windows and fires the
same alerts; and a worker restarted after being down counts every post in its own window.

The file carries a search-interest point every five minutes per keyword: trend points do
not hold the posts' windows, and still land in their own (a point that comes after its
window first closed is a revision, so the runs agree on each window's last revision).
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner

from streamapp import topics
from streamapp.sources.replay import replay, write_jsonl
from streamapp.sources.simulator import Simulator
from tests.harness.kafka import prepare_topics, produce, read_until
from tests.harness.worker import Worker
from tests.integration.pipeline import reddit_post

pytestmark = pytest.mark.integration

WINDOW = 60.0  # the default window: an 80-minute file is 80 windows
REPLAY_SETTINGS = {
    "STREAMAPP_WINDOW_SECONDS": str(WINDOW),
    "STREAMAPP_ALLOWED_LATENESS_SECONDS": "3",
    # Every lane idle this long ends the replay's backlog. 3 s was seen to pass under CPU
    # starvation (load average ~8, four suites at once) between two fetches of a lane still
    # being read, closing windows early: one late post in one run of four.
    "STREAMAPP_IDLE_PARTITION_SECONDS": "8",
    "STREAMAPP_FORECAST_ENABLED": "false",
}
PARTITIONS = 4


def trend_points(path: Path) -> tuple[int, int]:
    """(the file's trend points, those of a platform: what the windows count)."""
    trends = [
        record["value"]
        for record in map(json.loads, path.read_text().splitlines())
        if record.get("topic") == topics.STREAMING_TRENDS
    ]
    return len(trends), sum(1 for v in trends if v.get("platform") and not v.get("region_of"))


def recorded_file(path: Path, trend_interval_s: float | None = None) -> tuple[Path, int]:
    """~600 posts over 80 minutes of event time long ago, with a 10-minute piracy surge
    about Max (15:40-15:50), then one post per partition just before the last window ends
    (so the last windows close seconds after the replay, not a window later). A fixed day
    (a Tuesday): the simulator's weekly rhythm moves the baseline, and a day relative to
    today made the surge too weak to fire on some days of the week."""
    t0 = datetime(2025, 12, 2, 14, 40, tzinfo=UTC).timestamp()
    sim = Simulator(
        seed=12,
        rate=0.12,
        scenarios=["piracy-wave:max@3600/600"],
        start=t0,
        trend_interval_s=trend_interval_s,
    )
    events = sim.events_between(t0, t0 + 80 * WINDOW)
    write_jsonl(path, events)
    partitioner = DefaultPartitioner()
    ends: dict[int, str] = {}
    n = 0
    while len(ends) < PARTITIONS:
        pid = f"t3_end{n}"
        ends.setdefault(partitioner(pid.encode(), list(range(PARTITIONS)), []), pid)
        n += 1
    with path.open("a", encoding="utf-8") as out:
        for i, pid in enumerate(ends.values()):
            _, value = reddit_post(pid, "Netflix tonight", t0 + 80 * WINDOW - 0.5 + i * 0.01)
            out.write(value.decode() + "\n")
    return path, len(events) + len(ends)


class Cluster:
    """Fresh topics and app id, `workers` workers, replay settings."""

    def __init__(self, bootstrap: str, prefix: str, data_dir: Path, workers: int = 1) -> None:
        self.bootstrap, self.prefix = bootstrap, prefix
        self.workers = [
            Worker(bootstrap, prefix, data_dir / f"w{i}", REPLAY_SETTINGS) for i in range(workers)
        ]

    async def start(self) -> None:
        await prepare_topics(self.bootstrap, self.prefix, PARTITIONS)
        for worker in self.workers:
            worker.start()
        for worker in self.workers:
            await asyncio.to_thread(worker.wait_ready, 90)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()

    async def results(self, posts: int, points: int = 0, timeout: float = 150) -> dict[str, Any]:
        signals = await read_until(
            self.bootstrap,
            self.prefix + topics.DISCUSSION_SIGNALS,
            lambda r: len({s["event_id"] for s in r}) >= posts,
            timeout=timeout,
        )
        by_id = {s["event_id"]: s for s in signals}
        pairs = sum(len(s["platforms"]) for s in by_id.values())

        def latest(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
            out: dict[str, dict[str, Any]] = {}
            for w in records:  # a window may be re-sent after a rebalance: the same totals
                if w["window_id"] not in out or w.get("revision", 0) >= out[w["window_id"]].get(
                    "revision", 0
                ):
                    out[w["window_id"]] = w
            return out

        windows = await read_until(
            self.bootstrap,
            self.prefix + topics.PLATFORM_WINDOWS,
            lambda r: (
                sum(w["mentions"] + w["late_events"] for w in latest(r).values()) >= pairs
                and sum(w["interest_count"] for w in latest(r).values()) >= points
            ),
            timeout=timeout,
        )
        alerts = await read_until(
            self.bootstrap, self.prefix + topics.STREAMING_ALERTS, lambda r: False, timeout=3
        )
        return {
            "posts": len(by_id),
            "pairs": pairs,
            "records": windows,
            "windows": {
                wid: (
                    w["mentions"],
                    w["intent_counts"],
                    w["late_events"],
                    w["interest_count"],
                    round(w["interest_sum"], 6),
                )
                for wid, w in latest(windows).items()
            },
            "revisions": sum(1 for w in windows if w.get("revision", 0) > 0),
            "alerts": sorted(
                {
                    (a["alert_id"], a["rule"], a["platform"], a["status"], a["observed"])
                    for a in alerts
                }
            ),
            "raw_alerts": alerts,
        }


async def test_replays_into_fresh_clusters_give_identical_windows_and_alerts(
    kafka_broker, unique_topic_prefix, tmp_path
):
    bootstrap = kafka_broker.bootstrap
    path, sent_per_run = recorded_file(tmp_path / "recorded.jsonl", trend_interval_s=300.0)
    trends, points = trend_points(path)
    posts = sent_per_run - trends
    runs = {
        "fast-1": (None, 1),
        "fast-2": (None, 1),
        "fast-two-workers": (None, 2),
        "speed-60": (60.0, 1),
    }
    clusters = {
        name: Cluster(bootstrap, f"{unique_topic_prefix}-{name}.", tmp_path / name, workers)
        for name, (_, workers) in runs.items()
    }
    try:
        await asyncio.gather(*(c.start() for c in clusters.values()))
        sent = await asyncio.gather(
            *(
                replay(bootstrap, path, speed=speed, topic_prefix=clusters[name].prefix)
                for name, (speed, _) in runs.items()
            )
        )
        assert sent == [sent_per_run] * len(runs)
        results = dict(
            zip(
                runs,
                await asyncio.gather(*(c.results(posts, points) for c in clusters.values())),
                strict=True,
            )
        )
    finally:
        for cluster in clusters.values():
            cluster.stop()

    first = results["fast-1"]
    assert first["posts"] == posts
    # Every (post, platform) pair and every platform's trend point is in its window, none
    # late (interest that came after a window first closed is in its last revision).
    assert sum(w[0] for w in first["windows"].values()) == first["pairs"]
    assert points > 100
    assert sum(w[3] for w in first["windows"].values()) == points
    assert all(w[2] == 0 for w in first["windows"].values())
    assert len(first["windows"]) > 80  # several platforms over 80 windows
    surge = [
        a for a in first["raw_alerts"] if a["rule"] == "piracy_surge" and a["platform"] == "max"
    ]
    assert surge and surge[0]["status"] == "firing"
    assert "T15:4" in surge[0]["window_start"]  # within 15:40-15:50
    for name, result in results.items():
        assert result["posts"] == posts, name
        assert result["pairs"] == first["pairs"], name
        assert result["windows"] == first["windows"], name
        assert result["alerts"] == first["alerts"], name
    print({name: r["revisions"] for name, r in results.items()}, len(first["alerts"]))


def _window_of(created: float, size: float) -> float:
    return (created // size) * size


async def test_a_worker_restarted_after_being_down_counts_every_post_in_its_window(
    kafka_broker, unique_topic_prefix, tmp_path
):
    """Down for a while (20 s here for "10 minutes"; 10 windows) with posts produced
    meanwhile: when it comes back, they are counted in their own windows, none late."""
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    size = 2.0  # FAST_SETTINGS
    await prepare_topics(bootstrap, prefix)
    topic = prefix + topics.REDDIT_DISCUSSIONS
    # A record Faust skips on a restart is read again after the stalled-head time; as
    # with the defaults (15 s < 20 s) that is shorter than a lane takes to turn idle.
    env = {"STREAMAPP_FORECAST_ENABLED": "false", "STREAMAPP_STALLED_HEAD_SECONDS": "2"}
    worker = Worker(bootstrap, prefix, tmp_path, env)
    worker.start()
    posts: list[tuple[str, float]] = []

    async def live(seconds: float) -> None:
        end = time.time() + seconds
        while time.time() < end:
            created = time.time()
            batch = [
                reddit_post(f"t3_r{len(posts) + i}", "Netflix tonight", created) for i in range(4)
            ]
            posts.extend((pid, created) for pid, _ in batch)
            await produce(bootstrap, topic, batch)
            await asyncio.sleep(0.25)

    try:
        await asyncio.to_thread(worker.wait_ready, 90)
        await live(6)
        worker.stop()
        await live(20)  # the worker is down
        worker = Worker(bootstrap, prefix, tmp_path, env)
        worker.start()
        await asyncio.to_thread(worker.wait_ready, 90)
        await live(4)
        expected: dict[str, int] = {}
        for _, created in posts:
            key = f"netflix|{_window_of(created, size):.3f}"
            expected[key] = expected.get(key, 0) + 1
        records = await read_until(
            bootstrap,
            prefix + topics.PLATFORM_WINDOWS,
            lambda r: (
                sum(
                    w["mentions"] + w["late_events"]
                    for w in {x["window_id"]: x for x in r}.values()
                )
                >= len(posts)
            ),
            timeout=90,
        )
    finally:
        worker.stop()
    latest = {w["window_id"]: w for w in records}
    assert sum(w["late_events"] for w in latest.values()) == 0, json.dumps(
        [w for w in latest.values() if w["late_events"]]
    )[:2000]
    assert {wid: w["mentions"] for wid, w in latest.items()} == expected
