"""`streamapp notify` against local webhook, Slack and SMTP servers that answer 200, 429
with Retry-After, 500, and time out, on the embedded Kafka: every (alert_id, status)
reaches every destination exactly once across SIGKILLs, a destination that always fails
goes to dead-letters without holding the others back, and no secret leaks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import time
from collections import Counter

import aiohttp
import pytest
from aiosmtpd.controller import Controller

from streamapp.embedded import free_port
from tests.integration.notify_helpers import (
    NotifyProcess,
    alert,
    notify_env,
    produce,
    read_all,
    wait_for,
)
from tests.servers.faults import Fault
from tests.servers.notify_receivers import MailSink, Receiver
from tests.servers.threaded import serve_in_thread

pytestmark = pytest.mark.integration

HMAC_SECRET = "whsec-test-7f3a9c"
GOOD = "/hooks/good-GOODTOKEN123"
BROKEN = "/services/T000/B000/BROKENTOKEN456"
SLACK = "/services/T111/B111/SLACKTOKEN789"


def verify_signature(
    secret: str, header: str, body: bytes, now: float, tolerance: float = 300
) -> bool:
    """An independent receiver's check, written from docs/notify.md with hmac alone."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    if abs(now - timestamp) > tolerance:
        return False
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, fields["v1"])


def slack_key(body: bytes) -> tuple[str, str]:
    message = json.loads(body)
    status = "resolved" if message["text"].startswith("[RESOLVED]") else "firing"
    context = message["attachments"][0]["blocks"][-1]["elements"][0]["text"]
    return re.search(r"alert (\S+)$", context).group(1), status


ALERTS, KILLS = 30, 10  # the issue: SIGKILL notify during deliveries x10


