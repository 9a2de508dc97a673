"""What the worker app (`streamapp.app`) and the sink app (`streamapp.sink_app`) share:
the Faust options built from settings, and the hardening both apply once their agents are
registered (health and metrics pages, the consumer that never skips, the head watch)."""

from __future__ import annotations

import time
from typing import Any

import faust

from streamapp.config import Settings
from streamapp.delivery.faust_fixes import never_skip_messages
from streamapp.delivery.head_watch import install_head_watch
from streamapp.kafka.security import faust_credentials
from streamapp.observability.health import register_health
from streamapp.observability.metrics_view import register_metrics


def advertised_host(web_host: str, advertised: str) -> str:
    if advertised:
        return advertised
    if web_host in ("0.0.0.0", "::", ""):
        import socket

        return socket.gethostname()
    return web_host


def faust_options(settings: Settings) -> dict[str, object]:
    p = settings.pipeline
    return {
        "broker": settings.kafka.faust_broker_url,
        # TLS / SASL for managed clusters (None = PLAINTEXT); refuses unsafe settings.
        "broker_credentials": faust_credentials(settings.kafka),
        "store": p.store,
        "processing_guarantee": "at_least_once",
        "topic_partitions": p.partitions,
        "topic_replication_factor": p.replication_factor,
        "table_standby_replicas": p.standby_replicas,
        "broker_commit_interval": p.commit_interval_seconds,
        "broker_session_timeout": p.session_timeout_seconds,
        "broker_heartbeat_interval": p.heartbeat_interval_seconds,
        "consumer_auto_offset_reset": "earliest",
        "producer_acks": -1,
        "producer_linger": p.producer_linger_seconds,
        "web_host": p.web_host,
        "web_bind": p.web_host,
        "web_port": p.web_port,
        # Where the other workers forward requests for this worker's accounts to.
        "canonical_url": f"http://{advertised_host(p.web_host, p.web_advertised_host)}:{p.web_port}",
        # One data directory per worker web port, so several workers can share a machine.
        "datadir": str(p.data_dir / f"worker-{p.web_port}"),
        "autodiscover": False,
    }


def harden(app: faust.App, settings: Settings, agent_health: Any) -> None:
    """`/healthz`, `/readyz` and `/metrics` on the web port, and the delivery patches:
    Faust's consumer never skips a message, and a partition whose next record went
    missing is read again (docs/delivery.md)."""
    app.agent_health = agent_health  # type: ignore[attr-defined]  # read by /healthz
    register_health(app)
    register_metrics(app)
    never_skip_messages(app)
    install_head_watch(app, settings.pipeline.stalled_head_seconds, time.monotonic)
