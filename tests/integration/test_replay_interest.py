"""Trend points do not hold the posts' windows, and still land in their own (issue 12):
the recorded file of test_replay_determinism with a search-interest point every five
minutes per keyword, replayed `--fast` and `--speed 60` into fresh clusters, gives the
same final windows (the last revision of each window_id, interest included: a point that
came after its window first closed is a revision) and the same alerts, none late."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from streamapp import topics
from streamapp.sources.replay import replay
from tests.integration.pipeline import read_until
from tests.integration.test_replay_determinism import Cluster, recorded_file

pytestmark = pytest.mark.integration


def trend_points(path: Path) -> tuple[int, int]:
    """(the file's trend points, those of a platform: what the windows count)."""
    trends = [
        record["value"]
        for record in map(json.loads, path.read_text().splitlines())
        if record.get("topic") == topics.STREAMING_TRENDS
    ]
    return len(trends), sum(1 for v in trends if v.get("platform") and not v.get("region_of"))


def latest(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for w in records:
        if w["window_id"] not in out or w["revision"] >= out[w["window_id"]]["revision"]:
            out[w["window_id"]] = w
    return out


async def final_windows(cluster: Cluster, posts: int, points: int) -> dict[str, Any]:
    await cluster.results(posts)  # every post counted (in its window or late)
    records = await read_until(
        cluster.bootstrap,
        cluster.prefix + topics.PLATFORM_WINDOWS,
        lambda r: sum(w["interest_count"] + w["late_events"] for w in latest(r).values()) >= points,
        timeout=120,
    )
    alerts = await read_until(
        cluster.bootstrap, cluster.prefix + topics.STREAMING_ALERTS, lambda r: False, timeout=3
    )
    return {
        "windows": {
            wid: (
                w["mentions"],
                w["intent_counts"],
                w["interest_count"],
                round(w["interest_sum"], 6),
                w["late_events"],
            )
            for wid, w in latest(records).items()
        },
        "revisions": sum(1 for w in records if w["revision"] > 0),
        "alerts": sorted(
            {(a["alert_id"], a["rule"], a["platform"], a["status"], a["observed"]) for a in alerts}
        ),
    }


async def test_trend_points_land_in_their_windows_in_fast_and_paced_replays(
    kafka_broker, unique_topic_prefix, tmp_path
):
    bootstrap = kafka_broker.bootstrap
    path, sent = recorded_file(tmp_path / "recorded.jsonl", trend_interval_s=300.0)
    trends, points = trend_points(path)
    posts = sent - trends
    runs = {"fast": None, "speed-60": 60.0}
    clusters = {
        name: Cluster(bootstrap, f"{unique_topic_prefix}-{name}.", tmp_path / name) for name in runs
    }
    try:
        await asyncio.gather(*(c.start() for c in clusters.values()))
        counts = await asyncio.gather(
            *(
                replay(bootstrap, path, speed=speed, topic_prefix=clusters[name].prefix)
                for name, speed in runs.items()
            )
        )
        assert counts == [sent] * len(runs)
        results = dict(
            zip(
                runs,
                await asyncio.gather(*(final_windows(c, posts, points) for c in clusters.values())),
                strict=True,
            )
        )
    finally:
        for cluster in clusters.values():
            cluster.stop()
    fast = results["fast"]
    assert points > 100
    assert sum(w[2] for w in fast["windows"].values()) == points  # every point in a window
    assert all(w[4] == 0 for w in fast["windows"].values())  # none late
    assert results["speed-60"]["windows"] == fast["windows"]
    assert results["speed-60"]["alerts"] == fast["alerts"]
    print({name: r["revisions"] for name, r in results.items()}, len(fast["alerts"]))
