"""The feed's rewind and its handling of bad messages, with a fake consumer (no Kafka)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from aiokafka import TopicPartition

from streamapp.panel_dashboard.feed import KafkaFeed
from streamapp.panel_dashboard.state import DashboardState

A, B, C = (TopicPartition("p.discussion-signals", i) for i in range(3))


class FakeConsumer:
    def __init__(self) -> None:
        self.seeks: dict[TopicPartition, int] = {}
        self.asked: list[str] = []

    async def end_offsets(self, parts):
        self.asked.append("ends")
        return {tp: 100 + tp.partition for tp in parts}

    async def offsets_for_times(self, query):
        self.asked.append("times")
        return {A: SimpleNamespace(offset=40), B: None, C: SimpleNamespace(offset=7)}

    def seek(self, tp, offset):
        self.seeks[tp] = offset


async def test_a_fresh_start_rewinds_by_time_and_a_retry_resumes_where_it_was():
    feed = KafkaFeed("unused:9092", DashboardState())
    consumer = FakeConsumer()
    await feed._seek(consumer, [A, B, C], {C: 55}, history_s=3600)
    # A: the first message of the last hour; B: nothing that recent, so its end offset as
    # a number (read before the timestamps, never a lazy "latest"); C: where we were.
    assert consumer.seeks == {A: 40, B: 101, C: 55}
    assert consumer.asked == ["ends", "times"]


def test_a_bad_message_is_counted_and_skipped_not_fatal():
    state = DashboardState()
    feed = KafkaFeed("unused:9092", state)
    signals = feed.streams()[0]
    feed._apply(signals, b"{not json", "p.discussion-signals")
    feed._apply(signals, None, "p.discussion-signals")
    good = {"created_utc": state.clock(), "platforms": ["hulu"], "intents": [], "sentiment": 0}
    feed._apply(signals, json.dumps(good).encode(), "p.discussion-signals")
    assert state.rejected == 2 and state.freshness["signals"].messages == 1
