"""The `notify` process: `streaming-alerts` in, every configured destination out.

- A plain aiokafka consumer in its own group (`<STREAMAPP_APP_ID>-notify`), no auto
  commit. Each alert message is handed to every destination's own queue and task, so a
  destination that keeps failing never holds the others back; the consumer reads on
  (up to `STREAMAPP_NOTIFY_MAX_IN_FLIGHT` messages) while it retries.
- A partition's offset is committed up to the first message some destination has not
  finished with: a finished message was accepted by each destination that wanted it, or
  given up on (dead-lettered). After a crash the rest is read again, and the ledger
  (`streamapp.notify.ledger`) says what was already delivered.
- Retries: exponential back-off with jitter, honouring `Retry-After`, up to
  `STREAMAPP_NOTIFY_MAX_ATTEMPTS`; a permanent refusal (a 4xx other than 408/429) stops
  at once. Then the alert goes to `dead-letters`, the reason naming the destination.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import random
import signal
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from streamapp.notify import metrics
from streamapp.notify.ledger import DEAD_LETTERED, DELIVERED, Ledger
from streamapp.notify.retry import Backoff
from streamapp.notify.routing import Route
from streamapp.notify.senders import AlertmanagerDestination, Destination, Outcome

log = logging.getLogger("streamapp.notify")
STATUSES = ("firing", "resolved")
STOP_GRACE_S = 5.0  # on SIGTERM, how long in-flight deliveries may still finish
HEALTHY_LOOP_S = 30.0


@dataclass
class Pending:
    """One alert message on its way to every destination."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    alert: dict[str, Any] | None
    remaining: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def finish_one(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self.done.set()


def parse_alert(value: bytes | None) -> dict[str, Any] | str:
    """The alert, or why it is not one (the dead letter's reason)."""
    try:
        alert = json.loads(value or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        return f"not valid JSON: {exc}"
    if not isinstance(alert, dict):
        return f"expected a JSON object, got {type(alert).__name__}"
    for name in ("alert_id", "rule", "platform"):
        if not isinstance(alert.get(name), str) or not alert[name]:
            return f"missing field '{name}'"
    if alert.get("status") not in STATUSES:
        return f"field 'status' must be firing or resolved, got {alert.get('status')!r}"
    return alert


def _fired_epoch(alert: Mapping[str, Any]) -> float | None:
    try:
        return datetime.fromisoformat(str(alert.get("fired_at"))).timestamp()
    except ValueError:
        return None


def dead_letter_value(pending: Pending, reason: str, now: float) -> dict[str, Any]:
    """The `dead-letters` record (streamapp.records.DeadLetter's fields)."""
    value = pending.value
    return {
        "reason": reason[:1000],
        "source_topic": pending.topic,
        "partition": pending.partition,
        "offset": pending.offset,
        "original_value_b64": None if value is None else base64.b64encode(value).decode(),
        "original_key_b64": None if pending.key is None else base64.b64encode(pending.key).decode(),
        "failed_at": datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z"),
        "original_size": len(value or b""),
        "original_sha256": None,
        "original_key_sha256": None,
        "schema_version": 1,
    }


class DeadLetters:
    def __init__(self, producer: Any, topic: str) -> None:
        self.producer, self.topic = producer, topic

    async def send(self, pending: Pending, reason: str) -> None:
        letter = dead_letter_value(pending, reason, time.time())
        await self.producer.send_and_wait(
            self.topic, key=pending.key, value=json.dumps(letter).encode()
        )

    async def send_surely(self, pending: Pending, reason: str) -> None:
        """`send`, retried until Kafka takes it: a letter is never skipped."""
        await _kafka_retry("sending a dead letter", lambda: self.send(pending, reason))


async def _kafka_retry(what: str, action: Any) -> None:
    """A ledger or dead-letter write must not be skipped: retried until Kafka takes it."""
    wait = 0.5
    while True:
        try:
            await action()
            return
        except Exception as exc:  # KafkaError, timeouts: the broker is away
            log.warning(
                "notify: %s failed (%s); retrying in %.1f s", what, type(exc).__name__, wait
            )
            await asyncio.sleep(wait)
            wait = min(wait * 2, 30.0)


class DestinationWorker:
    """One destination's queue and task: messages in order, one at a time."""

    def __init__(
        self,
        destination: Destination,
        ledger: Ledger,
        dead_letters: DeadLetters,
        *,
        max_attempts: int,
        backoff: Backoff,
        max_age_s: float,
        rng: random.Random | None = None,
    ) -> None:
        self.destination, self.ledger, self.dead_letters = destination, ledger, dead_letters
        self.max_attempts, self.backoff, self.max_age_s = max_attempts, backoff, max_age_s
        self.queue: asyncio.Queue[Pending] = asyncio.Queue()
        self.rng = rng or random.Random()
        self.delivered = self.dead_lettered = self.skipped = 0
        self.last_error = ""
        self.next_repost = time.monotonic()

    @property
    def route(self) -> Route:
        return self.destination.route

    def wanted(self, alert: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The firing message this alert is delivered with, or None to skip it here."""
        dest, alert_id, status = self.destination.id, str(alert["alert_id"]), alert["status"]
        if self.ledger.get(dest, alert_id, status) is not None:
            return None  # delivered (or given up on) before: a redelivery
        if status == "resolved":
            firing = self.ledger.get(dest, alert_id, "firing")
            if firing is None or firing.get("outcome") != DELIVERED:
                return None  # this destination never showed the firing
            stored = firing.get("alert")
            return stored if isinstance(stored, dict) else alert
        if self.ledger.get(dest, alert_id, "resolved") is not None:
            return None  # an old firing read again after its resolution
        if not self.route.accepts(alert):
            return None
        fired = _fired_epoch(alert)
        if self.max_age_s and fired is not None and time.time() - fired > self.max_age_s:
            log.info("notify: %s skips alert %s: older than %g s", dest, alert_id, self.max_age_s)
            return None
        return alert

    async def run(self) -> None:
        while True:
            pending = await self._next()
            if pending is None:
                continue
            # Cancelled (shutdown) mid-message: not finished, so not committed; read again.
            try:
                if pending.alert is not None:
                    await self.handle(pending, pending.alert)
            except Exception as exc:  # a bug of ours: the letter keeps the message
                log.exception("notify: %s failed on a message", self.destination.id)
                reason = f"notify: destination {self.destination.id} failed unexpectedly: {type(exc).__name__}"
                await self.dead_letters.send_surely(pending, reason)
            pending.finish_one()

    async def _next(self) -> Pending | None:
        """The next message; meanwhile, Alertmanager's open alerts are re-posted when due."""
        if not isinstance(self.destination, AlertmanagerDestination):
            return await self.queue.get()
        due = self.next_repost - time.monotonic()
        if due <= 0:
            await self.repost()
            return None
        try:
            return await asyncio.wait_for(self.queue.get(), due)
        except TimeoutError:
            return None

    async def repost(self) -> None:
        destination = self.destination
        assert isinstance(destination, AlertmanagerDestination)
        self.next_repost = time.monotonic() + destination.resend_s
        # An alert open longer than the age limit is left to end on its own (its `endsAt`):
        # a resolution that never came must not keep it in Alertmanager for ever.
        now = time.time()
        firings = [
            f
            for f in self.ledger.open_firings(destination.id)
            if not self.max_age_s or now - (_fired_epoch(f) or now) <= self.max_age_s
        ]
        if not firings:
            return
        outcome = await self._attempt(lambda: destination.repost(firings))
        if not outcome.accepted:
            log.warning(
                "notify: re-posting %d open alerts to %s: %s",
                len(firings),
                destination.label(),
                outcome.detail,
            )

    async def _attempt(self, call: Any) -> Outcome:
        try:
            return await call()
        except Exception as exc:  # a bug in a payload builder, say: counted as an attempt
            log.error("notify: %s failed unexpectedly: %s", self.destination.id, type(exc).__name__)
            return self.destination.failure(exc)

    async def handle(self, pending: Pending, alert: Mapping[str, Any]) -> None:
        dest = self.destination
        firing = self.wanted(alert)
        if firing is None:
            self.skipped += 1
            metrics.DELIVERIES.labels(dest.id, dest.kind, "skipped").inc()
            return
        what = f"alert {alert['alert_id']} {alert['status']}"
        outcome = Outcome(False, detail="not attempted")
        for attempt in range(1, self.max_attempts + 1):
            outcome = await self._attempt(lambda: dest.attempt(alert, firing))
            if outcome.accepted:
                await _kafka_retry(
                    "writing the delivery ledger",
                    lambda: self.ledger.record(dest.id, alert, DELIVERED),
                )
                self.delivered += 1
                metrics.DELIVERIES.labels(dest.id, dest.kind, DELIVERED).inc()
                self.last_error = ""
                log.info("notify: %s to %s (%s)", what, dest.label(), outcome.detail)
                return
            self.last_error = outcome.detail
            metrics.ATTEMPTS_FAILED.labels(dest.id, dest.kind).inc()
            if not outcome.retryable or attempt == self.max_attempts:
                break
            wait = self.backoff.delay(attempt, outcome.retry_after_s, self.rng)
            log.warning(
                "notify: %s to %s, attempt %d/%d: %s; retrying in %.1f s",
                what, dest.label(), attempt, self.max_attempts, outcome.detail, wait,
            )  # fmt: skip
            await asyncio.sleep(wait)
        verdict = f"after {attempt} attempts" if outcome.retryable else "refused"
        reason = f"notify: destination {dest.id} ({dest.kind}) gave up {verdict}: {outcome.detail}"
        log.error("%s (%s)", reason, what)
        await self.dead_letters.send_surely(pending, reason)
        await _kafka_retry(
            "writing the delivery ledger",
            lambda: self.ledger.record(dest.id, alert, DEAD_LETTERED),
        )
        self.dead_lettered += 1
        metrics.DELIVERIES.labels(dest.id, dest.kind, DEAD_LETTERED).inc()


class OffsetTracker:
    """Per partition, the messages in offset order; what may be committed."""

    def __init__(self) -> None:
        self.partitions: dict[Any, deque[Pending]] = {}
        self.changed = asyncio.Event()

    def add(self, tp: Any, pending: Pending) -> None:
        self.partitions.setdefault(tp, deque()).append(pending)

    @property
    def in_flight(self) -> int:
        return sum(len(q) for q in self.partitions.values())

    def committable(self) -> dict[Any, int]:
        """{partition: next offset} for partitions whose head messages are finished."""
        ready: dict[Any, int] = {}
        for tp, queue in self.partitions.items():
            while queue and queue[0].done.is_set():
                ready[tp] = queue.popleft().offset + 1
        return ready

    def forget(self, tps: Any) -> None:
        for tp in tps:
            self.partitions.pop(tp, None)


class Notifier:
    """The consumer loop, the destination tasks, commits and the optional `/healthz`."""

    def __init__(
        self,
        settings: Any,
        destinations: list[Destination],
        producer: Any,
        consumer: Any,
        ledger: Ledger,
        topics: Mapping[str, str],
    ) -> None:
        n = settings.notify
        self.settings, self.consumer, self.producer = settings, consumer, producer
        self.ledger = ledger
        dead_letters = DeadLetters(producer, topics["dead_letters"])
        backoff = Backoff(n.retry_first_seconds, n.retry_max_seconds)
        self.workers = [
            DestinationWorker(
                d,
                ledger,
                dead_letters,
                max_attempts=n.max_attempts,
                backoff=backoff,
                max_age_s=n.max_age_seconds,
            )
            for d in destinations
        ]
        self.dead_letters = dead_letters
        self.tracker = OffsetTracker()
        self.stopping = asyncio.Event()
        self.max_in_flight = n.max_in_flight
        self.last_loop = time.monotonic()
        self.read = 0

    def health(self) -> tuple[bool, dict[str, Any]]:
        alive = time.monotonic() - self.last_loop < HEALTHY_LOOP_S
        return alive, {
            "status": "ok" if alive else "failing",
            "read": self.read,
            "in_flight": self.tracker.in_flight,
            "destinations": {
                w.destination.id: {
                    "kind": w.destination.kind,
                    "host": w.destination.host,
                    "queued": w.queue.qsize(),
                    "delivered": w.delivered,
                    "dead_lettered": w.dead_lettered,
                    "last_error": w.last_error,
                }
                for w in self.workers
            },
        }

    async def _commit(self) -> None:
        ready = self.tracker.committable()
        if not ready:
            return
        from aiokafka.structs import OffsetAndMetadata

        try:
            await self.consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in ready.items()})
        except Exception as exc:  # a rebalance took the partition: its new owner reads on
            log.warning(
                "notify: commit failed (%s); those alerts may be read again", type(exc).__name__
            )

    async def _take(self, tp: Any, record: Any) -> None:
        pending = Pending(tp.topic, tp.partition, record.offset, record.key, record.value, None)
        parsed = parse_alert(record.value)
        self.read += 1
        if isinstance(parsed, str):
            reason = f"notify: not an alert: {parsed}"
            log.warning("%s (%s[%d]@%d)", reason, tp.topic, tp.partition, record.offset)
            await self.dead_letters.send_surely(pending, reason)
            pending.done.set()
        else:
            pending.alert = parsed
            pending.remaining = len(self.workers)
            for worker in self.workers:
                worker.queue.put_nowait(pending)
        self.tracker.add(tp, pending)

    async def run(self) -> int:
        tasks = [
            asyncio.create_task(w.run(), name=f"notify-{w.destination.id}") for w in self.workers
        ]
        try:
            while not self.stopping.is_set():
                self.last_loop = time.monotonic()
                for task in tasks:
                    if task.done():  # never: run() loops; a bug must not go unseen
                        task.result()
                if self.tracker.in_flight >= self.max_in_flight:
                    await asyncio.sleep(0.1)
                    await self._commit()
                    continue
                batches = await self.consumer.getmany(timeout_ms=200, max_records=500)
                for tp, records in batches.items():
                    for record in records:
                        await self._take(tp, record)
                await self._commit()
            # Stopping: give what is in flight a moment, commit what finished.
            deadline = time.monotonic() + STOP_GRACE_S
            while self.tracker.in_flight and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                await self._commit()
            await self._commit()
            return 0
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


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


def topic_names(settings: Any) -> dict[str, str]:
    from streamapp.notify.ledger import NOTIFY_DELIVERIES
    from streamapp.topics import DEAD_LETTERS, STREAMING_ALERTS

    prefix = settings.pipeline.topic_prefix
    return {
        "alerts": prefix + STREAMING_ALERTS,
        "dead_letters": prefix + DEAD_LETTERS,
        "deliveries": prefix + NOTIFY_DELIVERIES,
    }


async def run_notify(settings: Any, destinations: list[Destination]) -> int:
    """Start (or raise KafkaUnreachable / TopicsNotReady), then deliver until SIGTERM."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    from streamapp.kafka.topic_admin import TopicSpec, ensure_topics
    from streamapp.kafka_security import client_options
    from streamapp.notify.ledger import DELIVERIES_CONFIG
    from streamapp.unreachable import start_client

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
        ledger = Ledger(producer, names["deliveries"])
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
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, notifier.stopping.set)
        health = None
        if settings.notify.health_port:
            health = await _serve_health(
                notifier, settings.notify.health_host, settings.notify.health_port
            )
        try:
            return await notifier.run()
        finally:
            if health is not None:
                await health.cleanup()
    finally:
        for destination in destinations:
            with contextlib.suppress(Exception):
                await destination.close()
        if consumer is not None:
            await consumer.stop()
        await producer.stop()
