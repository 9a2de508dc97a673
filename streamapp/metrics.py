"""Prometheus metrics, declared once so every part counts into the same names.

The worker serves them at `/metrics` on its web port. Labels stay low-cardinality
(topic, rule, table, source): never a post id or a platform-per-post.
"""

from __future__ import annotations

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
COLLECTOR_STALENESS_SECONDS = Gauge(
    "streamapp_collector_staleness_seconds",
    "Seconds since a collector last fetched successfully, per source",
    ["source"],
)
