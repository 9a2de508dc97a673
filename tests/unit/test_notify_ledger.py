"""The delivery ledger stays bounded: old episodes are tombstoned, and what is pruned
can no longer cause a second delivery (a re-read firing is past the age limit, its
resolution finds no firing)."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from streamapp.notify.ledger import DELIVERED, DELIVERIES_CONFIG, Ledger
from streamapp.notify.retry import Backoff
from streamapp.notify.routing import Route
from streamapp.notify.senders import Destination, Outcome
from streamapp.notify.worker import DestinationWorker

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
HORIZON = NOW - timedelta(days=7)


class RecordingProducer:
    def __init__(self):
        self.sent = []

    async def send_and_wait(self, topic, key=None, value=None):
        self.sent.append((key.decode(), value))


def alert(alert_id, status, fired_at=NOW):
    return {
        "alert_id": alert_id,
        "rule": "piracy_surge",
        "platform": "netflix",
        "status": status,
        "severity": "critical" if status == "firing" else "info",
        "fired_at": fired_at.isoformat(),
    }


async def test_prune_tombstones_whole_old_episodes_only():
    producer = RecordingProducer()
    ledger = Ledger(producer, "notify-deliveries")
    old, older = NOW - timedelta(days=8), NOW - timedelta(days=9)
    # over: fired and resolved long ago
    await ledger.record("slack", alert("a", "firing"), DELIVERED, now=older)
    await ledger.record("slack", alert("a", "resolved"), DELIVERED, now=old)
    # fired long ago, resolved yesterday: the episode is kept whole
    await ledger.record("slack", alert("b", "firing"), DELIVERED, now=older)
    await ledger.record("slack", alert("b", "resolved"), DELIVERED, now=NOW - timedelta(days=1))
    # the same alert is old at one destination and recent at another: per destination
    await ledger.record("email", alert("a", "firing"), DELIVERED, now=NOW - timedelta(hours=1))
    # never resolved, old: pruned too (Alertmanager ended it by its endsAt)
    await ledger.record("slack", alert("c", "firing"), DELIVERED, now=older)

    assert await ledger.prune(HORIZON) == 3
    assert sorted(ledger.entries) == ["email|a|firing", "slack|b|firing", "slack|b|resolved"]
    tombstones = [key for key, value in producer.sent if value is None]
    assert tombstones == ["slack|a|firing", "slack|a|resolved", "slack|c|firing"]
    # A restart reading the topic (values, then tombstones) sees the same ledger.
    again = Ledger()
    for key, value in producer.sent:
        again.apply(key, value)
    assert again.entries == ledger.entries
    assert await ledger.prune(HORIZON) == 0  # nothing left to prune


def test_an_entry_with_an_unreadable_time_is_kept():
    ledger = Ledger()
    ledger.apply("slack|x|firing", b'{"destination": "slack", "alert_id": "x", "at": "?"}')
    assert ledger.expired(datetime.now(UTC) - timedelta(seconds=1)) == []


def test_the_topic_is_compacted_and_drops_tombstones_and_rolls_segments():
    assert DELIVERIES_CONFIG["cleanup.policy"] == "compact"
    assert int(DELIVERIES_CONFIG["delete.retention.ms"]) > 0
    assert int(DELIVERIES_CONFIG["segment.ms"]) <= 24 * 3600 * 1000


class CountingDestination(Destination):
    def __init__(self):
        super().__init__(id="slack", kind="slack", host="h", route=Route(), timeout_s=1)
        self.calls = []

    async def attempt(self, alert, firing):
        self.calls.append((alert["alert_id"], alert["status"]))
        return Outcome(True)


async def test_a_pruned_episode_read_again_is_not_delivered_again():
    """Pruning is safe because the retention is at least the age limit: a firing read
    again after its entries went is older than the limit, and its resolution has no
    firing to follow."""
    max_age_s = 6 * 3600.0
    ledger = Ledger()
    fired = datetime.now(UTC) - timedelta(days=8)
    await ledger.record("slack", alert("a", "firing", fired), DELIVERED, now=fired)
    await ledger.record("slack", alert("a", "resolved", fired), DELIVERED, now=fired)
    await ledger.prune(datetime.now(UTC) - timedelta(seconds=max_age_s))
    assert ledger.entries == {}
    destination = CountingDestination()
    worker = DestinationWorker(
        destination,
        ledger,
        None,
        max_attempts=1,
        backoff=Backoff(1, 1),
        max_age_s=max_age_s,
        rng=random.Random(1),
    )
    assert worker.wanted(alert("a", "firing", fired)) is None
    assert worker.wanted(alert("a", "resolved", fired)) is None
    fresh = alert("n", "firing", datetime.now(UTC))
    assert worker.wanted(fresh) == fresh  # the check itself lets a new alert through


class GatedProducer:
    """A ledger topic that takes entries only when the test opens the gate."""

    def __init__(self):
        self.gate = asyncio.Event()
        self.sent = []

    async def send_and_wait(self, topic, key=None, value=None):
        await self.gate.wait()
        self.sent.append(key.decode())


def gated_worker(destination, producer):
    ledger = Ledger(producer, "notify-deliveries")
    backoff = Backoff(1, 1)
    return DestinationWorker(
        destination, ledger, None, max_attempts=1, backoff=backoff, max_age_s=0
    )


async def test_the_next_delivery_goes_out_while_the_ledger_write_is_in_flight():
    """Pipelined: delivering does not wait for the ledger; committing does."""
    from streamapp.notify.pending import Pending

    producer = GatedProducer()
    destination = CountingDestination()
    worker = gated_worker(destination, producer)
    task = asyncio.create_task(worker.run())
    messages = []
    for n in range(3):
        a = alert(f"p{n}", "firing", datetime.now(UTC))
        messages.append(Pending("alerts", 0, n, b"k", b"{}", a, remaining=1))
        worker.queue.put_nowait(messages[-1])
    for _ in range(50):
        await asyncio.sleep(0)
    assert destination.calls == [("p0", "firing"), ("p1", "firing"), ("p2", "firing")]
    assert not any(m.done.is_set() for m in messages)  # none committable yet
    assert worker.wanted(alert("p0", "firing")) is None  # but a redelivery is skipped
    producer.gate.set()
    await asyncio.wait_for(asyncio.gather(*(m.done.wait() for m in messages)), 1)
    assert producer.sent == ["slack|p0|firing", "slack|p1|firing", "slack|p2|firing"]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_write_cut_short_by_shutdown_leaves_its_message_uncommitted():
    from streamapp.notify.pending import Pending

    producer = GatedProducer()
    worker = gated_worker(CountingDestination(), producer)
    task = asyncio.create_task(worker.run())
    message = Pending("alerts", 0, 0, b"k", b"{}", alert("q", "firing"), remaining=1)
    worker.queue.put_nowait(message)
    for _ in range(20):
        await asyncio.sleep(0)
    task.cancel()  # notify stopping: the write never landed
    await asyncio.gather(task, return_exceptions=True)
    for _ in range(5):
        await asyncio.sleep(0)
    assert not message.done.is_set() and producer.sent == []
