"""Embedded brokers for local runs and tests: Apache Kafka (Java 17+) or tansu (no Java).

See broker.py for the API; kafka_dist.py for how Kafka's jars are fetched and cached.
"""

from .broker import (
    BrokerHandle,
    BrokerStartError,
    create_topics,
    free_port,
    java_available,
    start_broker,
)
from .kafka_dist import KAFKA_VERSION, KafkaDistError, ensure_kafka_libs
from .tansu_broker import LIMITS as TANSU_LIMITS

__all__ = [
    "KAFKA_VERSION",
    "TANSU_LIMITS",
    "BrokerHandle",
    "BrokerStartError",
    "KafkaDistError",
    "create_topics",
    "ensure_kafka_libs",
    "free_port",
    "java_available",
    "start_broker",
]
