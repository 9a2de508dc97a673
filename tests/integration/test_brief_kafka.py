"""`streamapp brief` against real Kafka: windows, alerts and forecasts produced to the
topics, the command run as a user runs it, its page and its HTML file checked."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from tests.integration.notify_helpers import alert, notify_env, produce

pytestmark = pytest.mark.integration
HOUR = 3600.0


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def window(platform: str, start: float, mentions: int, **extra: object) -> dict:
    return {
        "window_id": f"{platform}|{start:.3f}",
        "platform": platform,
        "window_start": iso(start),
        "window_end": iso(start + 60),
        "mentions": mentions,
        "intent_counts": {"piracy": extra.get("piracy", 0)},
        "interest_sum": 0.0,
        "interest_count": 0,
        "interest_mean": None,
        "switching_to": extra.get("switching_to", {}),
        "switching_from": {},
        "revision": 0,
    }


async def test_brief_reads_the_topics_and_writes_its_page(
    kafka_broker, unique_topic_prefix, tmp_path
):
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "-"
    now = time.time()
    start = (now // 60) * 60 - 2 * HOUR
    await produce(bootstrap, prefix + "platform-windows", [
        window("netflix", start, 30, piracy=6, switching_to={"max": 4}),
        window("hulu", start, 10),
        window("netflix", start - 26 * HOUR, 10, piracy=1),  # the day before
        window("hulu", start - 26 * HOUR, 10),
    ])  # fmt: skip
    fired = alert("brief-a", "firing", fired_at=iso(now - HOUR))
    await produce(bootstrap, prefix + "streaming-alerts", [fired, fired])
    await produce(bootstrap, prefix + "platform-forecasts", [{
        "platform": "netflix", "metric": "mentions", "generated_at": iso(start - 600),
        "points": [{"timestamp": iso(start), "yhat": 20, "yhat_lower": 15, "yhat_upper": 25}],
    }])  # fmt: skip
    page = tmp_path / "brief.html"
    done = subprocess.run(
        [sys.executable, "-m", "streamapp", "brief", "--since", "24h", "--html", str(page)],
        env=notify_env(bootstrap, unique_topic_prefix),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Alerts: 1 fired, 0 resolved, 1 still open" in out
    assert "Netflix   30        75.0%  +25.0 pp" in out  # 30 of 40 today, 10 of 20 before
    assert "Netflix  Max  4" in out
    assert "Netflix   6 (before 1, +5)" in out
    assert "Netflix   mentions  1        30.0         20.0           10.0  0.0%" in out
    html = page.read_text()
    assert html.startswith("<!doctype html>") and "<h2>Top switching flows</h2>" in html
    assert "<td>Max</td><td>4</td>" in html

    # Kafka away: one line, exit 1, as every short-lived command.
    from streamapp.embedded import free_port

    away = subprocess.run(
        [sys.executable, "-m", "streamapp", "brief", "--bootstrap", f"127.0.0.1:{free_port()}"],
        env=notify_env(bootstrap, unique_topic_prefix),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert away.returncode == 1
    assert away.stderr.strip().startswith("streamapp brief: cannot reach Kafka")


async def test_notify_mails_the_brief_once_a_day_across_a_restart(
    kafka_broker, unique_topic_prefix, tmp_path
):
    """`STREAMAPP_NOTIFY_BRIEF_AT` = this very minute: `notify` sends today's brief at
    start; restarted, it finds the day in its ledger and sends nothing more."""
    from aiosmtpd.controller import Controller

    from streamapp.embedded import free_port
    from tests.integration.notify_helpers import NotifyProcess, wait_for
    from tests.servers.notify_receivers import MailSink

    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "-"
    start = (time.time() // 60) * 60 - 2 * HOUR
    await produce(bootstrap, prefix + "platform-windows", [window("netflix", start, 12)])
    mail = MailSink()
    smtp = Controller(mail, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = notify_env(
        bootstrap,
        unique_topic_prefix,
        STREAMAPP_NOTIFY_SMTP_HOST="127.0.0.1",
        STREAMAPP_NOTIFY_SMTP_PORT=str(smtp.port),
        STREAMAPP_NOTIFY_SMTP_FROM="streamapp@example.com",
        STREAMAPP_NOTIFY_SMTP_TO="lead@example.com",
        STREAMAPP_NOTIFY_SMTP_STARTTLS="false",
        STREAMAPP_NOTIFY_BRIEF_AT=time.strftime("%H:%M", time.gmtime()),
    )
    try:
        for run in range(2):
            proc = NotifyProcess(env, tmp_path / f"notify-{run}.log").start()
            try:
                await wait_for(lambda p=proc: "consuming" in p.log(), 30, "notify", proc)
                if run == 0:
                    await wait_for(lambda: mail.messages, 30, "the brief by e-mail", proc)
                else:
                    await asyncio.sleep(4)  # time enough to send it again, were it owed
            finally:
                assert proc.stop() == 0
    finally:
        smtp.stop()
    [message] = mail.messages
    day = time.strftime("%Y-%m-%d", time.gmtime())
    assert message["Subject"] == f"[streamapp] Daily brief {day}"
    body = message.get_payload()[0].get_payload(decode=True).decode()
    assert "Netflix   12        100.0%" in body
