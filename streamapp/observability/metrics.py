"""Prometheus metrics, declared once so every part counts into the same names.

The worker serves them at `/metrics` on its web port. Labels stay low-cardinality
(topic, rule, table, source): never a post id or a platform-per-post.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

EVENTS_IN = Counter("streamapp_events_in_total", "Events consumed, per topic", ["topic"])
EVENTS_OUT = Counter("streamapp_events_out_total", "Events produced, per topic", ["topic"])
PROCESSING_SECONDS = Histogram(
    "streamapp_processing_seconds",
    "Time from an event's arrival in an agent to the end of its processing",
    ["agent"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
CONSUMER_LAG = Gauge(
    "streamapp_consumer_lag",
    "Messages behind the log end, per topic partition",
    ["topic", "partition"],
)
ALERTS_FIRED = Counter("streamapp_alerts_fired_total", "Alerts fired, per rule", ["rule"])
SINK_BATCH_SECONDS = Histogram(
    "streamapp_sink_batch_seconds",
    "Warehouse load time per micro-batch, per target table",
    ["table"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SINK_ROWS_LOADED = Counter(
    "streamapp_sink_rows_loaded_total", "Rows committed to the warehouse, per table", ["table"]
)
SINK_LAG_SECONDS = Gauge(
    "streamapp_sink_lag_seconds",
    "Age of the newest event the warehouse has committed, per table (how far behind it is)",
    ["table"],
)
PARTITION_REREADS = Counter(
    "streamapp_partition_rereads_total",
    "Partitions read again from their committed offset because a record went missing "
    "in the worker (see streamapp/delivery/head_watch.py), per topic",
    ["topic"],
)
CHURN_QUALITY = Gauge(
    "streamapp_churn_quality",
    "Prequential quality of the churn model and the recency baseline over the last labels"
    " of a raw partition (figure: roc_auc, pr_auc, log_loss)",
    ["partition", "scorer", "figure"],
)
CHURN_LABELS = Gauge(
    "streamapp_churn_labels_learned",
    "Labels the churn model of a partition has learned",
    ["partition"],
)
VIEWER_ACCOUNTS = Gauge(
    "streamapp_viewer_accounts",
    "At the last event-time daily tick of a raw partition, per platform: active accounts"
    " (kind=active), accounts with risk above STREAMAPP_CHURN_RISK_THRESHOLD (at_risk) and"
    " the sum of their risks (expected_cancellations)",
    ["partition", "platform", "kind"],
)
TITLE_PLAYS_LATE = Counter(
    "streamapp_title_plays_late_total",
    "Plays left out of the title trends as late: stage=lane (its window had closed on its "
    "viewing-events partition), stage=window (the platform's window had closed)",
    ["stage"],
)
AGENT_RESTARTS = Counter(
    "streamapp_agent_restarts_total",
    "Times an agent's body failed and was run again after a back-off, per agent "
    "(streamapp/runtime/agent_supervision.py)",
    ["agent"],
)
DEAD_LETTERS = Counter(
    "streamapp_dead_letters_total",
    "Messages sent to the dead letters, per source topic and reason class: invalid (the "
    "record was refused), too_large (recorded by size and SHA-256, without its bytes), "
    "error (an unexpected failure while handling it)",
    ["topic", "reason"],
)
COLLECTOR_STALENESS_SECONDS = Gauge(
    "streamapp_collector_staleness_seconds",
    "Seconds since a collector last fetched successfully, per source",
    ["source"],
)


def observe_batch(agent: str, events: Sequence[Any], sent: Mapping[str, int]) -> None:
    """Count one agent batch: events in (one topic per agent), what it sent per topic,
    and the time since its first event reached the worker.

    Called once per batch, not per event, to keep the hot path cheap. `time_in` is set by
    Faust's monitor (monotonic clock) when a message is handed to the streams.
    """
    if not events:
        return
    first = events[0].message
    EVENTS_IN.labels(first.topic).inc(len(events))
    time_in = getattr(first, "time_in", None)  # None before the monitor saw it
    if time_in is not None:
        PROCESSING_SECONDS.labels(agent).observe(time.monotonic() - time_in)
    for topic, count in sent.items():
        if count:
            EVENTS_OUT.labels(topic).inc(count)
