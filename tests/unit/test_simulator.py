"""The simulator: deterministic, on the wire schema, realistic rates, levels and surges."""

from __future__ import annotations

import asyncio
import json
import re
import statistics
from collections import Counter, defaultdict
from typing import Any

import pytest

from streamapp import topics
from streamapp.analytics.platforms import PLATFORM_IDS
from streamapp.records.raw import is_author_hash, parse_reddit_post, parse_trend_point
from streamapp.sources.post_mix import AUTHOR_POPULATION, fake_username
from streamapp.sources.post_vocabulary import LABELS, SUBREDDITS
from streamapp.sources.producer import compressed_clock, run_simulator
from streamapp.sources.scenarios import Scenario
from streamapp.sources.sim_events import PostTruth, SimEvent
from streamapp.sources.simulator import Simulator
from streamapp.sources.trend_model import seasonal_factor
from tests.fakes import FakeProducer
from tests.harness.clock import FakeClock

T0 = 1_700_000_000.0  # Tuesday 2023-11-14 22:13:20 UTC
WEEK = 7 * 86400
POST_FIELDS = {
    "id",
    "kind",
    "subreddit",
    "title",
    "body",
    "score",
    "created_utc",
    "author",
    "schema_version",
}
TREND_FIELDS = {"keyword", "platform", "geo", "timestamp", "interest", "schema_version"}


def posts(events: list[SimEvent]) -> list[SimEvent]:
    return [e for e in events if e.topic == topics.REDDIT_DISCUSSIONS]


def truth(event: SimEvent) -> PostTruth:
    assert event.truth is not None
    return event.truth


def intent_count(events: list[SimEvent], label: str, platform: str) -> int:
    """Posts of a template family whose subject (first named platform) is `platform`."""
    return sum(
        1 for e in posts(events) if e.label == label and truth(e).platforms[:1] == (platform,)
    )


@pytest.fixture(scope="module")
def hour() -> list[SimEvent]:
    return Simulator(seed=11, rate=20, start=T0).events_between(T0, T0 + 3600)


@pytest.fixture(scope="module")
def week_of_trends() -> dict[str, list[dict[str, Any]]]:
    sim = Simulator(seed=5, rate=0, trend_interval_s=300, start=T0)
    series: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in sim.events_between(T0, T0 + WEEK):
        series[event.key].append(event.value)
    return series


# -- determinism ------------------------------------------------------------------------


def test_same_seed_same_events_and_another_seed_differs() -> None:
    def run(seed: int) -> list[tuple[str, str, str, float]]:
        sim = Simulator(seed=seed, scenarios=["price-hike:netflix"], start=T0)
        return [
            (e.topic, e.key, json.dumps(e.value), e.event_time)
            for e in sim.events_between(T0, T0 + 120)
        ]

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_slicing_does_not_change_the_stream() -> None:
    whole = Simulator(seed=3, start=T0).events_between(T0, T0 + 30)
    sliced_sim = Simulator(seed=3, start=T0)
    sliced: list[SimEvent] = []
    for i in range(300):  # 100 ms slices, like the producer
        sliced.extend(sliced_sim.events_between(T0 + i * 0.1, T0 + (i + 1) * 0.1))
    assert [(e.key, e.value) for e in sliced] == [(e.key, e.value) for e in whole]


def test_start_defaults_to_the_first_requested_time() -> None:
    sim = Simulator(scenarios=[Scenario("outage", "hulu", start_after_s=10, duration_s=5)])
    sim.events_between(T0, T0 + 1)
    assert sim.start == T0
    assert sim.active_scenarios(T0 + 12) == sim.scenarios
    assert sim.active_scenarios(T0 + 15) == ()


def test_events_are_ordered_and_inside_the_interval(hour: list[SimEvent]) -> None:
    times = [e.event_time for e in hour]
    assert times == sorted(times)
    assert times[0] >= T0 and times[-1] < T0 + 3600


# -- wire schema ------------------------------------------------------------------------


def test_every_value_passes_the_strict_parsers() -> None:
    scenarios = ["price-hike:netflix", "content-exit:max", "piracy-wave:disney_plus", "outage:hulu"]
    sim = Simulator(seed=2, rate=40, scenarios=scenarios, start=T0)
    events = sim.events_between(T0, T0 + 600)
    assert {e.topic for e in events} == {topics.REDDIT_DISCUSSIONS, topics.STREAMING_TRENDS}
    for event in events:
        raw = json.dumps(event.value)
        if event.topic == topics.REDDIT_DISCUSSIONS:
            assert set(event.value) == POST_FIELDS
            post = parse_reddit_post(raw)
            assert (post.id, post.created_utc) == (event.key, event.event_time)
            assert post.subreddit in SUBREDDITS
            assert (post.title is not None) == (post.kind == "submission")
            assert post.body or post.title
        else:
            assert set(event.value) == TREND_FIELDS
            point = parse_trend_point(raw)
            assert point.keyword == event.key
            assert point.epoch == pytest.approx(event.event_time)
            assert isinstance(event.value["interest"], int)


