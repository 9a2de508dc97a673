"""Every worker's catalogue reader: records applied in order, an older one ignored, bad
ones reported with their reason, and `loaded` set once the start-time end is reached."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import TopicPartition

from streamapp.agents.follow_catalogue import CatalogueFollower, catalogue_loaded
from streamapp.analytics.recommend.catalogue import TitleCatalogue
from streamapp.records.raw import RecordLimits
from tests.fakes import FakeMessage

TOPIC = "title-catalogue"
TP = TopicPartition(TOPIC, 0)


def record(
    offset: int, title: str, platform: str | None, ts: str, key: str | None = None
) -> FakeMessage:
    value = {
        "title_id": title,
        "platform": platform,
        "genre": "drama",
        "episodes": 3,
        "episode_s": 1800,
        "ts": ts,
    }
    return FakeMessage(TOPIC, 0, offset, json.dumps(value).encode(), (key or title).encode())


class FakeConsumer:
    """Hands out `polls` one per getmany; the end offset is what was there at the start."""

    def __init__(self, polls: list[list[FakeMessage]], end: int) -> None:
        self.polls, self.end, self.read = polls, end, 0
        self.waiting = asyncio.Event()

    async def getmany(self, timeout_ms: int = 0) -> dict[Any, list[FakeMessage]]:
        if not self.polls:
            self.waiting.set()
            await asyncio.sleep(3600)  # a live topic with nothing new
        batch = self.polls.pop(0)
        self.read += len(batch)
        return {TP: batch} if batch else {}

    def assignment(self) -> set[Any]:
        return {TP}

    async def end_offsets(self, tps: list[Any]) -> dict[Any, int]:
        return {tp: self.end for tp in tps}

    async def position(self, tp: Any) -> int:
        return self.read


async def run(
    polls: list[list[FakeMessage]], end: int
) -> tuple[CatalogueFollower, list[tuple[int, str, bool]]]:
    bad: list[tuple[int, str, bool]] = []

    async def on_bad(message: Any, reason: str, live: bool) -> None:
        bad.append((message.offset, reason, live))

    follower = CatalogueFollower(
        TitleCatalogue(), lambda: RecordLimits(now=1_790_000_000.0), on_bad
    )
    consumer = FakeConsumer(polls, end)
    task = asyncio.ensure_future(follower.follow(consumer))
    await asyncio.wait_for(consumer.waiting.wait(), 5)
    task.cancel()
    return follower, bad


async def test_the_catalogue_is_what_the_topic_said_last_and_loaded_at_the_start_end() -> None:
    polls = [
        [
            record(0, "a", "netflix", "2026-01-01T00:00:00Z"),
            record(1, "b", "hulu", "2026-01-01T00:00:00Z"),
        ],
        [
            record(2, "a", "max", "2026-02-01T00:00:00Z"),
            record(3, "b", "netflix", "2025-12-01T00:00:00Z"),
        ],
    ]
    follower, bad = await run(polls, end=4)
    assert follower.loaded.is_set() and not bad
    cat = follower.catalogue
    assert cat.platform_of("a") == "max"  # moved
    assert cat.platform_of("b") == "hulu"  # an older record of b is ignored
    assert cat.titles_on("hulu") == ("b",)


async def test_loaded_waits_for_the_records_there_at_the_start() -> None:
    polls = [[record(0, "a", "netflix", "2026-01-01T00:00:00Z")], []]
    follower, _ = await run(polls, end=2)  # offset 1 never came: not caught up
    assert not follower.loaded.is_set()


async def test_an_empty_topic_is_loaded_at_once() -> None:
    follower, _ = await run([[]], end=0)
    assert follower.loaded.is_set() and not follower.catalogue.titles


async def test_bad_records_are_reported_with_a_reason_and_whether_read_live() -> None:
    polls = [
        [
            FakeMessage(TOPIC, 0, 0, b"not json", b"x"),
            record(1, "a", "netflx", "2026-01-01T00:00:00Z"),
        ],
        [record(2, "a", "hulu", "2026-01-01T00:00:00Z", key="b")],
        [record(3, "c", None, "2026-01-01T00:00:00Z")],
    ]
    follower, bad = await run(polls, end=2)
    assert [(offset, live) for offset, _, live in bad] == [(0, False), (1, False), (2, True)]
    assert "not valid JSON" in bad[0][1]
    assert "'netflx' is not a canonical platform id" in bad[1][1]
    assert bad[2][1] == "the record's key 'b' is not its title_id 'a'"
    assert "a" not in follower.catalogue.titles
    assert follower.catalogue.platform_of("c") is None and "c" in follower.catalogue.titles


async def test_the_viewers_agent_waits_for_the_catalogue_at_most_once() -> None:
    async def on_bad(*_: Any) -> None: ...

    follower = CatalogueFollower(TitleCatalogue(), RecordLimits, on_bad)
    ctx = SimpleNamespace(catalogue_follower=follower)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(catalogue_loaded(ctx, timeout=5), 0.05)  # type: ignore[arg-type]
    await catalogue_loaded(ctx, timeout=0.01)  # type: ignore[arg-type]
    assert follower.loaded.is_set()  # given up once: later batches do not wait
    await asyncio.wait_for(catalogue_loaded(ctx), 0.05)  # type: ignore[arg-type]
