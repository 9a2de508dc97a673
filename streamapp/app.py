"""The composition root: `create_app(settings)` builds a Faust app with every topic,
table and agent wired in (explicitly, rather than by import side effects, so tests can
build as many independent apps as they like)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import faust

from streamapp.config import Settings
from streamapp.delivery.contribution_log import ContributionLog
from streamapp.kafka.security import client_options
from streamapp.runtime.context import PipelineContext
from streamapp.runtime.faust_app import faust_options, harden
from streamapp.runtime.topic_set import declare
from streamapp.serving.view import register_recommendations
from streamapp.tables import define_tables


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
    from streamapp.agents import register_agents
    from streamapp.delivery.takeovers import Takeovers

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
    register_recommendations(app, ctx)
    harden(app, settings, ctx.health)
    app.pipeline = ctx  # type: ignore[attr-defined]  # for tests and the CLI
    return app