def test_the_label_stays_off_the_wire(hour: list[SimEvent]) -> None:
    labelled = posts(hour)
    assert all(e.truth is not None for e in labelled)
    for event in labelled[:2000]:
        text = json.dumps(event.value)
        assert "truth" not in event.value and "label" not in event.value
        assert f'"{event.label}"' not in text


def test_ids_are_reddit_fullnames_and_unique(hour: list[SimEvent]) -> None:
    ids = [e.key for e in posts(hour)]
    assert len(ids) == len(set(ids))
    for event in posts(hour):
        prefix = "t3_" if event.value["kind"] == "submission" else "t1_"
        assert re.fullmatch(prefix + "[0-9a-z]{10}", event.key)


def test_authors_are_hashed_never_clear(hour: list[SimEvent]) -> None:
    authors = [e.value["author"] for e in posts(hour)]
    assert all(a is None or is_author_hash(a) for a in authors)
    assert 0.01 < authors.count(None) / len(authors) < 0.06  # some deleted accounts
    counts = Counter(a for a in authors if a)
    assert counts.most_common(1)[0][1] > 20  # prolific posters exist
    names = {fake_username(11, i) for i in range(0, AUTHOR_POPULATION, 7)}
    words = {w for e in posts(hour) for w in re.findall(r"\w+", json.dumps(e.value))}
    assert not names & words


# -- rates and mix ----------------------------------------------------------------------


