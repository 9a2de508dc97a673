"""`streamapp collect trends|reddit --once` as a user runs it, against loopback servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from streamapp.records.raw import parse_reddit_post, parse_trend_point
from tests.servers.reddit_server import RedditServer
from tests.servers.threaded import serve_in_thread
from tests.servers.trends_server import HOUR, TrendsServer


def collect(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("REDDIT_", "STREAMAPP_"))}
    return subprocess.run(
        [sys.executable, "-m", "streamapp", "collect", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_collect_reddit_once_prints_replayable_records(tmp_path: Path) -> None:
    server = RedditServer()
    now = time.time()
    for n in range(8):
        server.add("t3", "cordcutters", now - 100 + n, title=f"Cancelled Hulu #{n}", author="bob")
    server.add("t1", "netflix", now - 50, body="same here")
    with serve_in_thread(server.app()) as (url, _):
        env = {
            "REDDIT_CLIENT_ID": "test-client",
            "REDDIT_CLIENT_SECRET": "test-secret",
            "REDDIT_OAUTH_URL": url,
            "REDDIT_URL": url,
        }
        done = collect(["reddit", "--once", "--limit", "5"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    kinds = sorted(envelope["value"]["kind"] for envelope in lines)
    assert kinds == ["comment"] + ["submission"] * 5  # --limit per listing
    for envelope in lines:
        assert envelope["topic"] == "reddit-discussions"
        assert parse_reddit_post(json.dumps(envelope["value"])).id == envelope["key"]
    assert "bob" not in done.stdout and "test-secret" not in done.stdout + done.stderr
    assert "6 records" in done.stderr


def test_collect_reddit_without_credentials_says_what_to_set(tmp_path: Path) -> None:
    done = collect(["reddit", "--once"], {}, tmp_path)
    assert done.returncode == 2
    assert "REDDIT_CLIENT_ID" in done.stderr and done.stdout == ""


def test_collect_reddit_with_a_wrong_secret_fails_clearly(tmp_path: Path) -> None:
    with serve_in_thread(RedditServer().app()) as (url, _):
        env = {
            "REDDIT_CLIENT_ID": "test-client",
            "REDDIT_CLIENT_SECRET": "wrong-s3cret",
            "REDDIT_OAUTH_URL": url,
            "REDDIT_URL": url,
        }
        done = collect(["reddit", "--once"], env, tmp_path)
    assert done.returncode == 1
    assert "refused the credentials" in done.stderr
    assert "wrong-s3cret" not in done.stderr + done.stdout


def test_collect_trends_once_prints_one_point_per_keyword(tmp_path: Path) -> None:
    hour = int(time.time() // HOUR * HOUR)
    server = TrendsServer(
        truth={"netflix": [30.0, 40.0, 50.0], "cancel netflix": [1.0, 2.0, 4.0]},
        start=hour - 2 * HOUR,
        hours=3,
    )
    with serve_in_thread(server.app()) as (url, _):
        env = {
            "STREAMAPP_TRENDS_KEYWORDS": "netflix,cancel netflix",
            "STREAMAPP_TRENDS_BASE_URL": url + "/trends",
            "STREAMAPP_TRENDS_GEO": "GB",
        }
        done = collect(["trends", "--once"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    values = [json.loads(line)["value"] for line in done.stdout.splitlines()]
    assert [v["keyword"] for v in values] == ["netflix", "cancel netflix"]
    points = [parse_trend_point(json.dumps(v)) for v in values]
    assert {p.epoch for p in points} == {hour - HOUR}  # the newest complete hour
    assert [p.platform for p in points] == ["netflix", None]
    assert values[0]["interest"] == 100.0 and values[1]["interest"] == 5.0  # 40 vs 2
    assert {p.geo for p in points} == {"GB"}
    assert server.explore_requests == [["netflix", "cancel netflix"]]


def test_collect_without_once_explains_where_collectors_run(tmp_path: Path) -> None:
    done = collect(["trends"], {}, tmp_path)
    assert done.returncode == 2 and "streamapp worker" in done.stderr
