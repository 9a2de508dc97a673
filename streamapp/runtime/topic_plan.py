"""Which topics a worker or sink needs, and making them exist before Faust starts.

`topic_specs(app, settings)` lists what a built (not started) Faust app reads and writes:
the pipeline's topics, the tables' changelogs (compacted, with exactly the partitions of
their source), Faust's leader topic and the compacted one-partition topics (collector
checkpoints, forecast drivers, the title catalogue). `prepare_start` is what `streamapp
worker` and `streamapp sink` run first: the data directory, with its parents, then every
topic (created where allowed, verified always), retried with back-off while Kafka cannot
be reached.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import faust

from streamapp import topics as names
from streamapp.config import Settings
from streamapp.kafka.security import client_options
from streamapp.kafka.topic_admin import (
    TopicReport,
    TopicSpec,
    ensure_topics,
    retry_until_reachable,
)
from streamapp.sources.checkpoints import TOPIC_CONFIG as CHECKPOINT_CONFIG

CHANGELOG_CONFIG = {"cleanup.policy": "compact"}  # what Faust gives a table's changelog


def topic_specs(app: faust.App, settings: Settings) -> list[TopicSpec]:
    p = settings.pipeline
    specs = [
        TopicSpec(p.topic_prefix + name, p.partitions, p.replication_factor)
        for name in names.ALL_TOPICS
    ]
    specs += [
        TopicSpec(p.topic_prefix + name, 1, p.replication_factor, CHECKPOINT_CONFIG)
        for name in names.COMPACTED_TOPICS
    ]
    specs += [
        TopicSpec(
            table.changelog_topic.get_topic_name(),
            table.partitions or p.partitions,
            p.replication_factor,
            CHANGELOG_CONFIG,
            exact_partitions=True,
        )
        for table in app.tables.values()
    ]
    # Faust's own leader election topic (one partition), named after the app id.
    specs.append(TopicSpec(f"{app.conf.id}-__assignor-__leader", 1, p.replication_factor))
    return specs


async def ensure_app_topics(
    app: faust.App, settings: Settings, *, create: bool | None = None
) -> list[TopicReport]:
    create = settings.pipeline.create_topics if create is None else create
    return await ensure_topics(
        settings.kafka.bootstrap_servers,
        topic_specs(app, settings),
        create=create,
        options=client_options(settings.kafka),
    )


def prepare_start(app: faust.App, settings: Settings, log: logging.Logger) -> None:
    """Before `faust.Worker`: the data directory, then the topics. Raises TopicsNotReady
    (the caller says which and exits non-zero); retries while Kafka is unreachable."""
    datadir = Path(app.conf.datadir)
    datadir.mkdir(parents=True, exist_ok=True)  # Faust makes only the last level
    log.info("data directory: %s", datadir.resolve())

    async def attempt() -> list[TopicReport]:
        return await ensure_app_topics(app, settings)

    # A loop of our own, closed after: Faust's worker makes and owns the main one.
    loop = asyncio.new_event_loop()
    try:
        reports = loop.run_until_complete(
            retry_until_reachable(attempt, settings.kafka.bootstrap_servers)
        )
    finally:
        loop.close()
    pipeline = getattr(app, "pipeline", None)  # the worker's context; the sink has none
    if pipeline is not None:
        pipeline.topic_partitions.update({r.name: r.partitions for r in reports if r.partitions})
    created = [r.name for r in reports if r.status == "created"]
    log.info(
        "topics: %d ready%s", len(reports), f", created {', '.join(created)}" if created else ""
    )


def run_worker(app: faust.App, settings: Settings, loglevel: str) -> int:
    """`streamapp worker` and `streamapp sink`: prepare, then hand over to Faust's worker
    (which installs its own signal handlers and exits the process when done)."""
    import sys

    from streamapp.kafka.topic_admin import TopicsNotReady

    # Faust sets up logging only when its worker starts: until then, a handler of our own.
    log = logging.getLogger("streamapp.start")
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s")
    )
    for logger in (log, logging.getLogger("streamapp.kafka.topic_admin")):
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    # aiokafka's own line per failed connection would repeat ours (which names the setting).
    quiet = logging.getLogger("aiokafka")
    quiet.setLevel(logging.CRITICAL)
    try:
        prepare_start(app, settings, log)
    except TopicsNotReady as exc:
        print(f"streamapp: {exc}", file=sys.stderr)
        for report in exc.reports:
            if report.fatal:
                print(f"  {report.line()}", file=sys.stderr)
        print(
            "  create them (`streamapp topics create`, or your cluster's tooling) and start again",
            file=sys.stderr,
        )
        return 1
    finally:
        quiet.setLevel(logging.NOTSET)
        for logger in (log, logging.getLogger("streamapp.kafka.topic_admin")):
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)
    faust.Worker(app, loglevel=loglevel).execute_from_commandline()
    return 0
