"""The composition root: `create_app(settings)` builds a Faust app with every topic,
table and agent wired in (explicitly, rather than by import side effects, so tests can
build as many independent apps as they like)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import faust

from streamapp.config import Settings
from streamapp.context import PipelineContext
from streamapp.contribution_log import ContributionLog
from streamapp.faust_fixes import never_skip_messages
from streamapp.head_watch import install_head_watch
from streamapp.health import register_health
from streamapp.kafka_security import client_options, faust_credentials
from streamapp.metrics_view import register_metrics
from streamapp.recommend_view import register_recommendations
from streamapp.topic_set import declare
from tables import define_tables


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


def create_app(
    settings: Settings | None = None, clock: Callable[[], float] = time.time
) -> faust.App:
    settings = settings or Settings()
    app = faust.App(settings.pipeline.app_id, **faust_options(settings))
    producer = app.producer

    async def publish(topic: str, key: bytes, value: bytes, partition: int | None) -> Any:
        return await producer.send(topic, key, value, partition, None, None)

    topics = declare(app, settings)
    # Imported here: agents sit above the app in the dependency order.
    from agents import register_agents
    from agents.takeovers import Takeovers

    contribution_log = ContributionLog(
        settings.kafka.bootstrap_servers,
        topics.contributions.get_topic_name(),
        settings.pipeline.partitions,
        client_options(settings.kafka),
    )
    ctx = PipelineContext(
        app=app,
        settings=settings,
        topics=topics,
        tables=define_tables(app, settings),
        clock=clock,
        publish=publish,
        takeovers=Takeovers(contribution_log.read, clock),
    )

    register_agents(ctx)
    app.agent_health = ctx.health  # type: ignore[attr-defined]  # read by /healthz
    register_health(app)
    register_metrics(app)
    register_recommendations(app, ctx)
    never_skip_messages(app)
    install_head_watch(app, settings.pipeline.stalled_head_seconds, time.monotonic)
    app.pipeline = ctx  # type: ignore[attr-defined]  # for tests and the CLI
    return app
