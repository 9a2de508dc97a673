"""Dead letters: a message that could not be used, why, and its original bytes."""

from __future__ import annotations

import base64
import logging
from typing import Any

import faust
from faust.types import Message

from streamapp.metrics import EVENTS_OUT
from streamapp.records import DeadLetter
from streamapp.records.raw import iso_utc

log = logging.getLogger(__name__)


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


async def send_dead_letter(topic: faust.TopicT, message: Message, reason: str, now: float) -> Any:
    """Send the letter; returns the delivery future (await it to know Kafka has it)."""
    log.warning(
        "dead letter from %s[%d]@%d: %s", message.topic, message.partition, message.offset, reason
    )
    letter = DeadLetter(
        reason=reason,
        source_topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        original_value_b64=_b64(message.value),
        original_key_b64=_b64(message.key),
        failed_at=iso_utc(now),
    )
    delivery = await topic.send(key=message.key, value=letter)
    EVENTS_OUT.labels(topic.get_topic_name()).inc()
    return delivery
