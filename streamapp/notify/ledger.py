"""The delivery ledger: which (destination, alert_id, status) were delivered or given up.

A compacted topic, `notify-deliveries` (one partition), keyed
`<destination>|<alert_id>|<status>`; `notify` reads it back to its end before it consumes
any alert, and writes an entry (acks from all in-sync replicas) right after a destination
accepted a message or the message went to dead-letters. A redelivered or re-read alert
whose entry exists is not sent again. Compaction keeps one entry per key.

The value is JSON: `destination`, `alert_id`, `status`, `outcome` (`delivered` or
`dead_lettered`), `at` (ISO-8601 UTC), and for a firing entry the `alert` itself: a
resolution needs its firing's severity and start (Alertmanager's label set), and the
firing alerts still open are re-posted to Alertmanager from it after a restart. An entry
may hold the destination's `receipt` too (Slack's Web API: the firing message's channel
and `ts`, which its resolution threads under and edits, after a restart as well).

Bounded: once every entry of a (destination, alert_id) episode is older than the
retention horizon (`STREAMAPP_NOTIFY_LEDGER_RETENTION_SECONDS`, never less than
`STREAMAPP_NOTIFY_MAX_AGE_SECONDS`), `prune` writes a tombstone for each. A firing read
again after that is older than the age limit, so it is skipped without the entry; its
resolution then finds no firing and is skipped too. Compaction drops the old values, and
the tombstones themselves after the topic's `delete.retention.ms`; `segment.ms` rolls a
segment daily so that a quiet ledger is compacted at all (Kafka only cleans closed ones).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

NOTIFY_DELIVERIES = "notify-deliveries"
DAY_MS = str(24 * 3600 * 1000)
DELIVERIES_CONFIG = {
    "cleanup.policy": "compact",
    "delete.retention.ms": DAY_MS,  # tombstones kept a day: every reader sees them
    "segment.ms": DAY_MS,  # a closed segment a day: compaction only cleans closed ones
}
DELIVERED = "delivered"
DEAD_LETTERED = "dead_lettered"


def ledger_key(destination: str, alert_id: str, status: str) -> str:
    return f"{destination}|{alert_id}|{status}"


class Ledger:
    def __init__(self, producer: Any = None, topic: str = NOTIFY_DELIVERIES) -> None:
        self.producer, self.topic = producer, topic
        self.entries: dict[str, dict[str, Any]] = {}

    def get(self, destination: str, alert_id: str, status: str) -> dict[str, Any] | None:
        return self.entries.get(ledger_key(destination, alert_id, status))

    def apply(self, key: str, value: bytes | None) -> None:
        if value is None:  # a tombstone
            self.entries.pop(key, None)
            return
        try:
            entry = json.loads(value)
        except ValueError:
            log.warning("notify: unreadable ledger entry %r ignored", key[:200])
            return
        if isinstance(entry, dict):
            self.entries[key] = entry

    def note(
        self,
        destination: str,
        alert: Mapping[str, Any],
        outcome: str,
        now: datetime | None = None,
        receipt: Mapping[str, Any] | None = None,
    ) -> tuple[str, dict[str, Any]]:
        """Take an outcome into the in-memory ledger at once (a redelivery read meanwhile
        is skipped); returns the (key, entry) that `write` makes durable."""
        alert_id, status = str(alert.get("alert_id")), str(alert.get("status"))
        entry: dict[str, Any] = {
            "destination": destination,
            "alert_id": alert_id,
            "status": status,
            "outcome": outcome,
            "at": (now or datetime.now(UTC)).isoformat(),
        }
        if status == "firing":
            entry["alert"] = dict(alert)
        if receipt:
            entry["receipt"] = dict(receipt)
        key = ledger_key(destination, alert_id, status)
        self.entries[key] = entry
        return key, entry

    async def write(self, key: str, entry: Mapping[str, Any]) -> None:
        """The entry on the topic, acknowledged by every in-sync replica."""
        if self.producer is not None:
            await self.producer.send_and_wait(
                self.topic, key=key.encode(), value=json.dumps(entry).encode()
            )

    async def record(
        self, destination: str, alert: Mapping[str, Any], outcome: str, now: datetime | None = None
    ) -> None:
        """`note` then `write`."""
        await self.write(*self.note(destination, alert, outcome, now))

    def receipt(self, destination: str, alert_id: str) -> dict[str, Any] | None:
        """What the destination answered to the episode's firing (`Outcome.receipt`)."""
        stored = (self.get(destination, alert_id, "firing") or {}).get("receipt")
        return stored if isinstance(stored, dict) else None

    def open_firings(self, destination: str) -> Iterator[dict[str, Any]]:
        """Firing alerts delivered to `destination` whose resolution was not (yet)."""
        for entry in self.entries.values():
            if (
                entry.get("destination") == destination
                and entry.get("status") == "firing"
                and entry.get("outcome") == DELIVERED
                and self.get(destination, str(entry.get("alert_id")), "resolved") is None
                and isinstance(entry.get("alert"), dict)
            ):
                yield entry["alert"]

    def expired(self, horizon: datetime) -> list[str]:
        """Keys of the episodes whose every entry (per destination) was written before
        `horizon`: an episode still being resolved somewhere keeps its entries."""
        newest: dict[tuple[str, str], datetime] = {}
        keys: dict[tuple[str, str], list[str]] = defaultdict(list)
        for key, entry in self.entries.items():
            episode = (str(entry.get("destination")), str(entry.get("alert_id")))
            keys[episode].append(key)
            at = _written_at(entry)
            if episode not in newest or at > newest[episode]:
                newest[episode] = at
        return sorted(k for ep, at in newest.items() if at < horizon for k in keys[ep])

    async def prune(self, horizon: datetime) -> int:
        """Tombstone every entry of the episodes older than `horizon`; returns how many."""
        keys = self.expired(horizon)
        for key in keys:
            if self.producer is not None:
                await self.producer.send_and_wait(self.topic, key=key.encode(), value=None)
            self.entries.pop(key, None)
        return len(keys)

    async def load(self, consumer: Any) -> int:
        """Read the whole topic with a started, group-less consumer subscribed to it (it
        holds every partition then); returns the number of entries read."""
        tps = sorted(consumer.assignment(), key=lambda tp: tp.partition)
        if not tps:
            return 0
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        read = 0
        while [tp for tp in tps if await consumer.position(tp) < end[tp]]:
            batches = await consumer.getmany(*tps, timeout_ms=1000)
            for records in batches.values():
                for record in records:
                    if record.key is not None:
                        self.apply(record.key.decode("utf-8", "replace"), record.value)
                        read += 1
        return read


def _written_at(entry: Mapping[str, Any]) -> datetime:
    """When an entry was written; an unreadable time counts as now (kept, never pruned
    on a guess)."""
    try:
        at = datetime.fromisoformat(str(entry.get("at")))
    except ValueError:
        return datetime.now(UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)