def test_post_rate_over_an_hour(hour: list[SimEvent]) -> None:
    n = len(posts(hour))
    assert 0.9 * 72_000 <= n <= 1.1 * 72_000
    per_minute = Counter(int((e.event_time - T0) // 60) for e in posts(hour))
    assert min(per_minute.values()) > 0.8 * 1200 and max(per_minute.values()) < 1.2 * 1200


def test_trend_points_every_interval(hour: list[SimEvent]) -> None:
    trends = [e for e in hour if e.topic == topics.STREAMING_TRENDS]
    per_keyword = Counter(e.key for e in trends)
    assert set(per_keyword.values()) == {720}  # 3600 s / 5 s
    platforms = {e.value["platform"] for e in trends}
    assert platforms == PLATFORM_IDS | {None}
    assert {"free streaming", "watch free online", "cancel netflix"} <= set(per_keyword)
    nulls = {e.key for e in trends if e.value["platform"] is None}
    assert nulls == {"free streaming", "watch free online", "cancel netflix"}


def test_a_realistic_mix(hour: list[SimEvent]) -> None:
    labels = Counter(e.label for e in posts(hour))
    assert set(labels) == set(LABELS)
    chatter = labels["neutral"] + labels["positive"] + labels["hard_negative"]
    assert chatter > 0.55 * sum(labels.values())  # mostly no intent
    subjects = Counter(truth(e).platforms[0] for e in posts(hour) if truth(e).platforms)
    ranked = [p for p, _ in subjects.most_common()]
    assert ranked[0] == "netflix" and set(ranked[-2:]) & {"sling_tv", "youtube_tv"}
    kinds = Counter(e.value["kind"] for e in posts(hour))
    assert 0.2 < kinds["submission"] / len(posts(hour)) < 0.4
    switches = [truth(e) for e in posts(hour) if e.label == "switching"]
    assert all(t.switch_from and t.switch_to and t.switch_from != t.switch_to for t in switches)


def test_hard_negatives_look_like_intents() -> None:
    sim = Simulator(seed=4, rate=50, start=T0)
    texts = " ".join(
        f"{e.value['title'] or ''} {e.value['body']}".lower()
        for e in posts(sim.events_between(T0, T0 + 300))
        if e.label == "hard_negative"
    )
    for phrase in ("cancelled", "free trial", "ad tier", "pirate show", "switch"):
        assert phrase in texts


# -- search interest ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "low", "high"),
    [
        ("netflix", 30, 40),
        ("hulu", 9, 14),
        ("disney plus", 4, 8),
        ("hbo max", 2, 4),
        ("prime video", 2, 4),
    ],
)
def test_interest_levels_over_a_week(
    week_of_trends: dict[str, list[dict[str, Any]]], keyword: str, low: float, high: float
) -> None:
    values = [v["interest"] for v in week_of_trends[keyword]]
    assert len(values) == WEEK // 300
    assert low <= statistics.mean(values) <= high
    assert all(0 <= v <= 100 for v in values)


def test_other_platforms_are_low(week_of_trends: dict[str, list[dict[str, Any]]]) -> None:
    for keyword in ("peacock", "paramount plus", "apple tv plus", "sling tv", "youtube tv"):
        assert statistics.mean(v["interest"] for v in week_of_trends[keyword]) < 3


def test_daily_and_weekly_rhythm(week_of_trends: dict[str, list[dict[str, Any]]]) -> None:
    from streamapp.records.raw import parse_iso_utc

    by_hour: dict[int, list[int]] = defaultdict(list)
    by_weekday: dict[int, list[int]] = defaultdict(list)
    for value in week_of_trends["netflix"]:
        local = parse_iso_utc(value["timestamp"]) - 5 * 3600  # US Eastern
        by_hour[int(local % 86400 // 3600)].append(value["interest"])
        by_weekday[(int(local // 86400) + 3) % 7].append(value["interest"])
    assert statistics.mean(by_hour[21]) > 1.5 * statistics.mean(by_hour[9])
    weekend = statistics.mean(by_weekday[5] + by_weekday[6])
    midweek = statistics.mean(by_weekday[1] + by_weekday[2])
    assert weekend > 1.2 * midweek
    week_mean = statistics.mean(seasonal_factor(T0 + i * 60) for i in range(WEEK // 60))
    assert week_mean == pytest.approx(1.0, abs=0.01)


# -- scenarios ------------------------------------------------------------------------------


def test_scenario_parse() -> None:
    assert Scenario.parse("price-hike:netflix") == Scenario("price-hike", "netflix", 0, 300)
    assert Scenario.parse("content-exit:max") == Scenario("content-exit", "max")
    assert Scenario.parse("piracy-wave:disney_plus").platform == "disney_plus"
    assert Scenario.parse("outage:hulu@120/60") == Scenario("outage", "hulu", 120, 60)
    assert Scenario.parse("Outage:Disney-Plus@5").start_after_s == 5
    assert str(Scenario.parse("outage:hulu")) == "outage:hulu"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("price-drop:netflix", "unknown scenario kind 'price-drop'"),
        ("price-hike:netflicks", "unknown platform 'netflicks'"),
        ("price-hike", "is not KIND:PLATFORM"),
        (":netflix", "is not KIND:PLATFORM"),
        ("outage:hulu@soon", "timing must be"),
        ("outage:hulu@10/0", "duration_s > 0"),
    ],
)
def test_scenario_parse_errors_say_what_is_valid(text: str, problem: str) -> None:
    with pytest.raises(ValueError) as info:
        Scenario.parse(text)
    message = str(info.value)
    assert problem in message
    if "unknown" in problem or "KIND:PLATFORM" in problem:
        assert "price-hike, content-exit, piracy-wave, outage" in message
        assert "disney_plus" in message and "youtube_tv" in message


def _with_and_without(scenario: str, seed: int = 21) -> tuple[list[SimEvent], list[SimEvent]]:
    sc = Scenario.parse(f"{scenario}@0/600")
    hot = Simulator(seed=seed, scenarios=[sc], start=T0).events_between(T0, T0 + 600)
    calm = Simulator(seed=seed, start=T0).events_between(T0, T0 + 600)
    return hot, calm


def test_price_hike_multiplies_price_complaints_for_that_platform() -> None:
    hot, calm = _with_and_without("price-hike:netflix")
    for label, at_least in (("price_complaint", 5), ("cancellation", 4), ("switching", 4)):
        assert intent_count(hot, label, "netflix") >= at_least * intent_count(
            calm, label, "netflix"
        )
    # Other platforms and the chatter stay as they were.
    assert intent_count(hot, "price_complaint", "hulu") == intent_count(
        calm, "price_complaint", "hulu"
    )
    assert intent_count(hot, "neutral", "netflix") == intent_count(calm, "neutral", "netflix")
    surge = [e for e in posts(hot) if truth(e).scenario == "price-hike:netflix"]
    assert all(truth(e).platforms[0] == "netflix" for e in surge)
    assert all(truth(e).switch_from == "netflix" for e in surge if e.label == "switching")


def test_price_hike_raises_cancel_searches() -> None:
    sc = Scenario("price-hike", "hulu", start_after_s=1800, duration_s=1800)
    sim = Simulator(seed=1, rate=0, scenarios=[sc], trend_interval_s=60, start=T0)
    cancel = [e for e in sim.events_between(T0, T0 + 3600) if e.key == "cancel hulu"]
    before = statistics.mean(e.value["interest"] for e in cancel if e.event_time < T0 + 1800)
    during = statistics.mean(e.value["interest"] for e in cancel if e.event_time >= T0 + 1800)
    assert during >= before + 5


def test_piracy_wave_and_free_streaming_interest() -> None:
    hot, calm = _with_and_without("piracy-wave:disney_plus")
    assert intent_count(hot, "piracy", "disney_plus") >= 5 * intent_count(
        calm, "piracy", "disney_plus"
    )

    def free(events: list[SimEvent]) -> float:
        return statistics.mean(e.value["interest"] for e in events if e.key == "free streaming")

    assert free(hot) >= free(calm) + 5


def test_content_exit_and_outage_surges() -> None:
    hot, calm = _with_and_without("content-exit:max")
    for label in ("content_gap", "switching", "piracy"):
        assert intent_count(hot, label, "max") >= 3 * max(1, intent_count(calm, label, "max"))
    hot, calm = _with_and_without("outage:hulu")
    assert intent_count(hot, "outage", "hulu") >= 5 * max(1, intent_count(calm, "outage", "hulu"))


def test_small_platforms_surge_visibly_too() -> None:
    hot, calm = _with_and_without("price-hike:sling_tv")
    per_minute_hot = intent_count(hot, "price_complaint", "sling_tv") / 10
    assert per_minute_hot >= 10  # enough for a count rule with a minimum of 5 per window
    assert per_minute_hot >= 5 * intent_count(calm, "price_complaint", "sling_tv") / 10


def test_scenario_is_only_active_in_its_window() -> None:
    sc = Scenario("outage", "netflix", start_after_s=300, duration_s=120)
    events = Simulator(seed=9, scenarios=[sc], start=T0).events_between(T0, T0 + 900)
    surge_times = [e.event_time for e in posts(events) if truth(e).scenario]
    assert surge_times and min(surge_times) >= T0 + 300 and max(surge_times) < T0 + 420


def test_constructor_checks() -> None:
    with pytest.raises(ValueError, match="rate"):
        Simulator(rate=-1)
    with pytest.raises(ValueError, match="trend_interval_s"):
        Simulator(trend_interval_s=0)
    assert Simulator(rate=0, trend_interval_s=None).events_between(T0, T0 + 60) == []


# -- the producer loop (fake producer, fake clock) -------------------------------------------


async def test_run_simulator_paces_and_sends_everything_due() -> None:
    clock, fake = FakeClock(T0), FakeProducer()
    progress: list[int] = []
    sim = Simulator(seed=7, rate=20)
    sent = await run_simulator(
        "fake:9092",
        sim,
        duration_s=5,
        on_progress=progress.append,
        clock=clock,
        producer_factory=lambda bootstrap: fake,
        sleep=clock.sleep,
    )
    expected = Simulator(seed=7, rate=20, start=T0).events_between(T0, T0 + 5)
    assert sent == len(expected) == len(fake.sent)
    assert [key.decode() for _, _, key in fake.sent] == [e.key for e in expected]
    assert [json.loads(value) for _, value, _ in fake.sent] == [e.value for e in expected]
    assert fake.calls == ["start", "flush", "stop"]
    assert max(clock.sleeps) <= 0.1 and progress[-1] == sent
    assert sim.start == T0


async def test_a_compressed_clock_plays_the_last_minutes_faster_and_ends_now() -> None:
    # Ten simulated seconds at speed 2: five wall seconds, events dated over the ten
    # seconds up to the end of the run, the same events as ten seconds at speed 1.
    wall, fake = FakeClock(T0), FakeProducer()
    clock = compressed_clock(10, 2, wall)
    sim = Simulator(seed=7, rate=20)
    sent = await run_simulator(
        "fake:9092", sim, duration_s=10, clock=clock,
        producer_factory=lambda bootstrap: fake, sleep=wall.sleep,
    )  # fmt: skip
    assert wall.now == pytest.approx(T0 + 5, abs=0.2) and sim.start == T0 - 5
    expected = Simulator(seed=7, rate=20, start=T0 - 5).events_between(T0 - 5, T0 + 5)
    assert sent == len(expected) and [e.value for e in expected] == [
        json.loads(value) for _, value, _ in fake.sent
    ]
    # dated up to the run's end (T0 + 5 on the wall), never in the future
    with pytest.raises(ValueError):
        compressed_clock(10, 0)


async def test_run_simulator_stops_on_the_event() -> None:
    clock, fake = FakeClock(T0), FakeProducer()
    stop = asyncio.Event()

    async def sleep_then_stop(seconds: float) -> None:
        await clock.sleep(seconds)
        if clock.now >= T0 + 2:
            stop.set()

    sent = await run_simulator(
        "fake:9092",
        Simulator(seed=7),
        clock=clock,
        stop=stop,
        producer_factory=lambda bootstrap: fake,
        sleep=sleep_then_stop,
    )
    assert 0 < sent == len(fake.sent)
    assert fake.calls[-2:] == ["flush", "stop"]
    assert clock.now < T0 + 2.5
