"""The sink agent's own logic with an in-memory warehouse: retries, dead letters before
the commit, skipping what was loaded, and the back-off."""

from __future__ import annotations

import json
import random
from types import SimpleNamespace

import pytest

from streamapp.agents.load_warehouse import SinkContext, TableLoad, backoff_seconds
from streamapp.config import Settings
from streamapp.loaders import TABLES_BY_NAME
from tests.fakes import FakeTopic, FakeWarehouse, fake_event

POSTS = TABLES_BY_NAME["POSTS"]
TRENDS = TABLES_BY_NAME["TRENDS"]


def signal(event_id: str, **extra: object) -> bytes:
    record = {"event_id": event_id, "kind": "comment", "event_time": "2025-11-21T00:00:00Z"}
    record.update(extra)
    return json.dumps(record).encode()


def make_load(spec, warehouse: FakeWarehouse):  # type: ignore[no-untyped-def]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    ctx = SinkContext(
        app=SimpleNamespace(),  # type: ignore[arg-type]
        settings=Settings(),
        dead_letters=FakeTopic("dead-letters"),  # type: ignore[arg-type]
        make_sink=lambda: warehouse,
        clock=lambda: 1_767_225_600.0,  # 2026-01-01: after the records, as a live sink
        sleep=sleep,
    )
    load = TableLoad(ctx, spec)
    return load, ctx, slept


async def run(load: TableLoad, events: list) -> None:  # type: ignore[type-arg]
    load._by_position = {(e.message.partition, e.message.offset): e.message for e in events}
    await load.load(events)


async def test_an_unreachable_warehouse_is_retried_with_growing_waits_and_nothing_lost() -> None:
    warehouse = FakeWarehouse(outages=4)
    load, _, slept = make_load(POSTS, warehouse)
    events = [fake_event("signals", 0, i, signal(f"t3_{i}")) for i in range(5)]
    await run(load, events)
    assert sorted(warehouse.tables["POSTS"]) == [f"t3_{i}" for i in range(5)]
    assert len(slept) == 4
    first = load.ctx.settings.sink.retry_first_seconds
    for attempt, wait in enumerate(slept, start=1):
        assert first * 2 ** (attempt - 1) * 0.5 <= wait <= first * 2 ** (attempt - 1)


async def test_rejected_rows_are_dead_lettered_before_the_commit() -> None:
    warehouse = FakeWarehouse(refuse=lambda row: row.event_id == "t3_bad")
    load, ctx, _ = make_load(POSTS, warehouse)
    order: list[str] = []
    send = ctx.dead_letters.send

    async def recording_send(*args, **kwargs):  # type: ignore[no-untyped-def]
        order.append(f"dead letter after {warehouse.calls[-1]}")
        return await send(*args, **kwargs)

    ctx.dead_letters.send = recording_send  # type: ignore[method-assign]
    events = [
        fake_event("signals", 0, 0, signal("t3_ok")),
        fake_event("signals", 0, 1, signal("t3_bad")),
    ]
    await run(load, events)
    assert order == ["dead letter after stage"] and warehouse.calls[-1] == "commit"
    letter = ctx.dead_letters.values[0]
    assert (letter.partition, letter.offset) == (0, 1)
    assert "refused" in letter.reason
    assert list(warehouse.tables["POSTS"]) == ["t3_ok"]
    assert warehouse.offsets[("POSTS", "signals", 0)] == 1


async def test_records_that_cannot_be_rows_are_dead_lettered_and_invalid_points_skipped() -> None:
    warehouse = FakeWarehouse()
    load, ctx, _ = make_load(POSTS, warehouse)
    await run(
        load,
        [
            fake_event("signals", 1, 7, b"{oops"),
            fake_event("signals", 1, 8, json.dumps({"kind": "comment"}).encode()),
            fake_event("signals", 1, 9, signal("t3_fine")),
        ],
    )
    reasons = [letter.reason for letter in ctx.dead_letters.values]
    assert len(reasons) == 2 and all(r.startswith("cannot load into POSTS") for r in reasons)
    assert "no 'event_id'" in reasons[1]
    assert list(warehouse.tables["POSTS"]) == ["t3_fine"]

    # The raw trends topic: the pipeline worker dead-letters invalid points already.
    trends, tctx, _ = make_load(TRENDS, FakeWarehouse())
    point = {
        "keyword": "netflix",
        "platform": "netflix",
        "geo": "US",
        "timestamp": "2025-11-21T00:00:00Z",
        "interest": 40,
    }
    await run(
        trends,
        [
            fake_event("trends", 0, 0, json.dumps({**point, "interest": 400}).encode()),
            fake_event("trends", 0, 1, json.dumps(point).encode()),
        ],
    )
    assert tctx.dead_letters.values == []
    assert list(trends.sink.tables["TRENDS"]) == ["netflix|US|2025-11-21 00:00:00.000000"]  # type: ignore[union-attr]


async def test_a_replayed_batch_loads_nothing_twice_and_stale_offsets_restage() -> None:
    warehouse = FakeWarehouse()
    load, _, slept = make_load(POSTS, warehouse)
    events = [fake_event("signals", 0, i, signal(f"t3_{i}")) for i in range(3)]
    await run(load, events)
    await run(load, events)  # after a restart Kafka hands the same events again
    assert len(warehouse.tables["POSTS"]) == 3

    # Another loader moves the offset between our stage and commit: stage again, no wait.
    commit = warehouse.commit
    moved = {"done": False}

    def racing_commit(staged):  # type: ignore[no-untyped-def]
        if not moved["done"]:
            moved["done"] = True  # the other loader committed offset 3 (t3_3)
            warehouse.tables["POSTS"]["t3_3"] = staged.rows[0]
            warehouse.offsets[("POSTS", "signals", 0)] = 3
        return commit(staged)

    warehouse.commit = racing_commit  # type: ignore[method-assign]
    more = [fake_event("signals", 0, i, signal(f"t3_{i}")) for i in range(3, 5)]
    await run(load, more)
    assert sorted(warehouse.tables["POSTS"]) == [f"t3_{i}" for i in range(5)]
    assert warehouse.calls[-4:] == ["stage", "commit", "stage", "commit"]
    assert slept == []


@pytest.mark.parametrize("attempt", [1, 2, 5, 30])
def test_backoff_is_jittered_exponential_and_capped(attempt: int) -> None:
    waits = [backoff_seconds(attempt, 1.0, 60.0, random.Random(seed)) for seed in range(50)]
    ceiling = min(60.0, 2.0 ** (attempt - 1))
    assert all(ceiling * 0.5 <= w <= ceiling for w in waits)
    assert len(set(waits)) > 1  # jittered: workers that failed together spread out
