"""Dead letters: a message that could not be used, why, and its original bytes.

A message too large to carry is recorded by its size and SHA-256 instead of its bytes
(docs/hardening.md): one over `max_message_bytes`, or one whose letter Kafka would
refuse (then the letter is sent again in that form).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from collections.abc import Awaitable
from typing import Any

import faust
from aiokafka.errors import MessageSizeTooLargeError, RecordListTooLargeError
from faust.types import Message

from streamapp.observability.metrics import DEAD_LETTERS, EVENTS_OUT
from streamapp.records import DeadLetter
from streamapp.records.raw import DEFAULT_LIMITS, iso_utc

log = logging.getLogger(__name__)
REASON_CHARS = 1000  # a reason quoting a huge field must not make the letter huge
# A letter's key plus value must stay under the producer's request limit (Faust's
# default 1,000,000 bytes) and the broker's message.max.bytes (1 MiB by default).
LETTER_BUDGET_BYTES = 990_000
_TOO_LARGE = (MessageSizeTooLargeError, RecordListTooLargeError)


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _sha256(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def _too_large(exc: BaseException) -> bool:
    """Kafka refused the letter for its size (aiokafka's error, or Faust's wrapping)."""
    return isinstance(exc, _TOO_LARGE) or isinstance(exc.__cause__, _TOO_LARGE)


def dead_letter(
    message: Message, reason: str, now: float, max_message_bytes: int, hashed: bool = False
) -> tuple[bytes | None, DeadLetter]:
    """(the letter's Kafka key, the letter). The bytes are left out, hashed instead, when
    the value is over `max_message_bytes`, when `hashed`, or when the letter would not fit
    in a Kafka message; the key too if it alone is that large."""
    value, key = message.value, message.key
    if len(reason) > REASON_CHARS:
        reason = f"{reason[:REASON_CHARS]}... ({len(reason)} chars)"

    def letter(hash_value: bool, hash_key: bool) -> DeadLetter:
        return DeadLetter(
            reason=reason,
            source_topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            original_value_b64=None if hash_value else _b64(value),
            original_key_b64=None if hash_key else _b64(key),
            failed_at=iso_utc(now),
            original_size=len(value or b""),
            original_sha256=_sha256(value) if hash_value else None,
            original_key_sha256=_sha256(key) if hash_key else None,
        )

    def fits(candidate: DeadLetter, with_key: bool) -> bool:
        return len(candidate.dumps()) + (len(key or b"") if with_key else 0) <= LETTER_BUDGET_BYTES

    hash_value = hashed or len(value or b"") > max_message_bytes
    built = letter(hash_value, False)
    if fits(built, True):
        return key, built
    built = letter(True, False)
    if fits(built, True):
        return key, built
    return None, letter(True, True)


async def send_dead_letter(
    topic: faust.TopicT,
    message: Message,
    reason: str,
    now: float,
    *,
    cause: str = "invalid",
    max_message_bytes: int = DEFAULT_LIMITS.max_message_bytes,
) -> Awaitable[Any]:
    """Send the letter; returns its delivery (await it to know Kafka has it). `cause` is
    the metric's reason class (invalid or error; too_large when the bytes are left out).

    If Kafka refuses the letter for its size, it is sent again without the bytes."""
    log.warning(
        "dead letter from %s[%d]@%d: %s",
        message.topic,
        message.partition,
        message.offset,
        reason[:REASON_CHARS],
    )
    key, letter = dead_letter(message, reason, now, max_message_bytes)
    try:
        delivery = await topic.send(key=key, value=letter)
    except Exception as exc:
        if not _too_large(exc) or letter.original_sha256 is not None:
            raise
        key, letter = dead_letter(message, reason, now, max_message_bytes, hashed=True)
        delivery = await topic.send(key=key, value=letter)

    async def delivered() -> Any:
        nonlocal letter
        try:
            result = await delivery
        except Exception as exc:
            if not _too_large(exc) or letter.original_sha256 is not None:
                raise
            log.warning("dead letter too large for Kafka; sending its size and hash instead")
            hashed_key, letter = dead_letter(message, reason, now, max_message_bytes, True)
            result = await (await topic.send(key=hashed_key, value=letter))
        EVENTS_OUT.labels(topic.get_topic_name()).inc()
        DEAD_LETTERS.labels(message.topic, "too_large" if letter.original_sha256 else cause).inc()
        return result

    done = asyncio.ensure_future(delivered())
    done.add_done_callback(_retrieve)
    return done


def _retrieve(done: asyncio.Future[Any]) -> None:
    """Callers that do not wait for the delivery still see a failure, in the log."""
    if not done.cancelled() and done.exception() is not None:
        log.error("a dead letter was not delivered: %r", done.exception())
