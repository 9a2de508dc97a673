"""Checking a topic against what a process needs, and waiting for Kafka to answer."""

from __future__ import annotations

import logging

import pytest
from aiokafka.errors import KafkaConnectionError

from streamapp.kafka.topic_admin import (
    TopicReport,
    TopicsNotReady,
    TopicSpec,
    _verify,
    retry_until_reachable,
)


def described(partitions: int, replicas: int = 1) -> dict:
    return {
        "partitions": [
            {"partition": p, "replicas": list(range(replicas))} for p in range(partitions)
        ]
    }


def test_a_topic_as_configured_is_ok():
    spec = TopicSpec("t", 4, 1, {"cleanup.policy": "compact"})
    report = _verify(spec, described(4), {"cleanup.policy": "compact"})
    assert report == TopicReport("t", "ok")


def test_other_partitions_or_no_compaction_is_a_warning_but_a_changelog_count_is_fatal():
    loose = _verify(TopicSpec("t", 4), described(8), {})
    assert loose.status == "mismatch" and not loose.fatal
    assert loose.detail == "8 partitions, needs 4"
    changelog = TopicSpec("c", 4, 1, {"cleanup.policy": "compact"}, exact_partitions=True)
    wrong = _verify(changelog, described(2), {"cleanup.policy": "delete"})
    assert wrong.fatal
    assert wrong.detail == "2 partitions, needs exactly 4; cleanup.policy=delete, needs compact"
    thin = _verify(TopicSpec("r", 4, 3), described(4, replicas=1), {})
    assert thin.detail == "replication 1, configured 3" and not thin.fatal


def test_topics_not_ready_names_the_first_missing_ones():
    reports = [TopicReport(f"t{i}", "missing", "does not exist") for i in range(5)]
    reports.append(TopicReport("fine", "ok"))
    error = TopicsNotReady(reports)
    assert str(error) == "5 topic(s) missing or unusable: t0, t1, t2 and 2 more"
    assert reports[0].line() == "missing  t0  (does not exist)"


async def test_an_unreachable_kafka_is_retried_with_a_line_per_attempt(caplog):
    waits: list[float] = []
    attempts = 0

    async def attempt():
        nonlocal attempts
        attempts += 1
        if attempts < 5:
            raise KafkaConnectionError("Unable to bootstrap from kafka:9092")
        return "ready"

    async def sleep(seconds):
        waits.append(seconds)

    with caplog.at_level(logging.WARNING, logger="streamapp.kafka.topic_admin"):
        result = await retry_until_reachable(
            attempt, "kafka:9092", first_wait=1, max_wait=4, sleep=sleep
        )
    assert result == "ready"
    assert waits == [1, 2, 4, 4]
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 4
    assert lines[2] == (
        "cannot reach Kafka at kafka:9092 (KAFKA_BOOTSTRAP_SERVERS), attempt 3: "
        "KafkaConnectionError: Unable to bootstrap from kafka:9092; retrying in 4 s"
    )


async def test_other_errors_are_not_retried():
    async def attempt():
        raise TopicsNotReady([TopicReport("t", "missing", "not created")])

    async def sleep(seconds):
        raise AssertionError("no retry expected")

    with pytest.raises(TopicsNotReady):
        await retry_until_reachable(attempt, "kafka:9092", sleep=sleep)
