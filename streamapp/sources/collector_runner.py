"""One collector's rounds: load the checkpoint, fetch, deliver, checkpoint; back off on failure.

A round writes its checkpoint twice. Before sending, an *intent* (the old cursor, the
identities about to be sent and the output topic's end offsets); after Kafka has
acknowledged every record, the new cursor. A worker that dies in between leaves the
intent behind; whoever runs the collector next reads the output topic from those offsets,
finds which of the identities did arrive, and counts them as sent. The rest are fetched
and sent again (the cursor did not move past them). So a crash neither repeats a post nor
skips one, whichever worker takes over (see README "Collectors").

The clock is injected: `tick()` does nothing until the next attempt is due, so tests
drive backoff without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from streamapp.observability.metrics import COLLECTOR_STALENESS_SECONDS, EVENTS_OUT
from streamapp.sources.backoff import Backoff

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutRecord:
    topic: str  # full topic name (prefix included)
    key: str
    value: dict[str, Any]
    identity: str = ""  # what makes the record unique (a post id, keyword|timestamp)


@dataclass
class Round:
    records: list[OutRecord]
    cursor: dict[str, Any]  # the cursor to keep once the records are delivered
    notes: list[str] = field(default_factory=list)  # worth a log line (e.g. a possible gap)


class SourceError(Exception):
    """A fetch failed in a known way; the message never carries credentials."""

    def __init__(
        self, message: str, *, rate_limited: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.rate_limited = rate_limited
        self.retry_after = retry_after


class Source(Protocol):
    name: str
    topic: str  # the output topic (full name)

    async def fetch(self, cursor: dict[str, Any]) -> Round: ...

    def absorb(self, cursor: dict[str, Any], delivered: dict[str, float]) -> dict[str, Any]: ...

    def identity(self, key: bytes | None, value: bytes | None) -> tuple[str, float] | None: ...

    async def close(self) -> None: ...


def absorb_seen(cursor: dict[str, Any], delivered: dict[str, float]) -> dict[str, Any]:
    """`Source.absorb` for a source whose cursor keeps what it sent in `seen` (identity ->
    event time): the records found delivered after a crash join them, so the next fetch
    skips them."""
    seen = dict(cursor.get("seen") or {})
    seen.update(delivered)
    return {**cursor, "seen": seen}


class RecordSink(Protocol):
    async def deliver(self, records: Sequence[OutRecord]) -> None: ...


class CheckpointStore(Protocol):
    async def load(self, name: str) -> dict[str, Any]: ...

    async def save(self, name: str, state: dict[str, Any]) -> None: ...

    async def end_offsets(self, topic: str) -> dict[int, int]: ...

    async def find_delivered(
        self, topic: str, offsets: dict[int, int], wanted: set[str], source: Source
    ) -> dict[str, float]: ...


class CollectorRunner:
    def __init__(
        self,
        source: Source,
        sink: RecordSink,
        store: CheckpointStore,
        poll_seconds: float,
        *,
        clock: Callable[[], float] = time.time,
        backoff: Backoff | None = None,
    ) -> None:
        self.source = source
        self.sink = sink
        self.store = store
        self.poll_seconds = poll_seconds
        self.clock = clock
        self.backoff = backoff or Backoff()
        self.started_at = clock()
        self.next_at = self.started_at
        self.last_success_at: float | None = None
        self.last_error: str | None = None
        self.sent = 0
        self._stale_logged = False
        self._ticked = False

    @property
    def name(self) -> str:
        return self.source.name

    async def tick(self) -> bool:
        """Run a round if one is due; returns whether one ran."""
        now = self.clock()
        if not self._ticked:  # staleness counts from when this worker began collecting
            self._ticked, self.started_at = True, now
        self._report_staleness(now)
        if now < self.next_at:
            return False
        await self.run_round()
        return True

    async def run_round(self) -> int:
        """Fetch and deliver once; returns how many records were sent (0 on failure)."""
        try:
            sent = await self._round()
        except asyncio.CancelledError:
            raise
        except SourceError as exc:
            self._failed(str(exc), exc.rate_limited, exc.retry_after)
            return 0
        except Exception as exc:  # a collector must never take the worker down
            self._failed(f"{type(exc).__name__}: {exc}", False, None)
            return 0
        now = self.clock()
        if self.backoff.failures:
            log.info("%s: recovered after %d failed attempts", self.name, self.backoff.failures)
        self.backoff.on_success()
        self.last_success_at, self.last_error, self._stale_logged = now, None, False
        self.next_at = now + self.poll_seconds
        self.sent += sent
        self._report_staleness(now)
        return sent

    async def _round(self) -> int:
        state = await self.store.load(self.name)
        cursor: dict[str, Any] = state.get("cursor") or {}
        pending = state.get("pending")
        if pending:
            delivered = await self.store.find_delivered(
                self.source.topic,
                {int(p): int(o) for p, o in pending["offsets"].items()},
                set(pending["ids"]),
                self.source,
            )
            log.warning(
                "%s: the last round stopped before its checkpoint; %d of its %d records had "
                "arrived and are not sent again",
                self.name,
                len(delivered),
                len(pending["ids"]),
            )
            cursor = self.source.absorb(cursor, delivered)
            await self.store.save(self.name, {"cursor": cursor, "pending": None})
        result = await self.source.fetch(cursor)
        for note in result.notes:
            log.warning("%s: %s", self.name, note)
        if result.records:
            offsets = await self.store.end_offsets(self.source.topic)
            intent = {"ids": [r.identity for r in result.records], "offsets": offsets}
            await self.store.save(self.name, {"cursor": cursor, "pending": intent})
            await self.sink.deliver(result.records)
            EVENTS_OUT.labels(self.source.topic).inc(len(result.records))
        await self.store.save(self.name, {"cursor": result.cursor, "pending": None})
        # A quiet round is the common case at a short poll: keep it out of the INFO log.
        log.log(
            logging.INFO if result.records else logging.DEBUG,
            "%s: sent %d records",
            self.name,
            len(result.records),
        )
        return len(result.records)

    def _failed(self, reason: str, rate_limited: bool, retry_after: float | None) -> None:
        now = self.clock()
        delay = self.backoff.on_failure(rate_limited=rate_limited, retry_after=retry_after)
        self.next_at = now + delay
        self.last_error = reason
        log.warning(
            "%s: fetch failed (%s); attempt %d, circuit %s, next try in %.0f s",
            self.name,
            reason,
            self.backoff.failures,
            self.backoff.state,
            delay,
        )
        self._report_staleness(now)

    def staleness(self, now: float | None = None) -> float:
        now = self.clock() if now is None else now
        return max(0.0, now - (self.last_success_at or self.started_at))

    def is_stale(self, now: float | None = None) -> bool:
        # Two missed polls (plus a little slack) before we call a source stale.
        return self.staleness(now) > 2 * self.poll_seconds + 5

    def _report_staleness(self, now: float) -> None:
        COLLECTOR_STALENESS_SECONDS.labels(source=self.name).set(self.staleness(now))
        if self.is_stale(now) and not self._stale_logged:
            self._stale_logged = True
            log.warning(
                "%s: source is stale: no successful fetch for %.0f s (last error: %s)",
                self.name,
                self.staleness(now),
                self.last_error or "none",
            )

    def status(self) -> dict[str, Any]:
        now = self.clock()
        return {
            "stale": self.is_stale(now),
            "seconds_since_success": round(self.staleness(now), 1),
            "circuit": self.backoff.state,
            "failures": self.backoff.failures,
            "next_attempt_in": round(max(0.0, self.next_at - now), 1),
            "last_error": self.last_error,
            "sent": self.sent,
        }
