"""streamapp.notify without Kafka or servers: payload builders, routing, back-off with
Retry-After, the webhook signature, redaction, settings checks, the per-destination
worker (retries, dead letters, exactly-once bookkeeping) and what may be committed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from streamapp.config import NotifySettings
from streamapp.notify import payloads
from streamapp.notify.dead_letters import dead_letter_value
from streamapp.notify.destinations import NotifyConfigError, destinations_from
from streamapp.notify.ledger import DEAD_LETTERED, DELIVERED, Ledger, ledger_key
from streamapp.notify.pending import OffsetTracker, Pending, parse_alert
from streamapp.notify.redact import Redactor, redacted_host
from streamapp.notify.retry import RETRY_AFTER_CEILING_S, Backoff, parse_retry_after
from streamapp.notify.routing import Route
from streamapp.notify.senders import Destination, Outcome, WebhookDestination
from streamapp.notify.signature import sign, verify
from streamapp.notify.worker import DestinationWorker

SLACK_URL = "https://hooks.slack.com/services/T0AAA/B0BBB/xoxTOKENsecret123"


def make_alert(status="firing", severity="critical", alert_id="abc123", **extra):
    alert = {
        "alert_id": alert_id,
        "rule": "piracy_surge",
        "platform": "netflix",
        "status": status,
        "severity": severity if status == "firing" else "info",
        "window_start": "2026-12-02T01:00:00Z",
        "window_end": "2026-12-02T01:01:00Z",
        "observed": 42.0,
        "baseline": 4.25,
        "score": 7.1,
        "message": "Piracy talk about netflix is 10x its baseline",
        "evidence": ["t3_a", "t3_b"],
        "fired_at": datetime.now(UTC).isoformat(),
    }
    alert.update(extra)
    return alert


# --- payloads -------------------------------------------------------------------------


def test_alertmanager_payload_keeps_the_firing_label_set_for_the_resolution():
    firing = make_alert(fired_at="2026-12-02T01:01:05+00:00")
    resolved = make_alert("resolved", fired_at="2026-12-02T01:09:00+00:00")
    now = datetime(2026, 12, 2, 1, 2, tzinfo=UTC)
    fired = payloads.alertmanager_alert(firing, firing, now, ttl_s=240)
    ended = payloads.alertmanager_alert(resolved, firing, now, ttl_s=240)
    assert (
        fired["labels"]
        == ended["labels"]
        == {
            "alertname": "piracy_surge",
            "platform": "netflix",
            "severity": "critical",  # the firing's, not the resolution's "info"
            "source": "streamapp",
            "alert_id": "abc123",
        }
    )
    assert fired["annotations"] == {
        "message": firing["message"],
        "observed": "42",
        "baseline": "4.25",
        "window": "2026-12-02T01:00:00Z/2026-12-02T01:01:00Z",
        "evidence": "t3_a, t3_b",
    }
    assert fired["startsAt"] == ended["startsAt"] == "2026-12-02T01:01:05+00:00"
    assert fired["endsAt"] == "2026-12-02T01:06:00+00:00"  # now + ttl, re-posted before
    assert ended["endsAt"] == "2026-12-02T01:09:00+00:00"


def test_slack_message_is_readable_and_coloured_by_severity():
    firing = make_alert(severity="warning")
    message = payloads.slack_message(firing, firing)
    assert message["text"].startswith("[FIRING] piracy_surge on netflix: ")
    [attachment] = message["attachments"]
    assert attachment["color"] == payloads.SLACK_COLOURS["warning"]
    text = json.dumps(attachment["blocks"])
    for part in ("piracy_surge", "netflix", "42 vs 4.25", "warning", "t3_a, t3_b", "abc123"):
        assert part in text
    resolved = payloads.slack_message(make_alert("resolved"), firing)
    assert resolved["text"].startswith("[RESOLVED]")
    assert resolved["attachments"][0]["color"] == payloads.RESOLVED_COLOUR
    assert resolved["attachments"][0]["blocks"][0]["text"]["text"].startswith("Resolved: ")


def test_email_has_a_subject_plain_text_and_escaped_html():
    alert = make_alert(message="<script>x</script> spike")
    msg = payloads.email_message(
        alert, alert, "a@example.com", ["b@example.com", "c@example.com"], "<id@x>"
    )
    assert msg["Subject"] == "[streamapp] FIRING critical: piracy_surge on netflix"
    assert msg["To"] == "b@example.com, c@example.com" and msg["Message-ID"] == "<id@x>"
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Observed: 42" in plain and "Baseline: 4.25" in plain
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_webhook_body_is_the_alert_as_canonical_json():
    alert = make_alert()
    body = payloads.webhook_body(alert)
    assert json.loads(body) == alert
    assert body == payloads.webhook_body(dict(reversed(list(alert.items()))))


# --- routing --------------------------------------------------------------------------


def test_routes_filter_on_rule_platform_and_minimum_severity():
    route = Route.parse("piracy_surge, sentiment_drop", "netflix", "warning")
    assert route.accepts(make_alert(severity="warning"))
    assert route.accepts(make_alert(severity="critical"))
    assert not route.accepts(make_alert(severity="info"))
    assert not route.accepts(make_alert(rule="interest_spike"))
    assert not route.accepts(make_alert(platform="hulu"))
    assert Route.parse().accepts(make_alert(severity="info"))
    assert Route.parse().describe() == "every alert"
    assert "severity >= warning" in route.describe()
    with pytest.raises(ValueError):
        Route.parse(min_severity="loud")


# --- back-off -------------------------------------------------------------------------


def test_backoff_doubles_with_jitter_up_to_the_cap():
    backoff = Backoff(first_s=1.0, max_s=8.0)
    rng = random.Random(1)
    for attempt, step in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 8)]:
        waits = [backoff.delay(attempt, rng=rng) for _ in range(200)]
        assert step / 2 <= min(waits) and max(waits) <= step
        assert max(waits) - min(waits) > step / 4  # jittered, not in step


def test_retry_after_is_honoured_in_seconds_or_as_a_date():
    now = 1_800_000_000.0
    assert parse_retry_after("7", now) == 7.0
    date = format_datetime(datetime.fromtimestamp(now + 30, UTC), usegmt=True)
    assert parse_retry_after(date, now) == pytest.approx(30, abs=1)
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None
    backoff = Backoff(first_s=0.1, max_s=1.0)
    assert backoff.delay(1, retry_after_s=7.0) == 7.0  # longer than the back-off: honoured
    assert backoff.delay(5, retry_after_s=0.01) >= 0.5  # shorter: the back-off stands
    assert backoff.delay(1, retry_after_s=86_400) == RETRY_AFTER_CEILING_S


# --- signature ------------------------------------------------------------------------


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    secret, body, ts = b"whsec", b'{"alert_id":"x"}', 1_800_000_000
    header = sign(secret, ts, body)
    expected = hmac.new(secret, b"1800000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1800000000,v1={expected}"
    assert verify(secret, header, body, now=ts + 10)
    assert not verify(secret, header, body + b" ", now=ts)
    assert not verify(b"other", header, body, now=ts)
    assert not verify(secret, header, body, now=ts + 301)  # a replay, too old
    forged = header.replace("t=1800000000", "t=1800000400")  # a fresh timestamp breaks it
    assert not verify(secret, forged, body, now=ts + 400)
    assert not verify(secret, "garbage", body, now=ts)


# --- redaction and settings -----------------------------------------------------------


def test_redaction_keeps_kind_and_host_only():
    assert redacted_host(SLACK_URL) == "hooks.slack.com"
    assert redacted_host("http://user:pw@am.local:9093/x") == "am.local:9093"
    redactor = Redactor([SLACK_URL, "smtp-pass-123"])
    text = f"Cannot connect to {SLACK_URL} with smtp-pass-123 at /services/T0AAA/B0BBB/xoxTOKENsecret123"
    scrubbed = redactor.scrub(text)
    assert "xoxTOKENsecret123" not in scrubbed and "smtp-pass-123" not in scrubbed
    assert "hooks.slack.com" in scrubbed
    assert "TOKEN" not in Redactor().scrub("see https://x.example/hook/TOKEN?sig=1")


def test_settings_name_each_destination_without_its_secret(monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("STREAMAPP_NOTIFY_"):
            monkeypatch.delenv(key)
    with pytest.raises(NotifyConfigError, match="no destination configured"):
        destinations_from(NotifySettings(_env_file=None))
    with pytest.raises(NotifyConfigError, match="WEBHOOK_SECRET"):
        destinations_from(NotifySettings(_env_file=None, webhook_url="https://h.example/x"))
    with pytest.raises(NotifyConfigError, match="SMTP_FROM"):
        destinations_from(NotifySettings(_env_file=None, smtp_host="mail"))
    with pytest.raises(NotifyConfigError, match="not an http"):
        destinations_from(NotifySettings(_env_file=None, slack_webhook_url="hooks.slack.com/x"))
    monkeypatch.setenv("STREAMAPP_NOTIFY_SLACK_MIN_SEVERITY", "critical")
    found = destinations_from(
        NotifySettings(
            _env_file=None,
            alertmanager_url="http://am:9093",
            webhook_url="https://a.example/h/TOK1, https://b.example/h/TOK2",
            webhook_secret="k" * 16,
            slack_webhook_url=SLACK_URL,
            smtp_host="mail.example",
            smtp_from="s@example.com",
            smtp_to="a@example.com",
        )
    )
    labels = [d.label() for d in found]
    assert [d.kind for d in found] == ["alertmanager", "webhook", "webhook", "slack", "email"]
    assert labels[3] == "slack (slack hooks.slack.com)"
    assert "TOK1" not in repr(labels) and "xoxTOKEN" not in repr(labels)
    assert found[3].route.min_severity == "critical"
    assert found[1].id != found[2].id and found[1].id.startswith("webhook-")
    assert "xoxTOKEN" not in repr(NotifySettings(_env_file=None, slack_webhook_url=SLACK_URL))


def test_each_destination_reads_its_own_route_filter(monkeypatch):
    """One filter type, four prefixes: `STREAMAPP_NOTIFY_<DEST>_RULES/_PLATFORMS/_MIN_SEVERITY`."""
    monkeypatch.setenv("STREAMAPP_NOTIFY_ALERTMANAGER_RULES", "piracy_surge")
    monkeypatch.setenv("STREAMAPP_NOTIFY_WEBHOOK_PLATFORMS", "netflix,hulu")
    monkeypatch.setenv("STREAMAPP_NOTIFY_SLACK_MIN_SEVERITY", "warning")
    monkeypatch.setenv("STREAMAPP_NOTIFY_SMTP_MIN_SEVERITY", "critical")
    n = NotifySettings(_env_file=None)
    assert n.alertmanager_route.rules == "piracy_surge" and n.alertmanager_route.platforms == ""
    assert n.webhook_route.platforms == "netflix,hulu" and n.webhook_route.rules == ""
    assert n.slack_route.min_severity == "warning"
    assert n.smtp_route.min_severity == "critical"
    assert n.webhook_route.min_severity == "info"
    monkeypatch.setenv("STREAMAPP_NOTIFY_SMTP_MIN_SEVERITY", "loud")
    with pytest.raises(ValueError, match="min_severity"):
        NotifySettings(_env_file=None)


def test_notify_command_exits_2_without_a_destination_and_1_without_kafka(monkeypatch, capsys):
    from streamapp.cli import main
    from streamapp.embedded import free_port

    for key in list(__import__("os").environ):
        if key.startswith("STREAMAPP_NOTIFY_"):
            monkeypatch.delenv(key)
    assert main(["notify"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "streamapp notify: invalid settings: no destination configured: set "
        "STREAMAPP_NOTIFY_ALERTMANAGER_URL, STREAMAPP_NOTIFY_WEBHOOK_URL, "
        "STREAMAPP_NOTIFY_SLACK_WEBHOOK_URL, STREAMAPP_NOTIFY_SLACK_BOT_TOKEN or "
        "STREAMAPP_NOTIFY_SMTP_HOST"
    ]
    monkeypatch.setenv("STREAMAPP_NOTIFY_SLACK_WEBHOOK_URL", SLACK_URL)
    assert main(["notify", "--bootstrap", f"127.0.0.1:{free_port()}"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("streamapp notify: cannot reach Kafka at 127.0.0.1:")
    assert "xoxTOKEN" not in err[0]


# --- the destination worker -----------------------------------------------------------


class FakeDestination(Destination):
    def __init__(self, outcomes, route=None):
        super().__init__(
            id="fake", kind="webhook", host="h.example", route=route or Route(), timeout_s=1
        )
        self.outcomes = list(outcomes)
        self.calls = []

    async def attempt(self, alert, firing):
        self.calls.append((alert["alert_id"], alert["status"], firing["severity"]))
        outcome = self.outcomes.pop(0) if self.outcomes else Outcome(True)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class FakeLetters:
    def __init__(self):
        self.sent = []

    async def send_surely(self, pending, reason):
        self.sent.append(reason)


def _pending(alert):
    value = json.dumps(alert).encode()
    return Pending("alerts", 0, 7, b"netflix", value, alert, remaining=1)


def _worker(destination, ledger=None, letters=None, attempts=4, sleeps=None):
    worker = DestinationWorker(
        destination,
        ledger or Ledger(),
        letters or FakeLetters(),
        max_attempts=attempts,
        backoff=Backoff(0.5, 4.0),
        max_age_s=3600,
        rng=random.Random(3),
    )
    return worker


@pytest.fixture
def no_sleep(monkeypatch):
    waits = []

    async def fake_sleep(seconds):
        waits.append(seconds)

    monkeypatch.setattr("streamapp.notify.worker.asyncio.sleep", fake_sleep)
    return waits


async def test_retries_honour_retry_after_then_deliver_and_record(no_sleep):
    destination = FakeDestination(
        [
            Outcome(False, True, "HTTP 429", retry_after_s=9.0),
            Outcome(False, True, "HTTP 500"),
            TimeoutError(),
        ]
    )
    ledger = Ledger()
    worker = _worker(destination, ledger)
    firing = make_alert()
    await worker.handle(_pending(firing), firing)
    assert len(destination.calls) == 4 and worker.delivered == 1
    assert no_sleep[0] == 9.0 and 0.5 <= no_sleep[1] <= 1.0 and 1.0 <= no_sleep[2] <= 2.0
    assert ledger.get("fake", "abc123", "firing")["outcome"] == DELIVERED
    await worker.handle(_pending(firing), firing)  # redelivered: not sent again
    assert len(destination.calls) == 4 and worker.skipped == 1
    resolved = make_alert("resolved")
    await worker.handle(_pending(resolved), resolved)
    assert destination.calls[-1] == ("abc123", "resolved", "critical")  # the firing's severity
    await worker.handle(_pending(firing), firing)  # an old firing after its resolution
    assert len(destination.calls) == 5


async def test_giving_up_dead_letters_naming_the_destination(no_sleep):
    letters = FakeLetters()
    ledger = Ledger()
    worker = _worker(
        FakeDestination([Outcome(False, True, "HTTP 503")] * 9), ledger, letters, attempts=3
    )
    firing = make_alert()
    await worker.handle(_pending(firing), firing)
    assert letters.sent == ["notify: destination fake (webhook) gave up after 3 attempts: HTTP 503"]
    assert ledger.get("fake", "abc123", "firing")["outcome"] == DEAD_LETTERED
    resolved = make_alert("resolved")
    await worker.handle(_pending(resolved), resolved)  # never showed the firing: no resolution
    assert worker.skipped == 1
    refused = _worker(FakeDestination([Outcome(False, False, "HTTP 404")]), Ledger(), letters)
    await refused.handle(_pending(firing), firing)
    assert letters.sent[-1].endswith("gave up refused: HTTP 404")
    assert len(refused.destination.calls) == 1  # a permanent refusal is not retried


async def test_routing_and_age_decide_per_destination(no_sleep):
    destination = FakeDestination([], Route.parse(min_severity="critical"))
    worker = _worker(destination)
    warning = make_alert(severity="warning")
    await worker.handle(_pending(warning), warning)
    old = make_alert(fired_at="2020-01-01T00:00:00+00:00")
    await worker.handle(_pending(old), old)
    assert destination.calls == [] and worker.skipped == 2


def test_ledger_entries_and_open_firings():
    ledger = Ledger()
    firing = make_alert()
    ledger.apply(ledger_key("am", "abc123", "firing"), json.dumps(
        {"destination": "am", "alert_id": "abc123", "status": "firing", "outcome": DELIVERED, "alert": firing}
    ).encode())  # fmt: skip
    assert list(ledger.open_firings("am")) == [firing]
    ledger.apply(ledger_key("am", "abc123", "resolved"), b'{"outcome": "delivered"}')
    assert list(ledger.open_firings("am")) == []
    ledger.apply(ledger_key("am", "abc123", "resolved"), None)  # a tombstone
    assert list(ledger.open_firings("am")) == [firing]
    ledger.apply("junk", b"not json")
    assert "junk" not in ledger.entries


def test_commits_stop_at_the_first_unfinished_message():
    tracker = OffsetTracker()
    items = [Pending("t", 0, offset, None, b"{}", None, remaining=1) for offset in range(4)]
    for item in items:
        tracker.add("tp0", item)
    items[1].finish_one()
    assert tracker.committable() == {}
    items[0].finish_one()
    items[3].finish_one()
    assert tracker.committable() == {"tp0": 2}
    items[2].finish_one()
    assert tracker.committable() == {"tp0": 4} and tracker.in_flight == 0


def test_parse_alert_and_the_dead_letter_record():
    assert isinstance(parse_alert(json.dumps(make_alert()).encode()), dict)
    assert parse_alert(b"{").startswith("not valid JSON")
    assert parse_alert(b"[1]") == "expected a JSON object, got list"
    assert parse_alert(json.dumps(make_alert(status="open")).encode()).startswith("field 'status'")
    from streamapp.records import DeadLetter

    pending = _pending(make_alert())
    letter = dead_letter_value(pending, "notify: destination slack (slack) gave up", 1_800_000_000)
    assert set(letter) == set(DeadLetter.__annotations__) | {"schema_version"}
    assert base64.b64decode(letter["original_value_b64"]) == pending.value
    assert letter["failed_at"] == "2027-01-15T08:00:00Z"
    DeadLetter(**{k: v for k, v in letter.items() if k != "schema_version"})


async def test_webhook_attempt_signs_the_exact_body(monkeypatch):
    seen = {}

    async def fake_post(self, path, body, headers=None):
        seen.update(body=body, headers=headers)
        return Outcome(True)

    monkeypatch.setattr(WebhookDestination, "post", fake_post)
    hook = WebhookDestination(
        id="webhook-1",
        kind="webhook",
        host="h",
        route=Route(),
        timeout_s=1,
        url="https://h/x",
        secret=b"k",
    )
    alert = make_alert()
    assert (await hook.attempt(alert, alert)).accepted
    assert verify(b"k", seen["headers"]["X-Streamapp-Signature"], seen["body"])
    assert seen["headers"]["X-Streamapp-Delivery"] == "abc123|firing"
