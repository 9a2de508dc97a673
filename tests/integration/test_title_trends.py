"""Title trends against the real Apache Kafka and a real worker: plays spread over every
viewing-events partition come out on title-trends, per platform and window, each counted
once, with the recommended plays and the top titles."""

from __future__ import annotations

import json
import math
import time
from collections import Counter, defaultdict

import pytest

from streamapp import topics
from streamapp.records.raw import hash_author, iso_utc, parse_iso_utc
from tests.harness.kafka import prepare_topics, produce, read_until
from tests.harness.worker import FAST_SETTINGS

pytestmark = pytest.mark.integration
SIZE = float(FAST_SETTINGS["STREAMAPP_WINDOW_SECONDS"])
PLATFORMS = ("hulu", "max")


def events(start: float) -> list[tuple[str, dict]]:
    """Plays of 40 accounts over three windows, with other events between them."""
    out = []
    for i in range(120):
        account = hash_author(f"acct-{i % 40}", "salt")
        ts = start + i * (3 * SIZE / 120)
        value = {
            "event_id": f"e-{i}",
            "account": account,
            "platform": PLATFORMS[i % 2],
            "type": "play" if i % 4 else "browse",
            "title_id": f"t-{(i * 7) % 5}",
            "ts": iso_utc(ts),
        }
        if i % 3 == 0:
            value["source"] = "recommendation"
        out.append((account, value))
    return out


def expected(sent: list[tuple[str, dict]]) -> dict[str, tuple[int, int, Counter]]:
    """window_id -> (plays, recommended plays, plays per title), computed here."""
    found: dict[str, list] = defaultdict(lambda: [0, 0, Counter()])
    for _, v in sent:
        if v["type"] != "play":
            continue
        start = math.floor(parse_iso_utc(v["ts"]) / SIZE) * SIZE
        row = found[f"{v['platform']}|{start:.3f}"]
        row[0] += 1
        row[1] += v.get("source") == "recommendation"
        row[2][v["title_id"]] += 1
    return {k: (a, b, c) for k, (a, b, c) in found.items()}


async def test_plays_come_out_per_platform_and_window_counted_once(
    kafka_broker, unique_topic_prefix, worker_factory
) -> None:
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    await prepare_topics(bootstrap, prefix)
    worker = worker_factory()
    worker.wait_ready()
    # Event times of now: the lanes go idle right after, and their windows close.
    sent = events(math.ceil(time.time() / SIZE) * SIZE)
    items = [(key, json.dumps(value).encode()) for key, value in sent]
    await produce(bootstrap, prefix + topics.VIEWING_EVENTS, items)
    want = expected(sent)
    assert len(want) == 6  # two platforms, three windows

    def done(records: list[dict]) -> bool:
        return {r["window_id"] for r in records} >= set(want)

    trends = await read_until(bootstrap, prefix + topics.TITLE_TRENDS, done, timeout=45)
    got = {r["window_id"]: r for r in trends}  # at least once: the newest per window
    assert set(got) == set(want), worker.log_tail()
    for window_id, (plays, recommended, titles) in want.items():
        record = got[window_id]
        assert (record["plays"], record["recommended_plays"]) == (plays, recommended)
        ranked = sorted(titles.items(), key=lambda item: (-item[1], item[0]))
        assert [(t["title_id"], t["plays"]) for t in record["top"]] == ranked
        assert record["platform"] == window_id.split("|")[0] and record["schema_version"] == 1
    # The accounts spread the plays over the viewing-events partitions: each window's
    # counts were gathered from several lanes.
    partials = await read_until(bootstrap, prefix + topics.TITLE_PLAYS, lambda r: False, 3)
    assert len({r["lane"] for r in partials if r["lane"]}) >= 3
