"""The collector round: checkpoints, crash between delivery and checkpoint, backoff, staleness.

In-memory fakes for Kafka (a list per topic) and for the source: this tests our own logic;
the real libraries, servers and Kafka are in tests/integration/test_collect_*.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from streamapp.observability.metrics import COLLECTOR_STALENESS_SECONDS
from streamapp.sources.collector_runner import CollectorRunner, OutRecord, Round, SourceError
from tests.harness.clock import FakeClock as Clock

TOPIC = "posts"


class Log:
    """Topics as lists of (key, value bytes): offsets are list indexes."""

    def __init__(self) -> None:
        self.topics: dict[str, list[tuple[str, bytes]]] = {}

    def append(self, topic: str, key: str, value: dict[str, Any]) -> None:
        self.topics.setdefault(topic, []).append((key, json.dumps(value).encode()))


class Sink:
    def __init__(self, log: Log, fail_after: int | None = None) -> None:
        self.log, self.fail_after = log, fail_after

    async def deliver(self, records: list[OutRecord]) -> None:
        for n, record in enumerate(records):
            if self.fail_after is not None and n >= self.fail_after:
                raise ConnectionError("broker gone")
            self.log.append(record.topic, record.key, record.value)


class Store:
    def __init__(self, log: Log) -> None:
        self.log = log
        self.saved: dict[str, dict[str, Any]] = {}
        self.fail_done_save = False

    async def load(self, name: str) -> dict[str, Any]:
        return self.saved.get(name, {})

    async def save(self, name: str, state: dict[str, Any]) -> None:
        if self.fail_done_save and state.get("pending") is None:
            raise ConnectionError("worker killed before its checkpoint")
        self.saved[name] = json.loads(json.dumps(state))  # what Kafka would keep

    async def end_offsets(self, topic: str) -> dict[int, int]:
        return {0: len(self.log.topics.get(topic, []))}

    async def find_delivered(self, topic, offsets, wanted, source):  # type: ignore[no-untyped-def]
        found = {}
        for key, value in self.log.topics.get(topic, [])[offsets[0] :]:
            seen = source.identity(key.encode(), value)
            if seen and seen[0] in wanted:
                found[seen[0]] = seen[1]
        return found


class Source:
    """Serves posts (id, time) newer than the cursor's mark, like a Reddit listing."""

    name = "fake"
    topic = TOPIC

    def __init__(self) -> None:
        self.posts: list[tuple[str, float]] = []
        self.errors: list[Exception] = []

    async def fetch(self, cursor: dict[str, Any]) -> Round:
        if self.errors:
            raise self.errors.pop(0)
        mark = cursor.get("mark", float("-inf"))
        seen = dict(cursor.get("seen", {}))
        records = []
        for post_id, t in self.posts:
            if t >= mark and post_id not in seen:
                records.append(OutRecord(TOPIC, post_id, {"id": post_id, "t": t}, post_id))
                seen[post_id] = t
        new_mark = max([mark, *(t for _, t in self.posts)])
        return Round(
            records, {"mark": new_mark, "seen": {k: t for k, t in seen.items() if t >= new_mark}}
        )

    def absorb(self, cursor: dict[str, Any], delivered: dict[str, float]) -> dict[str, Any]:
        return {**cursor, "seen": {**cursor.get("seen", {}), **delivered}}

    def identity(self, key: bytes | None, value: bytes | None) -> tuple[str, float] | None:
        data = json.loads(value or b"{}")
        return data["id"], data["t"]

    async def close(self) -> None:
        pass


def sent_ids(log: Log) -> list[str]:
    return [key for key, _ in log.topics.get(TOPIC, [])]


def make(poll: float = 60.0) -> tuple[CollectorRunner, Source, Store, Log, Clock]:
    log, clock, source = Log(), Clock(1000.0), Source()
    store = Store(log)
    runner = CollectorRunner(source, Sink(log), store, poll, clock=clock)
    return runner, source, store, log, clock


