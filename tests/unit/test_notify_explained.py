"""Notify shows an alert's explanation: Alertmanager annotations, Slack blocks, e-mail
rows; and an alert without one (an older worker) looks as it did."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from streamapp.notify import payloads

EXPLAINED = {
    "top_terms": [
        {"term": "crackdown", "count": 12, "baseline": 1.0},
        {"term": "password", "count": 9, "baseline": 0.5},
    ],
    "examples": [
        {
            "id": "t3_a",
            "subreddit": "cordcutters",
            "text": "Leaving <now> & for good",
            "permalink": "https://www.reddit.com/r/cordcutters/comments/a/",
        },
        {"id": "t3_b", "subreddit": "sim", "text": "no link here"},
    ],
    "switch_flow": {"from": "netflix", "to": "max", "count": 7},
}


def alert(**extra):
    found = {
        "alert_id": "abc",
        "rule": "switching_surge",
        "platform": "netflix",
        "status": "firing",
        "severity": "warning",
        "window_start": "2026-12-02T01:00:00Z",
        "window_end": "2026-12-02T01:01:00Z",
        "observed": 30.0,
        "baseline": 4.0,
        "score": 5.0,
        "message": "Netflix: posts about switching away at 30",
        "evidence": ["t3_a", "t3_b"],
        "fired_at": "2026-12-02T01:01:05Z",
    }
    found.update(extra)
    return found


def test_alertmanager_annotations_carry_the_explanation_as_strings():
    a = alert(**EXPLAINED)
    body = payloads.alertmanager_alert(a, a, datetime.now(UTC), 240)
    notes = body["annotations"]
    assert notes["top_terms"] == "crackdown 12 (baseline 1), password 9 (baseline 0.5)"
    assert notes["switch_flow"] == "netflix -> max (7 posts)"
    assert notes["examples"].splitlines() == [
        'r/cordcutters t3_a: "Leaving <now> & for good" '
        "https://www.reddit.com/r/cordcutters/comments/a/",
        'r/sim t3_b: "no link here"',
    ]
    assert all(isinstance(v, str) for v in notes.values())
    plain = payloads.alertmanager_alert(alert(), alert(), datetime.now(UTC), 240)
    assert set(plain["annotations"]) == {"message", "observed", "baseline", "window", "evidence"}
    bare = payloads.alertmanager_alert(alert(evidence=[]), alert(), datetime.now(UTC), 240)
    assert "evidence" not in bare["annotations"]


def test_slack_shows_terms_flow_and_linked_escaped_examples():
    a = alert(**EXPLAINED)
    message = payloads.slack_message(a, a)
    texts = [
        b["text"]["text"]
        for b in message["attachments"][0]["blocks"]
        if b["type"] == "section" and "text" in b
    ]
    facts = next(t for t in texts if t.startswith("*Rising terms*"))
    assert "crackdown 12 (baseline 1)" in facts
    assert "*Leading flow*: netflix -&gt; max (7 posts)" in facts
    posts = next(t for t in texts if t.startswith("*Example posts*"))
    assert (
        "<https://www.reddit.com/r/cordcutters/comments/a/|r/cordcutters>: "
        "Leaving &lt;now&gt; &amp; for good" in posts
    )
    assert "• r/sim: no link here" in posts
    before = payloads.slack_message(alert(), alert())
    assert len(message["attachments"][0]["blocks"]) == len(before["attachments"][0]["blocks"]) + 2
    json.dumps(message)


def test_email_lists_the_explanation_in_text_and_html():
    a = alert(**EXPLAINED)
    message = payloads.email_message(a, a, "s@example.com", ["r@example.com"], "<id@x>")
    text = message.get_body(("plain",)).get_content()
    assert "Rising terms: crackdown 12 (baseline 1)" in text
    assert "Leading flow: netflix -> max (7 posts)" in text
    assert 'Example: r/cordcutters t3_a: "Leaving <now> & for good" https://www.reddit.com/' in text
    page = message.get_body(("html",)).get_content()
    assert (
        "<a href='https://www.reddit.com/r/cordcutters/comments/a/'>r/cordcutters t3_a</a>" in page
    )
    assert "Leaving &lt;now&gt; &amp; for good" in page and "<now>" not in page
    plain = payloads.email_message(alert(), alert(), "s@example.com", ["r@example.com"], "<i@x>")
    assert "Rising terms" not in plain.get_body(("plain",)).get_content()


def test_the_webhook_carries_the_fields_as_they_are():
    a = alert(**EXPLAINED)
    assert json.loads(payloads.webhook_body(a))["switch_flow"] == EXPLAINED["switch_flow"]


BREACH = {
    "rule": "forecast_breach",
    "message": "Netflix: mentions at 40.00, above the forecast band 1.20-10.80 (naive "
    "forecast 6.00), during netflix price_change",
    "top_terms": [{"term": "price", "count": 30, "baseline": 0.5}],
    "examples": [{"id": "t3_p", "subreddit": "netflix", "text": "the <new> price"}],
    "drivers": [
        {"name": "price_change", "platform": "netflix", "date": "2026-12-01",
         "end_date": "2026-12-07"},
        {"name": "launch", "platform": "", "date": "2026-12-02", "end_date": "2026-12-02"},
    ],
}  # fmt: skip


def test_a_forecast_breach_shows_its_terms_examples_and_known_drivers_everywhere():
    a = alert(**BREACH)
    drivers = "netflix price_change (2026-12-01..2026-12-07), all platforms launch (2026-12-02..2026-12-02)"
    notes = payloads.alertmanager_alert(a, a, datetime.now(UTC), 240)["annotations"]
    assert notes["drivers"] == drivers and notes["top_terms"] == "price 30 (baseline 0.5)"
    assert notes["examples"] == 'r/netflix t3_p: "the <new> price"' and "switch_flow" not in notes
    blocks = payloads.slack_message(a, a)["attachments"][0]["blocks"]
    facts = next(b["text"]["text"] for b in blocks if "*Rising terms*" in str(b))
    assert facts == f"*Rising terms*: price 30 (baseline 0.5)\n*Known drivers*: {drivers}"
    assert any("the &lt;new&gt; price" in str(b) for b in blocks)
    message = payloads.email_message(a, a, "s@example.com", ["r@example.com"], "<id@x>")
    assert f"Known drivers: {drivers}" in message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert f"<th align='left'>Known drivers</th><td>{drivers}</td>" in page
