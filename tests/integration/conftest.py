"""Brokers for the integration tests.

- ``kafka_broker``: Apache Kafka 4.1.1 (KRaft, one node), one JVM for the whole session,
  on a free port with its data in a temporary dir (tests/harness/kafka.py). Without
  Java 17+ the tests that use it FAIL with a message saying so: they are never skipped silently.
- ``tansu_broker``: the pip-only tansu fallback, one per session (memory only).
- ``unique_topic_prefix`` / ``unique_name``: topic and group names no other test uses,
  so tests share one broker without seeing each other's messages or offsets.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator

import pytest

from streamapp.embedded import BrokerHandle, free_port, start_broker
from streamapp.embedded.kafka_dist import KafkaDistError, require_java
from streamapp.loaders.local_warehouse import LocalEndpoint
from tests.harness.kafka import start_kafka
from tests.harness.warehouse import WarehouseServer


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerHandle]:
    try:
        require_java()
    except KafkaDistError as exc:
        pytest.fail(
            f"the Kafka integration tests need Java 17+ (and Maven for the first run): {exc}",
            pytrace=False,
        )
    handle = start_kafka(tmp_path_factory.mktemp("kafka"))
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="session")
def tansu_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerHandle]:
    handle = start_broker(free_port(), tmp_path_factory.mktemp("tansu"), kind="tansu")
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def unique_topic_prefix(request: pytest.FixtureRequest) -> str:
    """``t-<test name>-<8 hex>``: a prefix for this test's topics and consumer groups."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name).strip("-")[:80]
    return f"t-{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def unique_name(unique_topic_prefix: str) -> Callable[[str], str]:
    """``unique_name("posts")`` -> ``t-<test>-<hex>-posts`` (a topic or a group id)."""
    return lambda suffix: f"{unique_topic_prefix}-{suffix}"


@pytest.fixture(scope="session")
def local_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEndpoint]:
    """`streamapp warehouse serve`: the local Snowflake emulator, one per session.
    Tests keep apart by schema (see tests/harness/warehouse.py)."""
    server = WarehouseServer(tmp_path_factory.mktemp("warehouse"), free_port()).start()
    try:
        yield server.endpoint
    finally:
        server.stop()


@pytest.fixture
def worker_factory(kafka_broker, unique_topic_prefix, tmp_path):  # type: ignore[no-untyped-def]
    """Start real `streamapp worker` processes (with extra settings); stopped at the end."""
    from tests.harness.worker import Worker

    started: list[Worker] = []

    def start(**env: str) -> Worker:
        worker = Worker(kafka_broker.bootstrap, unique_topic_prefix + ".", tmp_path, env).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
