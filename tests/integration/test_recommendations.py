"""GET /recommendations/<account> on two real workers and the real Kafka: simulated viewers
and their catalogue in; the same answer from either worker (the other one forwards to the
owner), 404 and 400 with reasons, never a title the account cannot watch, a catalogue
move followed live by both workers, the latency of local and forwarded requests, and
the same answers after one worker is killed and the other takes its partitions over."""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from streamapp import topics
from streamapp.analytics.recommend.catalogue import TitleCatalogue
from streamapp.records.catalogue import parse_title_record
from streamapp.records.raw import hash_author, iso_utc
from streamapp.records.viewing import VIEWING_SCHEMA_VERSION
from streamapp.sources.producer import encode_value
from streamapp.sources.viewers.simulator import ViewerSimulator
from tests.harness.kafka import prepare_topics, produce, read_until
from tests.harness.worker import Worker

pytestmark = pytest.mark.integration
DAY = 86_400.0
T0 = (time.time() // DAY - 4) * DAY  # midnight four days ago: times the worker accepts
DAYS = 3
SALT = "streamapp-default-salt"  # the workers' (unset) STREAMAPP_AUTHOR_SALT
CLEAR = "clear-user-1"  # an account a producer keys by its clear id


def clear_id_events() -> list[tuple[str, bytes]]:
    def event(n: int, kind: str, **fields: Any) -> tuple[str, bytes]:
        value = {
            "event_id": f"clear-{n}",
            "account": CLEAR,
            "platform": "netflix",
            "type": kind,
            "ts": iso_utc(T0 + DAY + n * 60),
            "schema_version": VIEWING_SCHEMA_VERSION,
            **fields,
        }
        return CLEAR, encode_value(value)

    return [event(0, "session_start"), event(1, "play", title_id="net-dra-000", position_s=0.0)]


def subscriptions(values: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Per account hash, the platforms it subscribes to after these events: any event on a
    platform but a cancel, the last one counting."""
    last: dict[tuple[str, str], str] = {}
    for v in values:
        last[(v["account"], v["platform"])] = v["type"]
    subs: dict[str, set[str]] = {}
    for (account, platform), kind in last.items():
        subs.setdefault(account, set())
        if kind != "cancel":
            subs[account].add(platform)
    return subs


class Client:
    """Keep-alive HTTP to one worker, as a service calling it would hold."""

    def __init__(self, worker: Worker) -> None:
        self.url = f"http://127.0.0.1:{worker.web_port}"
        self.conn = http.client.HTTPConnection("127.0.0.1", worker.web_port, timeout=10)

    def get(self, account: str, n: int | str = 10) -> tuple[int, dict[str, Any]]:
        self.conn.request("GET", f"/recommendations/{quote(account, safe='')}?n={n}")
        response = self.conn.getresponse()
        return response.status, json.loads(response.read())


def until(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, f"{what} within {timeout:.0f} s"
            return result
        time.sleep(0.5)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def test_two_workers_give_the_same_recommendations_routed_to_the_owner(
    kafka_broker, unique_topic_prefix, tmp_path
) -> None:
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    await prepare_topics(bootstrap, prefix)
    sim = ViewerSimulator(seed=4, accounts=60, start=T0)
    events = [(e.key, encode_value(e.value)) for e in sim.events_between(T0, T0 + DAYS * DAY)]
    titles = sim.catalogue_updates()
    catalogue = TitleCatalogue()
    for title in titles:
        catalogue.update(parse_title_record(encode_value(title.value)))
    # The catalogue is on its topic before the workers start: they read it at once.
    await produce(
        bootstrap,
        prefix + topics.TITLE_CATALOGUE,
        [(t.key, encode_value(t.value)) for t in titles],
    )
    a = Worker(bootstrap, prefix, tmp_path / "a", {}).start()
    b = Worker(bootstrap, prefix, tmp_path / "b", {}).start()
    try:
        a.wait_ready(90)
        b.wait_ready(90)
        await produce(bootstrap, prefix + topics.VIEWING_EVENTS, events + clear_id_events())
        values = [json.loads(v) for _, v in events]
        subs = subscriptions(values)
        accounts = sorted(subs)
        ca, cb = Client(a), Client(b)

        def all_folded() -> bool:
            return all(ca.get(account)[0] == 200 for account in accounts)

        until(all_folded, 60, f"every account answered\n{a.log_tail()}\n{b.log_tail()}")

        def same_everywhere() -> dict[str, dict[str, Any]]:
            answers = {}
            for account in accounts:
                sa, from_a = ca.get(account)
                sb, from_b = cb.get(account)
                if (sa, from_a) != (sb, from_b):
                    return {}
                answers[account] = from_a
            return answers

        answers = until(same_everywhere, 20, "the same answer from both workers")
        served_by = {answer["served_by"] for answer in answers.values()}
        assert served_by == {ca.url, cb.url}  # each worker owns some: the others were routed
        listed = 0
        for account, answer in answers.items():
            assert answer["account"] == account and answer["n"] == 10
            assert answer["model_version"] == "rec-blend-1"
            rows = answer["recommendations"]
            listed += len(rows)
            assert len({r["title_id"] for r in rows}) == len(rows) <= 10
            for r in rows:  # never a title the account cannot watch now
                assert r["platform"] in subs[account], (account, r)
                assert catalogue.platform_of(r["title_id"]) == r["platform"], r
                assert r["reason"] and isinstance(r["score"], float)
        assert listed > 5 * len(accounts)

        # A producer that keys by a clear id: asked by that id, answered for its hash.
        status, clear = ca.get(CLEAR, 3)
        assert status == 200 and clear["account"] == hash_author(CLEAR, SALT)
        assert len(clear["recommendations"]) == 3 and cb.get(CLEAR, 3) == (200, clear)

        # Unknown and malformed, from either worker.
        nobody = hash_author("nobody", SALT)
        for client in (ca, cb):
            status, body = client.get(nobody)
            assert status == 404 and "no viewing events of account" in body["error"]
            assert SALT not in body["error"]
            for account, n, reason in (
                (accounts[0], 0, "n must be within 1-100, got 0"),
                (accounts[0], "ten", "n must be a whole number"),
                ("a b", 5, "only letters, digits"),
                ("x" * 65, 5, "longer than 64 characters"),
            ):
                status, body = client.get(account, n)
                assert status == 400 and reason in body["error"], body

        # A title leaves its platform: neither worker recommends it any more.
        account = next(acc for acc, ans in answers.items() if ans["recommendations"])
        gone = answers[account]["recommendations"][0]["title_id"]
        moved = dict(next(t.value for t in titles if t.key == gone))
        moved.update(platform=None, ts=iso_utc(T0 + DAYS * DAY))
        await produce(bootstrap, prefix + topics.TITLE_CATALOGUE, [(gone, encode_value(moved))])

        def left() -> bool:
            return all(
                gone not in {r["title_id"] for r in c.get(account)[1]["recommendations"]}
                for c in (ca, cb)
            )

        until(left, 20, f"{gone} dropped after it left its platform")

        # A catalogue of your own: `streamapp catalogue load` writes it where they read.
        example = Path(__file__).resolve().parents[2] / "examples" / "catalogue.csv"
        loaded = subprocess.run(
            [sys.executable, "-m", "streamapp", "catalogue", "load", str(example)]
            + ["--bootstrap", bootstrap],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "STREAMAPP_TOPIC_PREFIX": prefix},
        )
        assert loaded.returncode == 0, loaded.stderr
        assert "11 titles loaded" in loaded.stdout
        records = await read_until(
            bootstrap,
            prefix + topics.TITLE_CATALOGUE,
            lambda r: any(x["title_id"] == "old-com-001" for x in r),
            timeout=20,
        )
        assert {x["title_id"]: x["platform"] for x in records}["old-com-001"] is None

        # The command asks the cluster the same way.
        done = subprocess.run(
            [sys.executable, "-m", "streamapp", "recommend", account, "--url", ca.url, "--json"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == ca.get(account)[1]

        # Latency from worker a, over a kept-alive connection: its own accounts and the
        # ones it forwards to b (strict figures: `python -m bench recommend`).
        timings: dict[str, list[float]] = {ca.url: [], cb.url: []}
        for i in range(200):
            target = accounts[i % len(accounts)]
            started = time.perf_counter()
            status, body = ca.get(target)
            took = (time.perf_counter() - started) * 1000
            assert status == 200
            timings[body["served_by"]].append(took)
        local, routed = timings[ca.url], timings[cb.url]
        print(
            f"\nGET /recommendations, 2 workers, {len(local)} local / {len(routed)} routed:"
            f" local p50 {statistics.median(local):.1f} ms p99 {percentile(local, 0.99):.1f} ms,"
            f" routed p50 {statistics.median(routed):.1f} ms p99 {percentile(routed, 0.99):.1f} ms"
        )
        # Generous: a shared 2-core machine; the 20 ms is measured in the bench.
        assert percentile(local, 0.99) < 250 and percentile(routed, 0.99) < 250

        # b dies without a word: a takes its partitions over, restores their profiles from
        # the changelog and rebuilds their models, and answers as b did.
        before = {account: ca.get(account)[1] for account in accounts}
        b.kill()

        def a_serves_all() -> bool:
            return all(ca.get(account)[1].get("served_by") == ca.url for account in accounts)

        until(a_serves_all, 60, f"a took b's partitions over\n{a.log_tail()}")
        for account in accounts:
            after = ca.get(account)[1]
            old = before[account]["recommendations"]
            new = after["recommendations"]
            assert [(r["title_id"], r["reason"]) for r in new] == [
                (r["title_id"], r["reason"]) for r in old
            ], account
            assert all(abs(x["score"] - y["score"]) < 1e-4 for x, y in zip(new, old, strict=True))
    finally:
        a.stop()
        b.stop()
