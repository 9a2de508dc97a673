"""The `title-catalogue` parser (strict, with reasons a person can act on) and the
simulator's catalogue feed (the whole catalogue at the start, then each move once)."""

from __future__ import annotations

import json

import pytest

from streamapp import topics
from streamapp.analytics.recommend.catalogue import TitleCatalogue, TitleInfo
from streamapp.records.catalogue import parse_title_record, title_record
from streamapp.records.raw import InvalidRecord, RecordLimits
from streamapp.sources.simulator import Simulator
from streamapp.sources.viewers.catalogue import MOVES_PER_ROUND, TITLES_PER_PLATFORM
from streamapp.sources.viewers.simulator import ViewerSimulator

NOW = 1_790_000_000.0
LIMITS = RecordLimits(now=NOW)
DAY = 86_400.0
GOOD = {
    "title_id": "net-dra-003",
    "platform": "netflix",
    "genre": "drama",
    "episodes": 8,
    "episode_s": 3300,
    "ts": "2026-09-20T00:00:00Z",
    "schema_version": 1,
}


def raw(**changes: object) -> bytes:
    data = {**GOOD, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not ...}).encode()


def test_a_good_record_becomes_the_title_it_describes() -> None:
    info = parse_title_record(raw(), LIMITS)
    assert info == TitleInfo("net-dra-003", "netflix", "drama", 8, 3300.0, info.ts)
    assert info.ts == 1_789_862_400.0


def test_null_platform_means_on_no_platform_and_optional_fields_may_be_null() -> None:
    info = parse_title_record(raw(platform=None, genre=None, episodes=None, episode_s=None))
    assert (info.platform, info.genre, info.episodes, info.episode_s) == (None, None, None, None)


def test_the_wire_form_reads_back_as_the_same_title() -> None:
    info = TitleInfo("hul-com-001", "hulu", "comedy", 1, 6012.3, 1_789_862_400.5)
    assert parse_title_record(json.dumps(title_record(info))) == info
    gone = TitleInfo("hul-com-001", None, "comedy", 1, 6012.3, 1_789_862_401.0)
    assert parse_title_record(json.dumps(title_record(gone))).platform is None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"platform": ...}, "missing field 'platform' (null: the title is on no platform)"),
        ({"platform": "netflx"}, "field 'platform' 'netflx' is not a canonical platform id"),
        ({"title_id": " "}, "field 'title_id' is empty"),
        ({"title_id": "x" * 65}, "field 'title_id' is longer than 64 characters"),
        ({"title_id": 7}, "field 'title_id' must be str, got int"),
        ({"episodes": 0}, "field 'episodes' must be within 1-100000, got 0"),
        ({"episodes": 2.5}, "field 'episodes' must be int, got float"),
        ({"episode_s": 0}, "field 'episode_s' must be within 0-86400 seconds (above 0), got 0"),
        ({"episode_s": "long"}, "field 'episode_s' must be int or float, got str"),
        ({"ts": "2026-09-20 00:00:00"}, "has no UTC offset"),
        ({"ts": "2027-09-20T00:00:00Z"}, "field 'ts' is after now + "),
        ({"ts": ...}, "missing field 'ts'"),
        ({"schema_version": 2}, "field 'schema_version' is 2; this worker reads 1"),
    ],
)
def test_a_bad_record_says_what_is_wrong(changes: dict, reason: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_title_record(raw(**changes), LIMITS)
    assert reason in str(caught.value)


def test_not_json_is_refused_with_a_reason() -> None:
    with pytest.raises(InvalidRecord, match="not valid JSON"):
        parse_title_record(b"title,platform")


def test_the_simulator_says_the_whole_catalogue_at_its_start_then_each_move_once() -> None:
    t0 = 20_700 * DAY + 3600.0  # an hour into a day that is not a move day
    sim = ViewerSimulator(seed=3, accounts=20, start=t0)
    sim.events_between(t0, t0 + 60)
    first = sim.catalogue_updates()
    assert len(first) == 10 * TITLES_PER_PLATFORM
    assert {e.topic for e in first} == {topics.TITLE_CATALOGUE}
    assert {e.event_time for e in first} == {t0}  # the start, not the day's midnight
    assert all(e.key == e.value["title_id"] for e in first)
    assert sim.catalogue_updates() == []  # each once

    catalogue = TitleCatalogue()
    for event in first:
        catalogue.update(parse_title_record(json.dumps(event.value)))
    sim.events_between(t0 + 60, t0 + 15 * DAY)
    later = sim.catalogue_updates()
    moves = {e.event_time for e in later}
    assert later and all(t % (7 * DAY) == 0 for t in moves)  # the weekly move days
    assert len(later) <= MOVES_PER_ROUND * len(moves)
    for event in later:
        info = parse_title_record(json.dumps(event.value))
        assert info.platform != catalogue.platform_of(info.title_id)  # a real move
        assert catalogue.update(info)


def test_the_full_simulator_merges_the_catalogue_in_event_time_order() -> None:
    t0 = 20_700 * DAY + 3600.0
    sim = Simulator(seed=1, rate=1.0, start=t0, viewers=ViewerSimulator(seed=1, accounts=30))
    events = sim.events_between(t0, t0 + 5)
    titles = [e for e in events if e.topic == topics.TITLE_CATALOGUE]
    assert len(titles) == 10 * TITLES_PER_PLATFORM
    assert events == sorted(events, key=lambda e: (e.event_time, e.topic, e.key))
    assert not [e for e in sim.events_between(t0 + 5, t0 + 10) if e.topic == topics.TITLE_CATALOGUE]
