"""The consumer loop: `streaming-alerts` read ahead into every destination's queue,
offsets committed up to the first message some destination has not finished.

A plain aiokafka consumer in its own group, no auto commit. The consumer reads on (up to
`STREAMAPP_NOTIFY_MAX_IN_FLIGHT` messages) while a destination retries, so a destination
that keeps failing never holds the others back; only the commit waits for the slowest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from streamapp.notify.dead_letters import DeadLetters
from streamapp.notify.ledger import Ledger
from streamapp.notify.pending import OffsetTracker, Pending, parse_alert
from streamapp.notify.retry import Backoff
from streamapp.notify.senders import Destination
from streamapp.notify.worker import DestinationWorker

log = logging.getLogger("streamapp.notify")
STOP_GRACE_S = 5.0  # on SIGTERM, how long in-flight deliveries may still finish
HEALTHY_LOOP_S = 30.0
PRUNE_EVERY_S = 3600.0  # how often old episodes are tombstoned in the ledger


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
        # Never prune an entry a re-read alert could still need: see ledger.py.
        self.ledger_keep_s = max(n.ledger_retention_seconds, n.max_age_seconds)
        self.next_prune = 0.0  # at the first turn of the loop, then hourly

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

    async def prune_ledger(self) -> int:
        """Tombstone the ledger's old episodes; a Kafka error waits for the next turn."""
        self.next_prune = time.monotonic() + PRUNE_EVERY_S
        horizon = datetime.now(UTC) - timedelta(seconds=self.ledger_keep_s)
        try:
            pruned = await self.ledger.prune(horizon)
        except Exception as exc:  # KafkaError, timeouts: harmless, tried again later
            log.warning("notify: pruning the ledger failed (%s)", type(exc).__name__)
            return 0
        if pruned:
            log.info("notify: %d ledger entries older than %s tombstoned", pruned, horizon)
        return pruned

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
                if self.last_loop >= self.next_prune:
                    await self.prune_ledger()
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
