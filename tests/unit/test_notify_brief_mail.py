"""The daily brief by e-mail: when it is due, once per day and destination (the ledger),
retried, given up after the last attempt; and the settings that turn it on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streamapp.config import NotifySettings
from streamapp.notify.brief_mail import BriefMailer, brief_id, parse_at
from streamapp.notify.destinations import NotifyConfigError, destinations_from
from streamapp.notify.ledger import DEAD_LETTERED, DELIVERED, Ledger
from streamapp.notify.retry import Backoff
from streamapp.notify.routing import Route
from streamapp.notify.senders import EmailDestination, Outcome
from tests.harness.clock import FakeClock as Clock

BRIEF = {
    "start": 0.0, "end": 86400.0, "since_s": 86400.0, "windows": 0, "flows": [],
    "alerts": {"fired": 0, "resolved": 0, "open": 0, "list": []}, "platforms": [],
    "forecasts": [],
}  # fmt: skip


class FakeEmail(EmailDestination):
    def __init__(self, outcomes=(), name="email"):
        super().__init__(
            id=name, kind="email", host="mail:25", route=Route(), timeout_s=1, smtp_host="mail",
            port=25, user="", password="", sender="s@example.com",
            recipients=["a@example.com"], starttls=False,
        )  # fmt: skip
        self.outcomes = list(outcomes)
        self.sent = []

    async def send(self, message):
        self.sent.append(message)
        return self.outcomes.pop(0) if self.outcomes else Outcome(True)


def mailer(emails, clock, ledger=None):
    async def make_brief():
        return BRIEF

    return BriefMailer(
        parse_at("07:30"), emails, ledger or Ledger(), make_brief,
        max_attempts=3, backoff=Backoff(0.01, 0.01), clock=clock,
    )  # fmt: skip


def test_it_is_due_at_its_time_and_caught_up_after_a_late_start():
    clock = Clock(datetime(2026, 12, 6, 6, 0, tzinfo=UTC))
    m = mailer([FakeEmail()], clock)
    assert m.next_due() == datetime(2026, 12, 6, 7, 30, tzinfo=UTC)
    clock.now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)  # started late, today's not sent
    assert m.next_due() == datetime(2026, 12, 6, 7, 30, tzinfo=UTC)
    m.ledger.note("email", {"alert_id": "brief-2026-12-06", "status": "sent"}, DELIVERED)
    assert m.next_due() == datetime(2026, 12, 7, 7, 30, tzinfo=UTC)


async def test_one_brief_per_day_and_destination():
    day = datetime(2026, 12, 6, 7, 30, tzinfo=UTC)
    first, second = FakeEmail(), FakeEmail([Outcome(False, True, "SMTP 451")], name="email-2")
    m = mailer([first, second], Clock(day))
    await m.send_day(day)
    await m.send_day(day)  # a second turn the same day: nothing
    assert len(first.sent) == 1 and len(second.sent) == 2  # one retry after the 451
    message = first.sent[0]
    assert message["Subject"] == "[streamapp] Daily brief 2026-12-06"
    assert message["Message-ID"] == "<brief-2026-12-06.email@streamapp>"
    assert "Alerts: 0 fired" in message.get_body(("plain",)).get_content()
    assert message.get_body(("html",)).get_content().startswith("<!doctype html>")
    assert m.ledger.get("email-2", brief_id(day), "sent")["outcome"] == DELIVERED


async def test_a_day_given_up_is_not_retried():
    day = datetime(2026, 12, 6, 7, 30, tzinfo=UTC)
    email = FakeEmail([Outcome(False, False, "SMTP 550")])
    m = mailer([email], Clock(day))
    await m.send_day(day)
    await m.send_day(day)
    assert len(email.sent) == 1
    assert m.ledger.get("email", brief_id(day), "sent")["outcome"] == DEAD_LETTERED


def test_the_brief_needs_email_and_a_time_of_day(monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("STREAMAPP_NOTIFY_"):
            monkeypatch.delenv(key)
    with pytest.raises(NotifyConfigError, match="BRIEF_AT is set.*SMTP_HOST"):
        destinations_from(
            NotifySettings(_env_file=None, brief_at="07:30", slack_webhook_url="https://h/x")
        )
    for bad in ("7:30", "24:00", "07:60", "noon"):
        with pytest.raises(ValueError, match="brief_at"):
            NotifySettings(_env_file=None, brief_at=bad)


async def test_a_brief_that_cannot_be_built_stays_owed(monkeypatch):
    waits = []

    async def fake_sleep(seconds):
        waits.append(seconds)

    monkeypatch.setattr("streamapp.notify.brief_mail.asyncio.sleep", fake_sleep)
    day = datetime(2026, 12, 6, 7, 30, tzinfo=UTC)
    email = FakeEmail()
    m = mailer([email], Clock(day))

    async def kafka_away():
        raise ConnectionError("broker away")

    m.make_brief = kafka_away
    await m.send_day(day)
    assert email.sent == [] and waits == [60.0] and m.owed(day) == [email]
