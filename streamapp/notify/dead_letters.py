"""Dead letters of `notify`, and Kafka writes that must not be skipped.

A message no destination could take (or that is not an alert) goes to `dead-letters`
with the fields of every dead letter (streamapp.records.DeadLetter): the exact bytes,
where they came from and the reason, which names the destination but never its URL.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from streamapp.notify.pending import Pending

log = logging.getLogger("streamapp.notify")


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
        await kafka_retry("sending a dead letter", lambda: self.send(pending, reason))


async def kafka_retry(what: str, action: Any) -> None:
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
