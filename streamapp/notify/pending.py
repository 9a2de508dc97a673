"""One alert message in flight, and which offsets may be committed.

Each message read from `streaming-alerts` becomes a `Pending`, handed to every
destination's queue; it is finished when each destination accepted it, skipped it (its
routing or the ledger) or gave up on it. `OffsetTracker` commits a partition only up to
its first unfinished message, so after a crash the rest is read again.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

STATUSES = ("firing", "resolved")


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


def fired_epoch(alert: Mapping[str, Any]) -> float | None:
    try:
        return datetime.fromisoformat(str(alert.get("fired_at"))).timestamp()
    except ValueError:
        return None


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
