"""`streamapp notify` against a real Alertmanager (Debian's prometheus-alertmanager 0.25)
on loopback, its webhook receiver a local server: a firing alert produced to Kafka shows
in Alertmanager's API and reaches the receiver once, even when re-posted; its resolution
resolves it; a silence made through the API stops delivery. Without the binary this test
FAILS (never skips): `make sysdeps` installs it."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from streamapp.embedded import free_port
from tests.integration.notify_helpers import NotifyProcess, alert, notify_env, produce, wait_for
from tests.servers.notify_receivers import Receiver
from tests.servers.threaded import serve_in_thread

pytestmark = pytest.mark.integration
BINARY = "/usr/bin/prometheus-alertmanager"
AM_CONFIG = """\
route:
  receiver: hook
  group_by: ['alert_id']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: {url}
        send_resolved: true
"""


def alertmanager_binary() -> str:
    found = BINARY if Path(BINARY).exists() else shutil.which("prometheus-alertmanager")
    if found is None:
        pytest.fail(
            "the Alertmanager test needs /usr/bin/prometheus-alertmanager: run `make sysdeps` "
            "(scripts/system_packages.sh installs Debian's prometheus-alertmanager)",
            pytrace=False,
        )
    return found


async def _get(url: str) -> object:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return await response.json() if response.status == 200 else None


async def _wait_ready(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            async with aiohttp.ClientSession() as s, s.get(f"{base}/-/ready") as r:
                if r.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"Alertmanager not ready\n{log.read_text()[-2000:]}")


def _notified(receiver: Receiver, alert_id: str, status: str) -> int:
    """Alertmanager webhook notifications for this alert with this status."""
    count = 0
    for r in receiver.on("/am"):
        body = json.loads(r.body)
        count += sum(
            1
            for a in body["alerts"]
            if a["labels"].get("alert_id") == alert_id and a["status"] == status
        )
    return count


async def test_alerts_reach_people_through_a_real_alertmanager(
    kafka_broker, unique_topic_prefix, tmp_path
):
    binary = alertmanager_binary()
    receiver = Receiver()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serve_in_thread(receiver.app()) as (hook_base, _call):
        (tmp_path / "am.yml").write_text(AM_CONFIG.format(url=f"{hook_base}/am"))
        am_log = tmp_path / "alertmanager.log"
        with open(am_log, "wb") as out:
            am = subprocess.Popen(
                [
                    binary,
                    f"--config.file={tmp_path / 'am.yml'}",
                    f"--storage.path={tmp_path / 'am-data'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--cluster.listen-address=",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        proc = NotifyProcess(
            notify_env(
                kafka_broker.bootstrap,
                unique_topic_prefix,
                STREAMAPP_NOTIFY_ALERTMANAGER_URL=base,
                STREAMAPP_NOTIFY_ALERTMANAGER_RESEND_SECONDS="1",  # re-posted every second
            ),
            tmp_path / "notify.log",
        )
        try:
            await _wait_ready(base, am, am_log)
            proc.start()
            await wait_for(lambda: "consuming" in proc.log(), 30, "notify to start", proc)
            topic = f"{unique_topic_prefix}-streaming-alerts"
            tag = unique_topic_prefix[-8:]
            first = alert(f"am1-{tag}", "firing", platform="netflix", severity="critical")
            first["top_terms"] = [{"term": "crackdown", "count": 12, "baseline": 1.0}]
            first["examples"] = [{"id": "t3_a1", "subreddit": "cordcutters", "text": "bye",
                                  "permalink": "https://www.reddit.com/r/cordcutters/comments/a1/"}]  # fmt: skip
            await produce(kafka_broker.bootstrap, topic, [first, first])  # and a redelivery

            async def listed(alert_id: str) -> list[dict]:
                alerts = await _get(f"{base}/api/v2/alerts") or []
                return [a for a in alerts if a["labels"].get("alert_id") == alert_id]

            found = await _poll(lambda: listed(first["alert_id"]), 15, "the alert in Alertmanager")
            [shown] = found
            assert shown["labels"] == {
                "alertname": "piracy_surge",
                "platform": "netflix",
                "severity": "critical",
                "source": "streamapp",
                "alert_id": first["alert_id"],
            }
            assert shown["annotations"]["message"] == first["message"]
            assert shown["annotations"]["observed"] == "42"
            assert shown["annotations"]["baseline"] == "4.5"
            assert shown["annotations"]["window"] == "2026-12-02T01:00:00Z/2026-12-02T01:01:00Z"
            assert shown["annotations"]["evidence"] == "t3_a1, t3_a2"
            # The explanation, as Alertmanager keeps it.
            assert shown["annotations"]["top_terms"] == "crackdown 12 (baseline 1)"
            assert shown["annotations"]["examples"] == (
                'r/cordcutters t3_a1: "bye" https://www.reddit.com/r/cordcutters/comments/a1/'
            )
            assert shown["status"]["state"] == "active"
            await wait_for(
                lambda: _notified(receiver, first["alert_id"], "firing"), 15, "the receiver", proc
            )
            await asyncio.sleep(
                3
            )  # re-posted three times meanwhile: still one alert, one notification
            [again] = await listed(first["alert_id"])
            assert again["updatedAt"] > shown["updatedAt"], "re-posted (kept alive), same alert"
            assert again["startsAt"] == shown["startsAt"]
            assert _notified(receiver, first["alert_id"], "firing") == 1
            assert proc.log().count(f"alert {first['alert_id']} firing to alertmanager") == 1

            # The resolution resolves it (same label set, endsAt set).
            await produce(kafka_broker.bootstrap, topic, [alert(first["alert_id"], "resolved")])
            await wait_for(
                lambda: _notified(receiver, first["alert_id"], "resolved"),
                15,
                "the resolution",
                proc,
            )
            await asyncio.sleep(2)  # no re-post brings it back
            assert [
                a for a in await listed(first["alert_id"]) if a["status"]["state"] == "active"
            ] == []

            # A silence made through Alertmanager's API stops the next alert's delivery.
            now = datetime.now(UTC)
            silence = {
                "matchers": [
                    {"name": "platform", "value": "hulu", "isRegex": False, "isEqual": True}
                ],
                "startsAt": now.isoformat(),
                "endsAt": (now + timedelta(hours=1)).isoformat(),
                "createdBy": "test",
                "comment": "maintenance",
            }
            async with (
                aiohttp.ClientSession() as s,
                s.post(f"{base}/api/v2/silences", json=silence) as r,
            ):
                assert r.status == 200, await r.text()
            second = alert(f"am2-{tag}", "firing", platform="hulu", severity="warning")
            await produce(kafka_broker.bootstrap, topic, [second])
            [muted] = await _poll(lambda: listed(second["alert_id"]), 15, "the silenced alert")
            assert muted["status"]["state"] == "suppressed" and muted["status"]["silencedBy"]
            await asyncio.sleep(3)  # group_wait 1 s: a notification would be here by now
            assert _notified(receiver, second["alert_id"], "firing") == 0
            assert len(receiver.on("/am")) == 2  # the first alert's firing and resolution
        finally:
            proc.stop()
            am.terminate()
            am.wait(10)


async def _poll(fetch, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await fetch()
        if result:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
