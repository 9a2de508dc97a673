"""One destination's queue and task: its messages in order, one at a time.

It skips what the ledger says was done (a redelivery, a resolution whose firing this
destination never showed, an old firing read again after its resolution), retries with
exponential back-off and jitter honouring `Retry-After` up to
`STREAMAPP_NOTIFY_MAX_ATTEMPTS` (a permanent refusal stops at once), then dead-letters.
For Alertmanager it also re-posts the open alerts when due.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from typing import Any

from streamapp.notify import metrics
from streamapp.notify.dead_letters import DeadLetters, kafka_retry
from streamapp.notify.ledger import DEAD_LETTERED, DELIVERED, Ledger
from streamapp.notify.pending import Pending, fired_epoch
from streamapp.notify.retry import Backoff
from streamapp.notify.routing import Route
from streamapp.notify.senders import AlertmanagerDestination, Destination, Outcome

log = logging.getLogger("streamapp.notify")


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
        self.writing: set[asyncio.Task[None]] = set()  # ledger writes in flight

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
        fired = fired_epoch(alert)
        if self.max_age_s and fired is not None and time.time() - fired > self.max_age_s:
            log.info("notify: %s skips alert %s: older than %g s", dest, alert_id, self.max_age_s)
            return None
        return alert

    async def run(self) -> None:
        try:
            while True:
                pending = await self._next()
                if pending is not None:
                    await self._one(pending)
        finally:  # cancelled (shutdown): writes still in flight leave their messages
            for task in list(self.writing):  # uncommitted, so read again by the next start
                task.cancel()

    async def _one(self, pending: Pending) -> None:
        written = None
        try:
            if pending.alert is not None:
                written = await self.handle(pending, pending.alert)
        except Exception as exc:  # a bug of ours: the letter keeps the message
            log.exception("notify: %s failed on a message", self.destination.id)
            reason = f"notify: destination {self.destination.id} failed unexpectedly: {type(exc).__name__}"
            await self.dead_letters.send_surely(pending, reason)
        if written is None:
            pending.finish_one()
            return
        # The next message goes out while this one's ledger entry is being written; this
        # one counts as finished (committable) only once the entry is on the topic.
        self.writing.add(written)

        def landed(task: asyncio.Task[None]) -> None:
            self.writing.discard(task)
            if not task.cancelled() and task.exception() is None:
                pending.finish_one()

        written.add_done_callback(landed)

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
            if not self.max_age_s or now - (fired_epoch(f) or now) <= self.max_age_s
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

    def _write(
        self, alert: Mapping[str, Any], outcome: str, receipt: Mapping[str, Any] | None = None
    ) -> asyncio.Task[None]:
        """The outcome in the in-memory ledger now, on the topic in the background."""
        key, entry = self.ledger.note(self.destination.id, alert, outcome, receipt=receipt)
        return asyncio.create_task(
            kafka_retry("writing the delivery ledger", lambda: self.ledger.write(key, entry))
        )

    async def handle(self, pending: Pending, alert: Mapping[str, Any]) -> asyncio.Task[None] | None:
        """Deliver (or dead-letter) one message; returns its ledger write still in flight
        (None when there is nothing to write: skipped)."""
        dest = self.destination
        firing = self.wanted(alert)
        if firing is None:
            self.skipped += 1
            metrics.DELIVERIES.labels(dest.id, dest.kind, "skipped").inc()
            return None
        what = f"alert {alert['alert_id']} {alert['status']}"
        receipt = self.ledger.receipt(dest.id, str(alert["alert_id"]))
        outcome = Outcome(False, detail="not attempted")
        for attempt in range(1, self.max_attempts + 1):
            outcome = await self._attempt(lambda: dest.deliver(alert, firing, receipt))
            if outcome.accepted:
                written = self._write(alert, DELIVERED, outcome.receipt)
                self.delivered += 1
                metrics.DELIVERIES.labels(dest.id, dest.kind, DELIVERED).inc()
                self.last_error = ""
                log.info("notify: %s to %s (%s)", what, dest.label(), outcome.detail)
                return written
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
        self.dead_lettered += 1
        metrics.DELIVERIES.labels(dest.id, dest.kind, DEAD_LETTERED).inc()
        return self._write(alert, DEAD_LETTERED)
