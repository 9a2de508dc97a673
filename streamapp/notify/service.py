"""The `notify` process: start the clients, read the ledger back, then run the
`Notifier` (streamapp.notify.notifier) until SIGTERM, with `/healthz` and `/metrics`.

- The ledger (`streamapp.notify.ledger`) is read to its end before any alert is consumed:
  it says what was already delivered.
- Exit paths: KafkaUnreachable / TopicsNotReady at start (one line, exit 1), 0 after
  SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from streamapp.notify import metrics
from streamapp.notify.ledger import Ledger
from streamapp.notify.notifier import Notifier
from streamapp.notify.senders import Destination

log = logging.getLogger("streamapp.notify")


async def _serve_health(notifier: Notifier, host: str, port: int) -> Any:
    from aiohttp import web
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    async def healthz(request: web.Request) -> web.Response:
        ok, body = notifier.health()
        return web.json_response(body, status=200 if ok else 503)

    async def prometheus(request: web.Request) -> web.Response:
        for worker in notifier.workers:
            d = worker.destination
            metrics.QUEUED.labels(d.id, d.kind).set(worker.queue.qsize())
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", prometheus)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def brief_mailer(settings: Any, destinations: list[Destination], ledger: Ledger) -> Any:
    """The daily brief's sender when `STREAMAPP_NOTIFY_BRIEF_AT` is set, else None."""
    n = settings.notify
    if not n.brief_at:
        return None
    from streamapp.brief.read import make_brief
    from streamapp.notify.brief_mail import BriefMailer, parse_at
    from streamapp.notify.retry import Backoff
    from streamapp.notify.senders import EmailDestination

    return BriefMailer(
        parse_at(n.brief_at),
        [d for d in destinations if isinstance(d, EmailDestination)],
        ledger,
        lambda: make_brief(settings, 86400.0),
        max_attempts=n.max_attempts,
        backoff=Backoff(n.retry_first_seconds, n.retry_max_seconds),
    )


def topic_names(settings: Any) -> dict[str, str]:
    from streamapp.notify.ledger import NOTIFY_DELIVERIES
    from streamapp.topics import DEAD_LETTERS, STREAMING_ALERTS

    prefix = settings.pipeline.topic_prefix
    return {
        "alerts": prefix + STREAMING_ALERTS,
        "dead_letters": prefix + DEAD_LETTERS,
        "deliveries": prefix + NOTIFY_DELIVERIES,
    }


async def run_notify(
    settings: Any,
    destinations: list[Destination],
    *,
    stop: asyncio.Event | None = None,
    durable: bool = True,
) -> int:
    """Start (or raise KafkaUnreachable / TopicsNotReady), then deliver until SIGTERM (or
    until `stop` is set). `durable=False` keeps the ledger in memory only, not on Kafka:
    no exactly-once across restarts; `python -m bench notify` measures what it costs."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    from streamapp.kafka.security import client_options
    from streamapp.kafka.topic_admin import TopicSpec, ensure_topics
    from streamapp.notify.ledger import DELIVERIES_CONFIG
    from streamapp.runtime.unreachable import start_client

    p = settings.pipeline
    bootstrap = settings.kafka.bootstrap_servers
    options = client_options(settings.kafka)
    names = topic_names(settings)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, **options
    )
    await start_client(producer, bootstrap)  # KafkaUnreachable: one line, exit 1
    consumer = None
    try:
        await ensure_topics(
            bootstrap,
            [
                TopicSpec(names["alerts"], p.partitions, p.replication_factor),
                TopicSpec(names["dead_letters"], p.partitions, p.replication_factor),
                TopicSpec(names["deliveries"], 1, p.replication_factor, DELIVERIES_CONFIG),
            ],
            create=p.create_topics,
            options=options,
        )
        ledger = Ledger(producer if durable else None, names["deliveries"])
        reader = AIOKafkaConsumer(
            names["deliveries"],
            bootstrap_servers=bootstrap,
            group_id=None,  # every partition, no commits
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **options,
        )
        await start_client(reader, bootstrap)
        try:
            count = await ledger.load(reader)
        finally:
            await reader.stop()
        consumer = AIOKafkaConsumer(
            names["alerts"],
            bootstrap_servers=bootstrap,
            group_id=f"{p.app_id}-notify",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=int(p.session_timeout_seconds * 1000),
            heartbeat_interval_ms=int(p.heartbeat_interval_seconds * 1000),
            **options,
        )
        await start_client(consumer, bootstrap)
        notifier = Notifier(settings, destinations, producer, consumer, ledger, names)
        for w in notifier.workers:
            log.info("notify: destination %s, %s", w.destination.label(), w.route.describe())
        log.info(
            "notify: %d ledger entries read from %s; consuming %s as group %s-notify",
            count, names["deliveries"], names["alerts"], p.app_id,
        )  # fmt: skip
        loop = asyncio.get_running_loop()
        if stop is not None:
            notifier.stopping = stop
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, notifier.stopping.set)
        health = None
        if settings.notify.health_port:
            health = await _serve_health(
                notifier, settings.notify.health_host, settings.notify.health_port
            )
        mailer = brief_mailer(settings, destinations, ledger)
        briefs = None if mailer is None else asyncio.create_task(mailer.run(), name="notify-brief")
        try:
            return await notifier.run()
        finally:
            if briefs is not None:
                briefs.cancel()
                await asyncio.gather(briefs, return_exceptions=True)
            if health is not None:
                await health.cleanup()
    finally:
        for destination in destinations:
            with contextlib.suppress(Exception):
                await destination.close()
        if consumer is not None:
            await consumer.stop()
        await producer.stop()
