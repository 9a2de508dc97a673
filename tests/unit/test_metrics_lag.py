"""Consumer lag from Faust's consumer state, and the /metrics page's format (no broker)."""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace

from faust.types import TP
from prometheus_client import REGISTRY

from streamapp.observability.metrics import EVENTS_IN, EVENTS_OUT, observe_batch
from streamapp.observability.metrics_view import LagSampler, partition_lag


def test_partition_lag_from_read_or_committed_offsets():
    assert partition_lag(100, 89, 50) == 10  # read up to 89: 90..99 are waiting
    assert partition_lag(100, 99, 50) == 0
    assert partition_lag(100, None, 60) == 40  # nothing read yet: from the commit
    assert partition_lag(None, 5, 5) is None
    assert partition_lag(100, None, None) is None
    assert partition_lag(10, 20, None) == 0  # a stale highwater never gives negative lag


class FakeConsumer:
    def __init__(self, highwaters: dict[TP, int]) -> None:
        self.highwaters = highwaters
        self._committed_offset: dict[TP, int] = {}

    def assignment(self) -> set[TP]:
        return set(self.highwaters)

    def highwater(self, tp: TP) -> int:
        value = self.highwaters[tp]
        if value < 0:
            raise RuntimeError("partition was revoked")
        return value


def lag(topic: str, partition: int) -> float | None:
    return REGISTRY.get_sample_value(
        "streamapp_consumer_lag", {"topic": topic, "partition": str(partition)}
    )


def test_sampler_sets_lag_skips_changelogs_and_forgets_revoked_partitions():
    topic = f"posts-{uuid.uuid4().hex[:6]}"
    changelog = f"app-{topic}-changelog"
    p0, p1, cl = TP(topic, 0), TP(topic, 1), TP(changelog, 0)
    consumer = FakeConsumer({p0: 50, p1: 7, cl: 1000})
    consumer._committed_offset[p1] = 2
    app = SimpleNamespace(
        consumer=consumer,
        rebalancing=False,
        monitor=SimpleNamespace(tp_read_offsets={p0: 39}),
    )
    sampler = LagSampler(app)
    sampler.sample()
    assert lag(topic, 0) == 10
    assert lag(topic, 1) == 5
    assert lag(changelog, 0) is None  # a table's size is not lag

    app.monitor.tp_read_offsets[p0] = 49
    del consumer.highwaters[p1]  # revoked: another worker reports it now
    sampler.sample()
    assert lag(topic, 0) == 0
    assert lag(topic, 1) is None

    consumer.highwaters[p0] = -1  # revoked between assignment() and highwater()
    sampler.sample()
    assert lag(topic, 0) is None


def test_sampler_waits_out_a_rebalance():
    topic = f"posts-{uuid.uuid4().hex[:6]}"
    app = SimpleNamespace(
        consumer=FakeConsumer({TP(topic, 0): 9}),
        rebalancing=True,
        monitor=SimpleNamespace(tp_read_offsets={}),
    )
    LagSampler(app).sample()
    assert lag(topic, 0) is None


def test_observe_batch_counts_once_per_batch():
    topic = f"in-{uuid.uuid4().hex[:6]}"
    out = f"out-{uuid.uuid4().hex[:6]}"
    agent = f"agent_{uuid.uuid4().hex[:6]}"
    events = [SimpleNamespace(message=SimpleNamespace(topic=topic, time_in=None))] * 3
    observe_batch(agent, events, {out: 2, "never-sent": 0})
    observe_batch(agent, [], {out: 5})  # an empty batch counts nothing
    assert EVENTS_IN.labels(topic)._value.get() == 3
    assert EVENTS_OUT.labels(out)._value.get() == 2
    assert REGISTRY.get_sample_value("streamapp_events_out_total", {"topic": "never-sent"}) is None
    # No arrival time (a message the monitor never saw): no latency sample.
    assert REGISTRY.get_sample_value("streamapp_processing_seconds_count", {"agent": agent}) is None
    timed = [SimpleNamespace(message=SimpleNamespace(topic=topic, time_in=time.monotonic() - 0.2))]
    observe_batch(agent, timed, {})
    count = REGISTRY.get_sample_value("streamapp_processing_seconds_count", {"agent": agent})
    total = REGISTRY.get_sample_value("streamapp_processing_seconds_sum", {"agent": agent})
    assert count == 1 and 0.2 <= total < 5
