"""Simulated viewers: seeded, sliceable, on the wire schema, churning like the market says,
and moved by the market scenarios."""

from __future__ import annotations

import json
from collections import Counter

from streamapp import topics
from streamapp.records.viewing import parse_viewing_event
from streamapp.sources.scenarios import Scenario
from streamapp.sources.simulator import Simulator
from streamapp.sources.viewers.simulator import ViewerSimulator

DAY = 86_400.0
T0 = 20_700 * DAY  # a midnight (UTC) in 2026


def cancels(events: list, platform: str) -> int:  # type: ignore[type-arg]
    return sum(1 for e in events if e.value["type"] == "cancel" and e.value["platform"] == platform)


def test_same_seed_same_events_and_slicing_does_not_matter() -> None:
    whole = ViewerSimulator(seed=3, accounts=60).events_between(T0 + 3600, T0 + 3 * DAY)
    sliced_sim = ViewerSimulator(seed=3, accounts=60)
    sliced = []
    for a, b in (
        (T0 + 3600, T0 + 0.7 * DAY),
        (T0 + 0.7 * DAY, T0 + 2 * DAY),
        (T0 + 2 * DAY, T0 + 3 * DAY),
    ):
        sliced += sliced_sim.events_between(a, b)
    assert [e.value for e in whole] == [e.value for e in sliced]
    assert whole and all(T0 + 3600 <= e.event_time < T0 + 3 * DAY for e in whole)
    assert [e.event_time for e in whole] == sorted(e.event_time for e in whole)
    other = ViewerSimulator(seed=4, accounts=60).events_between(T0 + 3600, T0 + 3 * DAY)
    assert [e.value for e in other] != [e.value for e in whole]


def test_every_event_is_a_valid_viewing_event_keyed_by_its_account() -> None:
    events = ViewerSimulator(seed=5, accounts=80).events_between(T0, T0 + 2 * DAY)
    for event in events:
        parsed = parse_viewing_event(json.dumps(event.value))
        assert event.topic == topics.VIEWING_EVENTS and event.key == parsed.account
        assert len(parsed.account) == 64 and "viewer-" not in parsed.account
    kinds = Counter(e.value["type"] for e in events)
    assert {"session_start", "play", "stop", "browse"} <= set(kinds)
    # Sessions watch for minutes, not seconds or days (docs/viewers.md).
    watched = [e.value["watched_s"] for e in events if e.value["type"] == "stop"]
    assert 15 * 60 < sum(watched) / len(watched) < 90 * 60


def test_the_evening_is_busier_than_the_morning() -> None:
    events = ViewerSimulator(seed=5, accounts=300).events_between(T0, T0 + 7 * DAY)
    hours = Counter(
        int((e.event_time % DAY) // 3600) for e in events if e.value["type"] == "session_start"
    )
    evening = sum(hours[h] for h in (0, 1, 2))  # 19:00-22:00 US Eastern
    morning = sum(hours[h] for h in (12, 13, 14))  # 07:00-10:00
    assert evening > 3 * morning


def test_monthly_churn_is_in_the_published_range() -> None:
    sim = ViewerSimulator(seed=11, accounts=800)
    events = sim.events_between(T0, T0 + 30 * DAY)
    subscriptions = sum(len(a.subs) for a in sim._population or [])
    churn = sum(1 for e in events if e.value["type"] == "cancel") / subscriptions
    assert 0.03 < churn < 0.08, churn  # Antenna: ~5% a month across premium SVOD


def test_a_price_hike_makes_netflix_viewers_leave_and_some_sign_up_elsewhere() -> None:
    days = (T0, T0 + 21 * DAY)
    calm = ViewerSimulator(seed=2, accounts=700).events_between(*days)
    hiked = ViewerSimulator(seed=2, accounts=700, scenarios=[Scenario.parse("price-hike:netflix")])
    events = hiked.events_between(*days)
    assert cancels(events, "netflix") > 2 * max(1, cancels(calm, "netflix"))
    prices = {
        e.value["price"]
        for e in events
        if e.value["platform"] == "netflix" and e.value.get("plan") == "standard"
    }
    assert 22.49 in prices  # 17.99 raised by a quarter
    assert sum(1 for e in events if e.value["type"] == "signup") > sum(
        1 for e in calm if e.value["type"] == "signup"
    )


def test_a_content_exit_makes_the_fans_leave() -> None:
    days = (T0, T0 + 21 * DAY)
    calm = ViewerSimulator(seed=2, accounts=700).events_between(*days)
    gone = ViewerSimulator(seed=2, accounts=700, scenarios=[Scenario.parse("content-exit:max")])
    assert cancels(gone.events_between(*days), "max") > 1.5 * max(1, cancels(calm, "max"))


def test_the_simulator_merges_viewers_with_posts_and_trends() -> None:
    sim = Simulator(seed=1, rate=2.0, viewers=ViewerSimulator(seed=1, accounts=500))
    events = sim.events_between(T0 + 20 * 3600, T0 + 20 * 3600 + 600)
    assert {e.topic for e in events} == {
        topics.REDDIT_DISCUSSIONS,
        topics.STREAMING_TRENDS,
        topics.VIEWING_EVENTS,
        topics.TITLE_CATALOGUE,  # the whole catalogue at the start (catalogue_feed.py)
    }
    assert [e.event_time for e in events] == sorted(e.event_time for e in events)
