"""`streamapp notify` with Slack's Web API (bot token + channel) on the embedded Kafka,
against a loopback stand-in for `chat.postMessage` / `chat.update`: the firing's `ts`
survives a SIGKILL of notify (it lives in the `notify-deliveries` ledger), so after the
restart the resolution edits that message and replies in its thread; the firing read
again is not posted twice; the token shows in no log."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.integration.notify_helpers import (
    NotifyProcess,
    alert,
    notify_env,
    produce,
    read_all,
    wait_for,
)
from tests.servers.slack_api import SlackApi
from tests.servers.threaded import serve_in_thread

pytestmark = pytest.mark.integration
TOKEN = "xoxb-9999-8888-SLACKBOTsecret"


async def ledger_receipt(bootstrap: str, prefix: str, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entries = await read_all(bootstrap, f"{prefix}-notify-deliveries", idle_s=0.3)
        found = [e["receipt"] for e in entries if isinstance(e, dict) and e.get("receipt")]
        if found:
            return found[-1]
        await asyncio.sleep(0.2)
    raise AssertionError("no ledger entry with a receipt")


async def test_the_resolution_threads_under_the_firing_after_notify_is_killed(
    kafka_broker, unique_topic_prefix, tmp_path
):
    slack = SlackApi(token=TOKEN)
    firing = alert(f"s1-{unique_topic_prefix[-8:]}", "firing", severity="critical")
    resolved = alert(firing["alert_id"], "resolved")
    topic = f"{unique_topic_prefix}-streaming-alerts"
    with serve_in_thread(slack.app()) as (base, _call):
        env = notify_env(
            kafka_broker.bootstrap,
            unique_topic_prefix,
            STREAMAPP_NOTIFY_SLACK_BOT_TOKEN=TOKEN,
            STREAMAPP_NOTIFY_SLACK_CHANNEL="#alerts",
            STREAMAPP_NOTIFY_SLACK_API_URL=base + "/api",
        )
        log = tmp_path / "notify.log"
        proc = NotifyProcess(env, log).start()
        try:
            await wait_for(lambda: "consuming" in proc.log(), 30, "notify to start", proc)
            await produce(kafka_broker.bootstrap, topic, [firing])
            await wait_for(lambda: slack.posts, 20, "the firing in Slack", proc)
            # its ledger entry, with Slack's ts, on the topic (a kill before it lands is the
            # documented window in which a message can repeat), then no SIGTERM
            receipt = await ledger_receipt(kafka_broker.bootstrap, unique_topic_prefix)
            assert receipt == {"channel": "C0ALERTS", "ts": slack.posts[0]["ts"]}
            proc.kill()
            first_log = proc.log()

            proc = NotifyProcess(env, tmp_path / "notify-2.log").start()
            await wait_for(lambda: "consuming" in proc.log(), 30, "notify to restart", proc)
            await produce(kafka_broker.bootstrap, topic, [firing, resolved])  # firing again
            await wait_for(lambda: len(slack.posts) >= 2, 20, "the resolution", proc)
            assert proc.stop() == 0
        finally:
            proc.stop()
    [original] = slack.top_level()
    [reply] = slack.replies(original["ts"])
    assert reply["text"].startswith("[RESOLVED] piracy_surge on netflix")
    [edit] = slack.edits
    assert (edit["channel"], edit["ts"]) == ("C0ALERTS", original["ts"])
    assert slack.messages[original["ts"]]["text"].startswith("[RESOLVED]")
    assert len(slack.posts) == 2  # the firing read again after the restart: not re-posted
    for text in (first_log, proc.log()):
        assert TOKEN not in text and "SLACKBOTsecret" not in text