async def test_every_alert_reaches_every_destination_once_across_kills(
    kafka_broker, unique_topic_prefix, tmp_path
):
    rng = random.Random(18)
    ids = [f"a{i:02d}-{unique_topic_prefix[-8:]}" for i in range(ALERTS)]
    platforms = ["netflix", "hulu", "disney_plus", "max"]
    firings = [
        alert(
            a, "firing", platform=platforms[i % 4], severity="critical" if i % 2 == 0 else "warning"
        )
        for i, a in enumerate(ids)
    ]
    resolutions = [alert(f["alert_id"], "resolved", platform=f["platform"]) for f in firings]
    messages = firings[:5] + resolutions[:3] + firings[5:] + resolutions[3:]
    expected = {(a, s) for a in ids for s in ("firing", "resolved")}
    critical = {f["alert_id"] for f in firings if f["severity"] == "critical"}
    # The always-failing webhook never showed a firing, so it gets no resolution either.
    fired = {(a, "firing") for a in ids}

    receiver = Receiver(delay=0.15)
    receiver.always[BROKEN] = 500
    receiver.faults[SLACK].extend(
        [
            Fault(429, retry_after="1"),
            Fault(500),
            Fault(503, delay=2.5),
            Fault(429, retry_after="1"),
        ]
    )
    receiver.faults[GOOD].extend([Fault(500), Fault(429, retry_after="1"), Fault(503, delay=2.5)])
    mail = MailSink(transient=2)
    smtp = Controller(mail, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        with serve_in_thread(receiver.app()) as (base, _call):
            env = notify_env(
                kafka_broker.bootstrap,
                unique_topic_prefix,
                STREAMAPP_NOTIFY_WEBHOOK_URL=f"{base}{GOOD},{base}{BROKEN}",
                STREAMAPP_NOTIFY_WEBHOOK_SECRET=HMAC_SECRET,
                STREAMAPP_NOTIFY_SLACK_WEBHOOK_URL=base + SLACK,
                STREAMAPP_NOTIFY_SMTP_HOST="127.0.0.1",
                STREAMAPP_NOTIFY_SMTP_PORT=str(smtp.port),
                STREAMAPP_NOTIFY_SMTP_FROM="streamapp@example.com",
                STREAMAPP_NOTIFY_SMTP_TO="oncall@example.com,lead@example.com",
                STREAMAPP_NOTIFY_SMTP_STARTTLS="false",
                STREAMAPP_NOTIFY_SMTP_MIN_SEVERITY="critical",
                STREAMAPP_NOTIFY_MAX_ATTEMPTS="4",  # each first message meets 3 faults
            )
            proc = NotifyProcess(env, tmp_path / "notify.log").start()
            topic = f"{unique_topic_prefix}-streaming-alerts"
            await wait_for(lambda: "consuming" in proc.log(), 30, "notify to start", proc)
            await produce(kafka_broker.bootstrap, topic, messages)

            def delivered() -> int:
                return len(receiver.received) + len(mail.messages)

            kills = 0
            started = time.monotonic()
            for _ in range(KILLS):  # SIGKILL while deliveries are under way, then start again
                before = delivered()
                await wait_for(lambda b=before: delivered() >= b + 3, 40, "new deliveries", proc)
                if delivered() >= 2 * len(expected) + 2 * len(critical) - 4:
                    break  # (almost) done: a kill now would prove nothing
                await _sleep(rng.uniform(0.0, 0.4))
                # Hold every request, so each destination with work left is blocked inside
                # one (not between an answer and its ledger entry: that millisecond window
                # repeats one message, see docs/notify.md), then kill.
                receiver.gate.close()
                mail.gate.close()
                await _sleep(0.8)  # longer than any back-off step (0.5 s) and ledger write
                proc.kill()
                kills += 1
                receiver.gate.open()
                mail.gate.open()
                proc.start()
            assert kills >= KILLS - 2, f"notify finished before it could be killed {KILLS} times"

            def complete() -> bool:
                good = {
                    (json.loads(r.body)["alert_id"], json.loads(r.body)["status"])
                    for r in receiver.on(GOOD)
                }
                slack = {slack_key(r.body) for r in receiver.on(SLACK)}
                return (
                    good == expected
                    and slack == expected
                    and len(mail.messages) >= 2 * len(critical)
                )

            await wait_for(complete, 60, "every delivery", proc)
            letters_topic = f"{unique_topic_prefix}-dead-letters"
            letters = []

            async def broken_given_up() -> bool:
                nonlocal letters
                letters = await read_all(kafka_broker.bootstrap, letters_topic, idle_s=0.5)
                return {_letter_key(x) for x in letters} == fired

            deadline = time.monotonic() + 30
            while not await broken_given_up():
                assert time.monotonic() < deadline, (
                    f"{len(letters)} dead letters\n{proc.log()[-3000:]}"
                )
            await _sleep(1.5)  # nothing more may arrive
            assert proc.stop() == 0, proc.log()[-3000:]
            log_text = proc.log()
            print(
                f"notify: {kills} kills, {len(receiver.abandoned)} requests abandoned by a "
                f"killed sender, {time.monotonic() - started:.1f} s"
            )
    finally:
        smtp.stop()
        if "proc" in locals():
            proc.stop()

    # Exactly once per (alert_id, status) at each destination, despite faults and kills.
    good = Counter(
        (json.loads(r.body)["alert_id"], json.loads(r.body)["status"]) for r in receiver.on(GOOD)
    )
    assert good == Counter(expected), good
    slack = Counter(slack_key(r.body) for r in receiver.on(SLACK))
    assert slack == Counter(expected), slack
    mails = Counter(m["Message-ID"] for m in mail.messages)
    assert mails == Counter(
        f"<{a}.{s}.email@streamapp>" for a in critical for s in ("firing", "resolved")
    ), mails
    # The webhook is signed; an independent verifier accepts it, and only it.
    for r in receiver.on(GOOD):
        header = r.headers["X-Streamapp-Signature"]
        assert verify_signature(HMAC_SECRET, header, r.body, time.time())
        assert not verify_signature(HMAC_SECRET, header, r.body + b" ", time.time())
        assert not verify_signature("another-key", header, r.body, time.time())
        body = json.loads(r.body)
        assert r.headers["X-Streamapp-Delivery"] == f"{body['alert_id']}|{body['status']}"
    # E-mail: subject, plain text and HTML.
    first = mail.messages[0]
    assert first["Subject"].startswith("[streamapp] ")
    assert {p.get_content_type() for p in first.walk()} >= {"text/plain", "text/html"}
    # The always-failing webhook: each message dead-lettered, naming it but not its URL.
    assert Counter(_letter_key(x) for x in letters) == Counter(fired), letters
    for letter in letters:
        assert re.match(
            r"notify: destination webhook-[0-9a-f]{8} \(webhook\) gave up after 4 attempts: HTTP 500",
            letter["reason"],
        ), letter
        assert letter["source_topic"] == f"{unique_topic_prefix}-streaming-alerts"
    # No secret in the log or the letters.
    shown = log_text + json.dumps(letters)
    for secret in ("GOODTOKEN123", "BROKENTOKEN456", "SLACKTOKEN789", HMAC_SECRET):
        assert secret not in shown, secret


def _letter_key(letter: dict) -> tuple[str, str]:
    value = json.loads(base64.b64decode(letter["original_value_b64"]))
    return value["alert_id"], value["status"]


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


async def test_a_failing_destination_does_not_hold_back_the_others(
    kafka_broker, unique_topic_prefix, tmp_path
):
    receiver = Receiver()
    receiver.always[BROKEN] = 503
    health_port = free_port()
    with serve_in_thread(receiver.app()) as (base, _call):
        env = notify_env(
            kafka_broker.bootstrap,
            unique_topic_prefix,
            STREAMAPP_NOTIFY_WEBHOOK_URL=f"{base}{BROKEN},{base}{GOOD}",
            STREAMAPP_NOTIFY_WEBHOOK_SECRET=HMAC_SECRET,
            STREAMAPP_NOTIFY_MAX_ATTEMPTS="3",
            STREAMAPP_NOTIFY_RETRY_FIRST_SECONDS="1",
            STREAMAPP_NOTIFY_RETRY_MAX_SECONDS="2",
            STREAMAPP_NOTIFY_HEALTH_PORT=str(health_port),
        )
        proc = NotifyProcess(env, tmp_path / "notify.log").start()
        try:
            await wait_for(lambda: "consuming" in proc.log(), 30, "notify to start", proc)
            alerts = [alert(f"b{i}-{unique_topic_prefix[-8:]}", "firing") for i in range(3)]
            await produce(kafka_broker.bootstrap, f"{unique_topic_prefix}-streaming-alerts", alerts)
            await wait_for(lambda: len(receiver.on(GOOD)) == 3, 20, "the good webhook", proc)
            # The broken one is still retrying its first message (>= 1.5 s of back-off).
            assert "gave up" not in proc.log()
            assert len(receiver.refused) < 3 * 3
            url = f"http://127.0.0.1:{health_port}/healthz"
            async with aiohttp.ClientSession() as session, session.get(url) as response:
                assert response.status == 200
                health = await response.json()
            by_kind = sorted(health["destinations"].values(), key=lambda d: d["delivered"])
            assert [d["delivered"] for d in by_kind] == [0, 3]
            assert by_kind[0]["last_error"] == "HTTP 503" and by_kind[0]["queued"] >= 1
            assert "BROKENTOKEN456" not in json.dumps(health)
            url = f"http://127.0.0.1:{health_port}/metrics"
            async with aiohttp.ClientSession() as session, session.get(url) as response:
                exposed = await response.text()
            good_id = next(k for k, d in health["destinations"].items() if d["delivered"] == 3)
            assert (
                f'streamapp_notify_deliveries_total{{destination="{good_id}",kind="webhook",'
                'outcome="delivered"} 3.0'
            ) in exposed
            assert "streamapp_notify_failed_attempts_total" in exposed
            await wait_for(
                lambda: proc.log().count("gave up after 3 attempts") == 3, 30, "dead letters", proc
            )
        finally:
            assert proc.stop() == 0
    assert "BROKENTOKEN456" not in proc.log() and "GOODTOKEN123" not in proc.log()
    assert "HTTP 503" in proc.log() and "retrying in" in proc.log()
