"""The daily brief by e-mail (`STREAMAPP_NOTIFY_BRIEF_AT`, HH:MM UTC; docs/brief.md).

Once a day at that time `notify` reads the topics, builds the brief of the last 24 hours
(streamapp.brief) and sends it to each e-mail destination's recipients. Once per day and
destination, across restarts: the ledger gets an entry `<destination>|brief-<date>|sent`
(written before the next day's brief can be due), and a `notify` that starts after
today's time without that entry sends today's brief then (a restart or a deploy at the
wrong minute does not lose a day). Retries as for alerts; after the last attempt the day
is given up, logged, and not retried.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any

from streamapp.notify.dead_letters import kafka_retry
from streamapp.notify.ledger import DEAD_LETTERED, DELIVERED, Ledger
from streamapp.notify.retry import Backoff
from streamapp.notify.senders import EmailDestination

log = logging.getLogger("streamapp.notify")
SENT = "sent"
REBUILD_AFTER_S = 60.0  # the topics could not be read (Kafka away): try again after this


def parse_at(text: str) -> time:
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes), tzinfo=UTC)


def due_today(now: datetime, at: time) -> datetime:
    return datetime.combine(now.date(), at)


def brief_id(day: datetime) -> str:
    return f"brief-{day.date().isoformat()}"


def message(brief: dict[str, Any], email: EmailDestination, day: datetime) -> EmailMessage:
    from streamapp.brief import render

    found = EmailMessage()
    found["Subject"] = f"[streamapp] Daily brief {day.date().isoformat()}"
    found["From"] = email.sender
    found["To"] = ", ".join(email.recipients)
    found["Message-ID"] = f"<{brief_id(day)}.{email.id}@streamapp>"
    found.set_content(render.text(brief))
    found.add_alternative(render.page(brief), subtype="html")
    return found


class BriefMailer:
    """Sleeps until the brief is due, then sends it to every e-mail destination."""

    def __init__(
        self,
        at: time,
        emails: list[EmailDestination],
        ledger: Ledger,
        make_brief: Callable[[], Awaitable[dict[str, Any]]],
        *,
        max_attempts: int,
        backoff: Backoff,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.at, self.emails, self.ledger, self.make_brief = at, emails, ledger, make_brief
        self.max_attempts, self.backoff, self.clock = max_attempts, backoff, clock
        self.rng = random.Random()
        self.sent = 0

    def owed(self, day: datetime) -> list[EmailDestination]:
        return [e for e in self.emails if self.ledger.get(e.id, brief_id(day), SENT) is None]

    def next_due(self) -> datetime:
        """Today's time if today's brief is still owed (even if late), else tomorrow's."""
        now = self.clock()
        today = due_today(now, self.at)
        if now >= today and self.owed(today):
            return today
        return today if now < today else today + timedelta(days=1)

    async def run(self) -> None:
        while True:
            due = self.next_due()
            await asyncio.sleep(max(0.0, (due - self.clock()).total_seconds()))
            await self.send_day(due)

    async def send_day(self, day: datetime) -> None:
        owed = self.owed(day)
        if not owed:
            return
        try:
            brief = await self.make_brief()
        except Exception as exc:  # Kafka away: the next turn tries again
            log.warning(
                "notify: the daily brief could not be built (%s); trying again in %.0f s",
                type(exc).__name__,
                REBUILD_AFTER_S,
            )
            await asyncio.sleep(REBUILD_AFTER_S)
            return
        for email in owed:
            outcome = await self._send(email, message(brief, email, day))
            verdict = DELIVERED if outcome else DEAD_LETTERED
            written = self.ledger.note(
                email.id, {"alert_id": brief_id(day), "status": SENT}, verdict
            )
            await kafka_retry(
                "writing the delivery ledger",
                lambda written=written: self.ledger.write(*written),  # type: ignore[misc]
            )
            self.sent += bool(outcome)

    async def _send(self, email: EmailDestination, found: EmailMessage) -> bool:
        for attempt in range(1, self.max_attempts + 1):
            outcome = await email.send(found)
            if outcome.accepted:
                log.info("notify: daily brief %s to %s", found["Message-ID"], email.label())
                return True
            if not outcome.retryable or attempt == self.max_attempts:
                log.error("notify: daily brief to %s given up: %s", email.label(), outcome.detail)
                return False
            await asyncio.sleep(self.backoff.delay(attempt, outcome.retry_after_s, self.rng))
        return False
