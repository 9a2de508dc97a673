"""Slack's Web API as a destination (a bot token and a channel), against a loopback
stand-in for `chat.postMessage` / `chat.update` (tests/servers/slack_api.py): a firing is
posted and its `ts` kept in the delivery ledger; after a restart (a new ledger read back
from what was written) its resolution edits it and replies in its thread; redeliveries
post nothing; Slack's `ok: false` codes and 429s are retried or refused as documented;
and the token shows nowhere but in the Authorization header."""

from __future__ import annotations

import json
import logging

import pytest

from streamapp.config import NotifySettings
from streamapp.notify.destinations import NotifyConfigError, destinations_from
from streamapp.notify.ledger import Ledger
from streamapp.notify.payloads import RESOLVED_COLOUR
from streamapp.notify.slack_api import SlackApiDestination
from tests.servers.faults import Fault
from tests.servers.reddit_server import start_site
from tests.servers.slack_api import SlackApi, slack_error
from tests.unit.test_notify import FakeLetters, _pending, _worker, make_alert, no_sleep
from tests.unit.test_notify_ledger import RecordingProducer

TOKEN = "xoxb-1111-2222-SLACKBOTsecret"
__all__ = ["no_sleep"]  # the fixture, imported for these tests


def settings(base, **extra):
    values = {"slack_bot_token": TOKEN, "slack_channel": "#alerts", "slack_api_url": base + "/api"}
    return NotifySettings(**{**values, **extra})


@pytest.fixture
async def slack():
    api = SlackApi(token=TOKEN)
    runner, base = await start_site(api.app())
    api.base = base
    yield api
    await runner.cleanup()


def _slack_worker(api, ledger, letters=None, attempts=4, **extra):
    [destination] = destinations_from(settings(api.base, **extra))
    assert isinstance(destination, SlackApiDestination) and destination.id == "slack"
    return _worker(destination, ledger, letters, attempts=attempts)


async def _handle(worker, alert):
    written = await worker.handle(_pending(alert), alert)
    if written is not None:
        await written  # the ledger entry on the (recorded) topic
    return written


async def test_the_resolution_is_threaded_and_edits_the_firing_after_a_restart(slack, caplog):
    caplog.set_level(logging.DEBUG)
    producer = RecordingProducer()
    first = _slack_worker(slack, Ledger(producer))
    firing, resolved = make_alert(), make_alert("resolved")
    await _handle(first, firing)
    [posted] = slack.posts
    assert posted["channel"] == "C0ALERTS" and "thread_ts" not in posted
    assert posted["text"].startswith("[FIRING] piracy_surge on netflix")
    await _handle(first, firing)  # Kafka redelivers it: not posted again
    assert len(slack.posts) == 1 and first.skipped == 1
    [entry] = [json.loads(v) for k, v in producer.sent if k == "slack|abc123|firing"]
    assert entry["receipt"] == {"channel": "C0ALERTS", "ts": posted["ts"]}
    await first.destination.close()

    # notify restarts: a new ledger read back from the topic, a new destination
    ledger = Ledger()
    for key, value in producer.sent:
        ledger.apply(key, value)
    second = _slack_worker(slack, ledger)
    await _handle(second, resolved)
    [reply] = slack.replies(posted["ts"])
    assert reply["channel"] == "C0ALERTS" and reply["text"].startswith("[RESOLVED]")
    [edit] = slack.edits
    assert (edit["channel"], edit["ts"]) == ("C0ALERTS", posted["ts"])
    original = slack.messages[posted["ts"]]
    assert original["text"].startswith("[RESOLVED] piracy_surge on netflix")
    assert original["attachments"][0]["color"] == RESOLVED_COLOUR
    header = original["attachments"][0]["blocks"][0]["text"]["text"]
    assert header == "Resolved: piracy_surge on netflix"
    for again in (resolved, firing):  # redeliveries after the resolution: nothing new
        await _handle(second, again)
    assert len(slack.posts) == 2 and len(slack.edits) == 1 and second.skipped == 2
    await second.destination.close()

    # the token went in the Authorization header only
    assert all(h["Authorization"] == f"Bearer {TOKEN}" for h in slack.headers)
    assert TOKEN not in caplog.text and TOKEN not in json.dumps(ledger.entries)
    assert TOKEN not in repr(settings(slack.base)) and "C0ALERTS" in json.dumps(ledger.entries)


