"""Hand-written fakes for unit tests of our own logic (real brokers in tests/integration)."""

from __future__ import annotations

import asyncio
import copy
import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from streamapp.records import WindowAggregate
from streamapp.records.raw import iso_utc


@dataclass
class FakeTopic:
    name: str
    sent: list[tuple[Any, Any, int | None]] = field(default_factory=list)

    async def send(
        self,
        key: Any = None,
        value: Any = None,
        partition: int | None = None,
        value_serializer: str | None = None,
    ) -> asyncio.Future[None]:
        if value_serializer == "raw":  # pre-serialised JSON: keep it readable for asserts
            value = SimpleNamespace(**json.loads(value))
        self.sent.append((key, value, partition))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)  # like Faust's FutureMessage once Kafka has acknowledged it
        return done

    def get_topic_name(self) -> str:
        return self.name

    @property
    def values(self) -> list[Any]:
        return [value for _, value, _ in self.sent]


class FakeTable(dict):
    """Faust tables are mutable mappings; a dict is the honest in-memory stand-in."""


class FakeRoutedTable(FakeTable):
    """tables/routed_table.RoutedTable: each write names its changelog partition, kept in
    `partitions`; the value held is a copy (a changelog keeps what was written, not a
    live dict)."""

    def __init__(self) -> None:
        super().__init__()
        self.partitions: dict[Any, int] = {}

    def write(self, key: Any, value: Any, partition: int) -> None:
        self[key] = copy.deepcopy(value)
        self.partitions[key] = partition

    def remove(self, key: Any, partition: int) -> None:
        del self[key]
        self.partitions.pop(key, None)


class FakeViewerTable(FakeRoutedTable):
    """The viewers' table (tables/viewer_state.py) as its operators use it."""

    def accounts_of(self, partition: int) -> Any:
        from streamapp.tables.viewer_state import ViewerStateTable  # only the tests that need it

        return ViewerStateTable.accounts_of(self, partition)  # type: ignore[arg-type]

    def profiles_of(self, partition: int) -> Any:
        from streamapp.tables.viewer_state import ViewerStateTable

        return ViewerStateTable.profiles_of(self, partition)  # type: ignore[arg-type]


@dataclass
class FakeMessage:
    topic: str
    partition: int
    offset: int
    value: bytes | None
    key: bytes | None = None
    timestamp: float = 0.0


def fake_event(topic: str, partition: int, offset: int, value: bytes | None) -> Any:
    return SimpleNamespace(message=FakeMessage(topic, partition, offset, value))


def fake_topics(names: list[str]) -> Any:
    return SimpleNamespace(**{name: FakeTopic(name) for name in names})


class FakeProducer:
    """Stands in for AIOKafkaProducer: records sends and the start/flush/stop calls."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.calls: list[str] = []

    async def start(self) -> None:
        self.calls.append("start")

    async def stop(self) -> None:
        self.calls.append("stop")

    async def flush(self) -> None:
        self.calls.append("flush")

    async def send(self, topic: str, value: bytes | None = None, key: bytes | None = None) -> Any:
        assert value is not None and key is not None
        self.sent.append((topic, value, key))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def fake_publish(topics: list[FakeTopic]) -> Any:
    """The context's `publish(topic, key, value, partition)`, onto fake topics by name."""
    by_name = {topic.get_topic_name(): topic for topic in topics}

    async def publish(topic: str, key: bytes, value: bytes, partition: int | None) -> Any:
        return await by_name[topic].send(
            key=key.decode(), value=value, partition=partition, value_serializer="raw"
        )

    return publish


class FakeWarehouse:
    """An in-memory `loaders.BatchSink`: rows keyed by event id, offsets per partition,
    the same skip/compare-and-set rules as the Snowflake loader. `refuse(row)` says
    which rows the "warehouse" rejects; `outages` failures come first."""

    def __init__(self, outages: int = 0, refuse: Any = None) -> None:
        self.tables: dict[str, dict[str, Any]] = {}
        self.offsets: dict[tuple[str, str, int], int] = {}
        self.outages = outages
        self.refuse = refuse or (lambda row: False)
        self.calls: list[str] = []

    def stage(self, spec: Any, rows: Any) -> Any:
        from streamapp.loaders import StagedBatch, WarehouseUnavailable

        self.calls.append("stage")
        if self.outages:
            self.outages -= 1
            raise WarehouseUnavailable("warehouse call failed: connection refused")
        expected: dict[tuple[str, int], int] = {}
        ends: dict[tuple[str, int], int] = {}
        for row in rows:
            key = (row.topic, row.partition)
            expected[key] = self.offsets.get((spec.name, *key), -1)
            ends[key] = max(ends.get(key, -1), row.offset)
        fresh = [r for r in rows if r.offset > expected[(r.topic, r.partition)]]
        rejected = [
            (r, "the warehouse refused the row: bad value") for r in fresh if self.refuse(r)
        ]
        return StagedBatch(
            spec=spec,
            rows=[r for r in fresh if not self.refuse(r)],
            rejected=rejected,
            skipped=len(rows) - len(fresh),
            expected=expected,
            ends={k: v for k, v in ends.items() if v > expected[k]},
        )

    def commit(self, staged: Any) -> int:
        from streamapp.loaders import StaleOffsets

        self.calls.append("commit")
        for key in staged.ends:
            if self.offsets.get((staged.spec.name, *key), -1) != staged.expected[key]:
                raise StaleOffsets(f"{key} moved")
        table = self.tables.setdefault(staged.spec.name, {})
        for row in sorted(staged.rows, key=lambda r: r.offset):
            table[row.event_id] = row
        for key, end in staged.ends.items():
            self.offsets[(staged.spec.name, *key)] = end
        return len({r.event_id for r in staged.rows})

    def close(self) -> None:
        self.calls.append("close")


def closed_window(
    i: int, mentions: int, interest: float = 50.0, platform: str = "netflix", size: float = 60.0
) -> WindowAggregate:
    """The i-th closed window of `size` seconds from the epoch, as `platform-windows`
    carries it (what the forecaster reads)."""
    start = i * size
    return WindowAggregate(
        window_id=f"{platform}|{start:.0f}",
        platform=platform,
        window_start=iso_utc(start),
        window_end=iso_utc(start + size),
        mentions=mentions,
        intent_counts={},
        sentiment_sum=0.0,
        sentiment_count=0,
        sentiment_mean=None,
        interest_sum=interest,
        interest_count=1,
        interest_mean=interest,
        switching_to={},
        switching_from={},
        late_events=0,
        closed_by="watermark",
        closed_at=iso_utc(start + size + 10),
    )
