"""notify's Prometheus metrics, served at `/metrics` next to `/healthz`. Labelled by
destination id and kind (a handful), never by alert."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

DELIVERIES = Counter(
    "streamapp_notify_deliveries_total",
    "Alert messages per destination and outcome (delivered, dead_lettered, skipped)",
    ["destination", "kind", "outcome"],
)
ATTEMPTS_FAILED = Counter(
    "streamapp_notify_failed_attempts_total",
    "Delivery attempts that failed, per destination (each retried or dead-lettered)",
    ["destination", "kind"],
)
QUEUED = Gauge(
    "streamapp_notify_queued", "Alert messages waiting for a destination", ["destination", "kind"]
)
