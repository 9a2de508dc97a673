"""The real asyncpraw and pytrends against loopback servers that speak Reddit's and Google
Trends' formats: paging, checkpoints, 429 with Retry-After, 5xx, timeouts, malformed bodies.

No Kafka here (see test_collect_kafka.py); what is checked is that each failure becomes a
`SourceError` the runner backs off on, and that the round after it sends exactly what the
server served: nothing twice, nothing missing.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from asyncpraw.config import Config

from streamapp.config import RedditSettings, TrendsSettings
from streamapp.records.raw import hash_author, parse_reddit_post, parse_trend_point
from streamapp.sources.collector_runner import SourceError
from streamapp.sources.reddit import RedditSource
from streamapp.sources.trends import TrendsSource
from tests.servers.reddit_server import Fault, RedditServer, start_site
from tests.servers.trends_server import HOUR, TrendsServer
from tests.servers.trends_server import Fault as TrendsFault

SALT = "test-salt"
NOW = time.time()


@pytest.fixture
async def reddit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> AsyncIterator[tuple[RedditServer, str]]:
    monkeypatch.chdir(tmp_path)  # asyncpraw reads a praw.ini in the working directory
    monkeypatch.setattr(Config, "CONFIG", None)  # ... once per process: read it again
    server = RedditServer()
    runner, url = await start_site(server.app())
    yield server, url
    await runner.cleanup()


def reddit_source(url: str | None, **overrides: Any) -> RedditSource:
    options: dict[str, Any] = dict(
        client_id="test-client",
        client_secret="test-secret",
        subreddits="netflix,Hulu",
        oauth_url=url,
        reddit_url=url,
    )
    options.update(overrides)
    return RedditSource(RedditSettings(**options), SALT, "reddit-discussions")


def fill(server: RedditServer, submissions: int, comments: int, start: float) -> None:
    for i in range(submissions):
        server.add(
            "t3", "netflix" if i % 2 else "Hulu", start + i, title=f"post {i}", author="alice"
        )
    for i in range(comments):
        server.add("t1", "Hulu", start + i + 0.5, body=f"comment {i}", author=None)


def served(server: RedditServer, wanted: tuple[str, ...] = ("netflix", "hulu")) -> set[str]:
    return {i["data"]["name"] for i in server.items if i["data"]["subreddit"].lower() in wanted}


async def test_reddit_rounds_page_back_to_the_checkpoint_and_send_each_post_once(
    reddit: tuple[RedditServer, str],
) -> None:
    server, url = reddit
    fill(server, 30, 10, NOW - 3000)
    server.add("t3", "Piracy", NOW - 2000)  # a subreddit we do not follow
    source = reddit_source(url)
    try:
        first = await source.fetch({})
        fill(server, 250, 3, NOW - 1000)  # more than two pages of submissions
        second = await source.fetch(first.cursor)
        third = await source.fetch(second.cursor)
    finally:
        await source.close()
    ids = [r.key for r in first.records + second.records + third.records]
    assert len(first.records) == 40 and len(second.records) == 253 and third.records == []
    assert len(ids) == len(set(ids)) and set(ids) == served(server)
    assert any("after=" in path for path in server.listing_requests)
    assert all(h == "bearer tok-abc" for h in server.auth_headers) and server.token_requests == 1
    for record in first.records:
        post = parse_reddit_post(json.dumps(record.value))
        assert post.id == record.key
        assert post.author in (None, hash_author("alice", SALT))
        # Reddit's own path, as asyncpraw gives it: the link in an alert's examples.
        assert (
            post.permalink == f"https://www.reddit.com/r/{post.subreddit}/comments/{post.id[3:]}/"
        )
    assert "alice" not in json.dumps([r.value for r in first.records])
    times = [r.value["created_utc"] for r in second.records if r.value["kind"] == "submission"]
    assert times == sorted(times)  # oldest first


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault(status=429, retry_after="42"), "429"),
        (Fault(body=b"<html>oops</html>"), "not valid JSON"),
        (Fault(status=403), "refused"),
    ],
)
async def test_reddit_failures_become_source_errors_and_the_next_round_loses_nothing(
    reddit: tuple[RedditServer, str], fault: Fault, message: str
) -> None:
    server, url = reddit
    fill(server, 5, 2, NOW - 600)
    source = reddit_source(url)
    try:
        first = await source.fetch({})
        fill(server, 4, 4, NOW - 300)
        server.faults.append(fault)
        with pytest.raises(SourceError, match=message) as failure:
            await source.fetch(first.cursor)
        again = await source.fetch(first.cursor)
    finally:
        await source.close()
    if fault.status == 429:
        assert failure.value.rate_limited and failure.value.retry_after == 42.0
    ids = [r.key for r in first.records + again.records]
    assert len(ids) == len(set(ids)) == len(served(server))


async def test_reddit_server_errors_are_retried_then_reported(
    reddit: tuple[RedditServer, str],
) -> None:
    server, url = reddit
    fill(server, 3, 0, NOW - 100)
    source = reddit_source(url)
    try:
        server.faults.extend([Fault(status=503)] * 3)  # asyncprawcore retries twice itself
        with pytest.raises(SourceError, match="HTTP 503") as failure:
            await source.fetch({})
        assert not failure.value.rate_limited
        server.faults.append(Fault(status=502))  # one 5xx: its retry succeeds
        result = await source.fetch({})
    finally:
        await source.close()
    assert {r.key for r in result.records} == served(server)


async def test_reddit_rate_limit_headers_are_obeyed(reddit: tuple[RedditServer, str]) -> None:
    server, url = reddit
    fill(server, 2, 2, NOW - 100)
    server.ratelimit_remaining, server.ratelimit_reset = 0, 2  # budget spent, resets in 2 s
    source = reddit_source(url)
    try:
        result = await source.fetch({})
    finally:
        await source.close()
    assert len(result.records) == 4
    gap = server.request_times[1] - server.request_times[0]
    assert gap >= 1.9  # asyncprawcore waited for the reset before the next request


async def test_praw_ini_is_honoured_and_our_settings_override_it(
    reddit: tuple[RedditServer, str], tmp_path: Any
) -> None:
    server, url = reddit
    # praw.ini: the token host and a 1 s timeout from the file; its oauth_url is dead, and
    # REDDIT_OAUTH_URL (our setting) wins over it.
    (tmp_path / "praw.ini").write_text(
        f"[DEFAULT]\nreddit_url={url}\noauth_url=http://127.0.0.1:9\ntimeout=1\n"
    )
    fill(server, 3, 1, NOW - 100)
    server.faults.append(Fault(delay=2.0))  # longer than praw.ini's timeout: retried
    source = reddit_source(None, oauth_url=url)
    try:
        started = time.monotonic()
        result = await source.fetch({})
        elapsed = time.monotonic() - started
    finally:
        await source.close()
    assert {r.key for r in result.records} == served(server)
    assert 1.0 <= elapsed < 8.0  # timed out after ~1 s (not asyncpraw's default 16 s)
    assert server.token_requests == 1


async def test_a_script_app_logs_in_with_username_and_password_and_logs_no_secret(
    reddit: tuple[RedditServer, str], caplog: pytest.LogCaptureFixture
) -> None:
    server, url = reddit
    fill(server, 2, 0, NOW - 100)
    caplog.set_level(logging.DEBUG)
    source = reddit_source(url, username="streamapp-bot", password="hunter2-pw")
    try:
        result = await source.fetch({})
    finally:
        await source.close()
    assert server.grants == ["password"] and len(result.records) == 2
    assert "hunter2-pw" not in caplog.text and "test-secret" not in caplog.text


async def test_refused_credentials_never_show_the_secret(
    reddit: tuple[RedditServer, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, url = reddit
    source = reddit_source(url, client_secret="s3cr3t-value-xyz")
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(SourceError, match="refused the credentials") as failure:
            await source.fetch({})
    finally:
        await source.close()
    assert "s3cr3t-value-xyz" not in str(failure.value)
    assert "s3cr3t-value-xyz" not in caplog.text
    assert "s3cr3t-value-xyz" not in repr(source.settings)


# --- Google Trends ---------------------------------------------------------------------

KEYWORDS = [
    "netflix",
    "hulu",
    "disney plus",
    "hbo max",
    "prime video",
    "peacock",
    "free streaming",
    "cancel netflix",
]
START = int(NOW // HOUR * HOUR) - 48 * HOUR


def truth() -> dict[str, list[float]]:
    levels = [35, 11.5, 5.5, 3.0, 3.0, 2.0, 2.5, 1.4]
    return {
        kw: [lv * (1 + 0.3 * ((h % 24) / 24)) for h in range(48)]
        for kw, lv in zip(KEYWORDS, levels, strict=True)
    }


@pytest.fixture
async def trends() -> AsyncIterator[tuple[TrendsServer, str]]:
    server = TrendsServer(truth=truth(), start=START, hours=10)
    runner, url = await start_site(server.app())
    yield server, url
    await runner.cleanup()


def trends_source(url: str, **overrides: Any) -> TrendsSource:
    options: dict[str, Any] = dict(
        enabled=True,
        keywords=",".join(KEYWORDS),
        base_url=url + "/trends",
        request_pause_seconds=0,
        timeout_seconds=1.0,
    )
    options.update(overrides)
    return TrendsSource(TrendsSettings(**options), "streaming-trends")


def points(records: list[Any]) -> dict[tuple[str, str], float]:
    return {(r.value["keyword"], r.value["timestamp"]): r.value["interest"] for r in records}


async def test_trends_groups_share_an_anchor_and_land_on_one_scale(
    trends: tuple[TrendsServer, str],
) -> None:
    server, url = trends
    source = trends_source(url)
    first = await source.fetch({})
    assert server.explore_requests[0][0] == "netflix" and server.explore_requests[1][0] == "netflix"
    assert all(len(group) <= 5 for group in server.explore_requests)
    got = points(first.records)
    hour8 = first.records[0].value["timestamp"]
    assert len(got) == len(KEYWORDS) and {ts for _, ts in got} == {hour8}  # newest complete only
    assert parse_trend_point(json.dumps(first.records[0].value)).epoch == START + 8 * HOUR
    real = truth()
    for kw in KEYWORDS:  # ratios to the anchor survive Google's per-request scaling
        expected = real[kw][8] / real["netflix"][8]
        assert got[(kw, hour8)] / got[("netflix", hour8)] == pytest.approx(
            expected, rel=0.2, abs=0.02
        )
    assert {
        r.value["platform"] for r in first.records if r.key in ("free streaming", "cancel netflix")
    } == {None}
    assert next(r for r in first.records if r.key == "hbo max").value["platform"] == "max"

    server.hours = 13  # three more hours published; hour 9 is complete now
    second = await source.fetch(first.cursor)
    stamps = sorted({ts for _, ts in points(second.records)})
    assert len(second.records) == 3 * len(KEYWORDS) and len(stamps) == 3
    assert not set(points(second.records)) & set(got)
    assert (await source.fetch(second.cursor)).records == []


@pytest.mark.parametrize(
    ("fault", "message", "rate_limited"),
    [
        (TrendsFault(status=429, retry_after="30"), "429", True),
        (TrendsFault(status=500), "HTTP 500", False),
        (TrendsFault(body=b")]}',\n{not json"), "malformed", False),
        (TrendsFault(delay=2.0), "request to Google Trends failed", False),
    ],
)
async def test_trends_failures_become_source_errors_and_nothing_is_lost(
    trends: tuple[TrendsServer, str], fault: TrendsFault, message: str, rate_limited: bool
) -> None:
    server, url = trends
    source = trends_source(url)
    first = await source.fetch({})
    server.hours = 12
    server.faults.extend([TrendsFault(), fault])  # the second request of the round fails
    with pytest.raises(SourceError, match=message) as failure:
        await source.fetch(first.cursor)
    assert failure.value.rate_limited is rate_limited
    if rate_limited:
        assert failure.value.retry_after == 30.0
    again = await source.fetch(first.cursor)
    assert len(again.records) == 2 * len(KEYWORDS)
    assert not set(points(again.records)) & set(points(first.records))