async def test_slack_answers_map_onto_retries_and_refusals(slack, no_sleep, caplog):
    caplog.set_level(logging.DEBUG)
    slack.faults["chat.postMessage"].extend(
        [Fault(429, retry_after="7"), slack_error("ratelimited"), slack_error("internal_error")]
    )
    letters = FakeLetters()
    worker = _slack_worker(slack, Ledger(), letters)
    await _handle(worker, make_alert(alert_id="retried"))
    assert worker.delivered == 1 and len(slack.posts) == 1 and letters.sent == []
    assert no_sleep[0] >= 7.0 and len(no_sleep) == 3
    await worker.destination.close()

    for code, broken in (
        ("invalid_auth", _slack_worker(slack, Ledger(), letters, slack_bot_token="xoxb-wrong")),
        ("channel_not_found", _slack_worker(slack, Ledger(), letters, slack_channel="#nope")),
    ):
        await _handle(broken, make_alert(alert_id=code))
        assert letters.sent[-1] == (
            f"notify: destination slack (slack) gave up refused: Slack chat.postMessage: {code}"
        )
        await broken.destination.close()
    assert len(no_sleep) == 3  # refusals are not retried
    assert TOKEN not in caplog.text and "xoxb-wrong" not in caplog.text
    assert not any(TOKEN in reason for reason in letters.sent)


async def test_a_reply_that_failed_after_the_edit_is_retried_without_a_second_reply(
    slack, no_sleep
):
    ledger = Ledger()
    worker = _slack_worker(slack, ledger)
    await _handle(worker, make_alert())
    slack.faults["chat.postMessage"].append(Fault(500))  # the reply's first try
    await _handle(worker, make_alert("resolved"))
    [firing] = slack.top_level()
    assert len(slack.replies(firing["ts"])) == 1 and len(slack.edits) == 2  # edits repeat
    # an original past the workspace's edit window still gets its threaded reply
    await _handle(worker, make_alert(alert_id="old"))
    old = slack.top_level()[-1]
    slack.faults["chat.update"].append(slack_error("edit_window_closed"))
    await _handle(worker, make_alert("resolved", alert_id="old"))
    assert slack.posts[-1]["thread_ts"] == old["ts"] and len(slack.edits) == 2
    # one deleted (no message, no thread) gets the resolution on its own
    await _handle(worker, make_alert(alert_id="gone"))
    gone = slack.top_level()[-1]
    del slack.messages[gone["ts"]]
    await _handle(worker, make_alert("resolved", alert_id="gone"))
    assert "thread_ts" not in slack.posts[-1] and slack.posts[-1]["text"].startswith("[RESOLVED]")
    assert worker.dead_lettered == 0 and worker.delivered == 6
    await worker.destination.close()


async def test_a_resolution_whose_firing_has_no_receipt_is_posted_on_its_own(slack):
    """A firing delivered by the incoming webhook before the switch to a bot token."""
    ledger = Ledger()
    ledger.note("slack", make_alert(), "delivered")
    worker = _slack_worker(slack, ledger)
    await _handle(worker, make_alert("resolved"))
    [posted] = slack.posts
    assert "thread_ts" not in posted and posted["text"].startswith("[RESOLVED]")
    assert slack.edits == []
    await worker.destination.close()


def test_slack_is_a_webhook_or_a_bot_token_never_both():
    hook = "https://hooks.slack.com/services/T0/B0/XYZsecret"
    with pytest.raises(NotifyConfigError, match="choose one way") as both:
        destinations_from(settings("https://slack.com", slack_webhook_url=hook))
    with pytest.raises(NotifyConfigError, match="go together") as alone:
        destinations_from(NotifySettings(slack_bot_token=TOKEN))
    with pytest.raises(NotifyConfigError, match="SLACK_API_URL: not an http"):
        destinations_from(settings("ftp://slack.com"))
    assert TOKEN not in str(both.value) + str(alone.value)
    [api] = destinations_from(settings("https://slack.com"))
    assert (
        api.label() == "slack (slack slack.com)"
        and NotifySettings(slack_bot_token=TOKEN).configured
    )
