"""`churn_risk_surge` against the real Apache Kafka and a real worker: simulated viewers
with a `price-hike:netflix` scenario raise Netflix's accounts at risk on the platform
windows, and the rule fires for Netflix and for no other platform."""

from __future__ import annotations

import json
import time

import pytest

from streamapp import topics
from streamapp.sources.producer import encode_value
from streamapp.sources.scenarios import Scenario
from streamapp.sources.viewers.simulator import ViewerSimulator
from tests.harness.kafka import prepare_topics, produce, read_until
from tests.integration.pipeline import produce_paced, reddit_post

pytestmark = pytest.mark.integration
DAY = 86_400.0
SIZE = 2.0
HIKE_DAY = 14
# Twenty-one days ago at midnight: every simulated event is in the past.
T0 = (time.time() // DAY - 21) * DAY
# One partition: one model learns from every label (with four, each learns from a
# quarter of 200 accounts). A short horizon lets labels mature within the run; at-risk
# means a risk above 0.2 (about four times the simulated base rate).
ENV = {
    "STREAMAPP_PARTITIONS": "1",
    "STREAMAPP_CHURN_HORIZON_DAYS": "5",
    "STREAMAPP_CHURN_RISK_THRESHOLD": "0.2",
}
MARKET = "Comparing Netflix, Hulu, Disney+, HBO Max, Peacock and Prime Video tonight #{n}"


def market_windows(start: float, count: int, tag: str) -> list[list[tuple[str, bytes]]]:
    """Posts naming six platforms in each of `count` consecutive windows."""
    return [
        [
            reddit_post(f"t3_{tag}_{i}_{j}", MARKET.format(n=f"{tag}{i}{j}"), start + i * SIZE + j)
            for j in range(2)
        ]
        for i in range(count)
    ]


async def viewers_until(bootstrap: str, prefix: str, sim: ViewerSimulator, t0: float, t1: float):
    """Produce the simulated viewers' events of [t0, t1) and wait until the worker has
    scored the daily tick of t1's day (a churn-risk record scored at or after it)."""
    events = [(e.key, encode_value(e.value)) for e in sim.events_between(t0, t1)]
    await produce(bootstrap, prefix + topics.VIEWING_EVENTS, events)
    day = time.strftime("%Y-%m-%d", time.gmtime(t1 // DAY * DAY))
    await read_until(
        bootstrap,
        prefix + topics.CHURN_RISK,
        lambda r: any(x["scored_at"][:10] >= day for x in r),
        timeout=240,
    )


def surges(alerts: list[dict]) -> list[dict]:
    return [a for a in alerts if a["rule"] == "churn_risk_surge" and a["status"] == "firing"]


async def test_a_netflix_price_hike_fires_churn_risk_surge_for_netflix_alone(
    kafka_broker, unique_topic_prefix, worker_factory
) -> None:
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    await prepare_topics(bootstrap, prefix, partitions=1)
    worker = worker_factory(**ENV)
    worker.wait_ready()
    hike = Scenario("price-hike", "netflix", HIKE_DAY * DAY, 10 * DAY)
    sim = ViewerSimulator(seed=3, accounts=200, scenarios=[hike], start=T0)

    # Before the hike: the model learns; the windows' baseline of accounts at risk.
    await viewers_until(bootstrap, prefix, sim, T0, T0 + 16.5 * DAY)
    start = time.time() // SIZE * SIZE - 30
    await produce_paced(
        bootstrap, prefix + topics.REDDIT_DISCUSSIONS, market_windows(start, 8, "a")
    )
    windows = await read_until(
        bootstrap,
        prefix + topics.PLATFORM_WINDOWS,
        lambda r: len([w for w in r if w["platform"] == "hulu"]) >= 6,
    )
    before = {w["platform"]: w for w in windows}
    assert set(before) >= {"netflix", "hulu", "disney_plus", "max", "peacock", "prime_video"}
    assert before["netflix"]["accounts_active"] > 50, worker.log_tail()
    assert before["netflix"]["expected_cancellations"] > 0

    # Three days after the hike: Netflix's accounts at risk rise, the others' do not.
    await viewers_until(bootstrap, prefix, sim, T0 + 16.5 * DAY, T0 + 19.5 * DAY)
    start = max(time.time() // SIZE * SIZE - 10, start + 8 * SIZE)
    await produce_paced(
        bootstrap, prefix + topics.REDDIT_DISCUSSIONS, market_windows(start, 4, "b")
    )
    alerts = await read_until(bootstrap, prefix + topics.STREAMING_ALERTS, lambda r: surges(r))
    windows = await read_until(
        bootstrap,
        prefix + topics.PLATFORM_WINDOWS,
        lambda r: len([w for w in r if w["platform"] == "hulu"]) >= 9,
    )
    after = {w["platform"]: w for w in windows}
    [surge] = surges(alerts)
    assert surge["platform"] == "netflix", json.dumps(surge)
    assert surge["observed"] >= 5 and surge["observed"] > surge["baseline"]
    assert after["netflix"]["accounts_at_risk"] > before["netflix"]["accounts_at_risk"]
    # Give the other platforms' windows (closed with the same reports) time to alert.
    time.sleep(2)
    alerts = await read_until(
        bootstrap, prefix + topics.STREAMING_ALERTS, lambda r: False, timeout=3
    )
    assert [a["platform"] for a in surges(alerts)] == ["netflix"]