async def test_rounds_send_each_post_once_and_wait_for_the_poll_interval() -> None:
    runner, source, _, log, clock = make()
    source.posts = [("a", 1.0), ("b", 2.0)]
    assert await runner.tick()
    source.posts.append(("c", 3.0))
    clock.now += 30
    assert not await runner.tick()  # not due yet
    clock.now += 31
    assert await runner.tick()
    assert await runner.tick() is False
    assert sent_ids(log) == ["a", "b", "c"]
    assert runner.sent == 3


async def test_a_crash_after_delivery_before_the_checkpoint_repeats_nothing() -> None:
    runner, source, store, log, clock = make()
    source.posts = [("a", 1.0), ("b", 2.0)]
    store.fail_done_save = True  # the worker dies right after Kafka acknowledged a, b
    assert await runner.run_round() == 0
    assert sent_ids(log) == ["a", "b"] and store.saved["fake"]["pending"]["ids"] == ["a", "b"]

    # Another worker takes over with the checkpoint as Kafka kept it; a post arrived meanwhile.
    store.fail_done_save = False
    source.posts.append(("c", 3.0))
    successor = CollectorRunner(source, Sink(log), store, 60.0, clock=clock)
    assert await successor.run_round() == 1
    assert sent_ids(log) == ["a", "b", "c"]
    assert store.saved["fake"]["pending"] is None


async def test_a_crash_in_the_middle_of_delivery_skips_nothing() -> None:
    runner, source, store, log, clock = make()
    source.posts = [("a", 1.0), ("b", 2.0), ("c", 2.0)]
    runner.sink = Sink(log, fail_after=1)  # only "a" reached Kafka
    assert await runner.run_round() == 0
    assert sent_ids(log) == ["a"]
    successor = CollectorRunner(source, Sink(log), store, 60.0, clock=clock)
    assert await successor.run_round() == 2
    assert sorted(sent_ids(log)) == ["a", "b", "c"] and len(sent_ids(log)) == 3


async def test_rate_limits_back_off_and_the_source_recovers() -> None:
    runner, source, _, log, clock = make()
    source.posts = [("a", 1.0)]
    source.errors = [SourceError("429", rate_limited=True, retry_after=120.0)]
    await runner.tick()
    assert runner.backoff.failures == 1 and runner.next_at - clock.now >= 120.0
    clock.now += 119
    assert not await runner.tick()
    clock.now = runner.next_at
    assert await runner.tick()
    assert sent_ids(log) == ["a"] and runner.backoff.state == "closed"


async def test_unexpected_errors_never_escape_and_count_as_failures() -> None:
    runner, source, _, _, clock = make()
    source.errors = [KeyError("children"), ValueError("bad json")]
    await runner.tick()
    clock.now = runner.next_at
    await runner.tick()
    assert runner.backoff.failures == 2
    assert "ValueError" in (runner.last_error or "")


async def test_a_source_that_keeps_failing_is_stale_in_status_and_metric() -> None:
    runner, source, _, _, clock = make(poll=60.0)
    source.errors = [SourceError("HTTP 503")] * 10
    await runner.tick()
    for _ in range(6):
        clock.now = runner.next_at
        await runner.tick()
    status = runner.status()
    assert status["stale"] is True and status["circuit"] == "open"
    assert status["last_error"] == "HTTP 503"
    gauge = COLLECTOR_STALENESS_SECONDS.labels(source="fake")._value.get()
    assert gauge == pytest.approx(runner.staleness(), abs=1.0) and gauge > 120


def test_the_real_sources_absorb_a_crashed_round_into_their_seen_map() -> None:
    from streamapp.config import RedditSettings, TrendsSettings
    from streamapp.sources.reddit import RedditSource
    from streamapp.sources.trends import TrendsSource

    sources = [
        RedditSource(RedditSettings(client_id="id", client_secret="secret"), "salt", TOPIC),
        TrendsSource(TrendsSettings(enabled=True), TOPIC),
    ]
    for source in sources:
        cursor = {"watermark": {"r/x": 5.0}, "seen": {"a": 1.0}}
        absorbed = source.absorb(cursor, {"b": 2.0})
        assert absorbed == {"watermark": {"r/x": 5.0}, "seen": {"a": 1.0, "b": 2.0}}
        assert cursor["seen"] == {"a": 1.0}  # the checkpoint read is not changed in place
        assert source.absorb({}, {"c": 3.0}) == {"seen": {"c": 3.0}}
