"""Title trends through the agents' code with fake topics and tables (no broker): plays
counted once across a lost write and partials delivered twice, windows closed by the
slowest lane, recommended plays, and the `source` field of a viewing event."""

import json
from types import SimpleNamespace

import pytest

from streamapp.agents.trend_titles import PlayCounter, may_be_play
from streamapp.config import Settings
from streamapp.records.raw import InvalidRecord, RecordLimits, hash_author, iso_utc
from streamapp.records.trends import TitlePlays
from streamapp.records.viewing import parse_viewing_event
from streamapp.tables.title_trends import TrendCloser, TrendTables
from tests.fakes import FakeRoutedTable, FakeTable, FakeTopic, fake_event
from tests.harness.clock import FakeClock

T0 = 1_800_000_000.0  # a window start
TOPIC = "viewing-events"
LANES = [f"{TOPIC}:0", f"{TOPIC}:1"]
ACCOUNT = hash_author("acct", "salt")


def play(title, ts, platform="hulu", source=None, kind="play"):
    value = {"event_id": f"{title}-{ts}", "account": ACCOUNT, "platform": platform,
             "type": kind, "title_id": title, "ts": iso_utc(ts)}  # fmt: skip
    if source is not None:
        value["source"] = source
    return json.dumps(value).encode()


class Pipeline:
    """The two stages wired by hand: what the play counter sends is what
    `trend_titles` reads (every totals record goes to title-plays partition 0)."""

    def __init__(self):
        self.settings = Settings()
        self.clock = FakeClock()
        self.clock.now = T0 + 30
        self.tables = TrendTables(FakeTable(), FakeRoutedTable(), FakeRoutedTable())
        self.plays_topic, self.trends = FakeTopic("title-plays"), FakeTopic("title-trends")
        self.ctx = SimpleNamespace(
            settings=self.settings,
            clock=self.clock,
            topics=SimpleNamespace(title_plays=self.plays_topic),
        )
        self.counter = PlayCounter(self.ctx, self.tables)
        self.closer = TrendCloser(
            self.tables, self.trends, self.settings, self.clock, lambda: LANES, lambda: 0
        )

    async def batch(self, partition, items):
        """`items`: (offset, raw value) of one viewing-events partition."""
        events = [fake_event(TOPIC, partition, offset, value) for offset, value in items]
        await self.counter.count_batch(self.ctx, events)

    async def deliver(self, records=None):
        for record in self.plays_topic.values if records is None else records:
            await self.closer.on_message(0, record)
        self.plays_topic.sent.clear()

    async def tick(self, progress):
        tick = TitlePlays(platform="", window_start=0.0, titles={}, progress=progress,
                          tick_wall=self.clock.now)  # fmt: skip
        await self.closer.on_message(0, tick)

    @property
    def closed(self):
        return {r.window_id: r for r in self.trends.values}


LANE0 = [(o, play("a" if o % 2 else "b", T0 + o)) for o in range(10)]  # a: 5, b: 5
LANE1 = [(o, play("a", T0 + 20 + o, source="recommendation")) for o in range(4)]


async def test_plays_are_counted_once_across_a_lost_write_and_partials_sent_twice():
    p = Pipeline()
    await p.batch(0, LANE0[:4])
    before = json.loads(json.dumps(p.tables.lanes[LANES[0]]))
    await p.batch(0, LANE0[4:8])
    sent_twice = list(p.plays_topic.values)
    # The worker dies: the second batch's totals reached Kafka, its lane write did not.
    p.tables.lanes[LANES[0]] = before
    await p.batch(0, LANE0[2:6])  # redelivered from the committed offset, cut otherwise
    await p.batch(0, LANE0[6:])
    await p.batch(1, LANE1)
    await p.deliver(sent_twice + p.plays_topic.values + sent_twice)
    assert p.closed == {}  # the lanes have not passed the window's end + lateness yet
    await p.tick({LANES[0]: T0 + 70, LANES[1]: T0 + 70})
    [window] = p.closed.values()
    assert (window.platform, window.plays, window.recommended_plays) == ("hulu", 14, 4)
    assert window.top == [{"title_id": "a", "plays": 9}, {"title_id": "b", "plays": 5}]
    assert (window.window_start, window.window_end) == (iso_utc(T0), iso_utc(T0 + 60))
    assert window.window_id == f"hulu|{T0:.3f}"


async def test_the_slowest_lane_holds_the_window_until_it_goes_idle():
    p = Pipeline()
    await p.batch(0, LANE0)
    await p.batch(0, [(10, play("c", T0 + 75))])  # lane 0 passes T0's close point
    await p.deliver()
    assert p.closed == {}  # lane 1 has sent nothing: it holds every window
    p.clock.now += p.settings.pipeline.idle_partition_seconds + 1
    await p.tick({})
    assert [w.plays for w in p.closed.values()] == [10]


async def test_a_late_play_is_left_out_and_the_next_window_rises_against_the_last():
    p = Pipeline()
    await p.batch(0, LANE0 + [(10, play("b", T0 + 70))])
    await p.batch(0, [(11, play("a", T0 + 5))])  # late on its lane: T0 closed there
    more = [(12 + i, play("b", T0 + 80 + i)) for i in range(5)]
    await p.batch(0, more + [(17, play("z", T0 + 200))])
    await p.deliver()
    await p.tick({LANES[0]: T0 + 200, LANES[1]: T0 + 200})
    first, second = sorted(p.closed.values(), key=lambda w: w.window_start)
    assert first.plays == 10 and second.plays == 6
    assert second.rising == [{"title_id": "b", "plays": 6, "previous_plays": 5, "growth": 0.2}]


async def test_other_events_and_other_platforms_are_not_counted_as_this_ones_plays():
    p = Pipeline()
    items = [
        (0, play("a", T0 + 1, kind="stop")),
        (1, play("a", T0 + 2, platform="max")),
        (2, b"not json"),  # score_viewers dead-letters it; not ours to count
        (3, play("a", T0 + 3, source="browse")),
    ]
    await p.batch(0, items)
    await p.deliver()
    await p.tick({LANES[0]: T0 + 100, LANES[1]: T0 + 100})
    by_platform = {w.platform: (w.plays, w.recommended_plays) for w in p.closed.values()}
    assert by_platform == {"max": (1, 0), "hulu": (1, 0)}


def test_a_cheap_look_finds_every_possible_play():
    assert may_be_play(play("x", T0))
    escaped = play("x", T0).replace(b'"play"', b'"\\u0070lay"')
    assert parse_viewing_event(escaped, RecordLimits(now=T0)).type == "play"
    assert may_be_play(escaped)
    assert not may_be_play(play("x", T0, kind="stop")) and not may_be_play(None)


@pytest.mark.parametrize(
    ("source", "read"),
    [("recommendation", "recommendation"), ("continue", "continue"), ("search", None), (..., None)],
)
def test_the_source_of_a_play_is_one_of_the_known_ones_or_none(source, read):
    value = json.loads(play("x", T0))
    if source is not ...:
        value["source"] = source
    assert parse_viewing_event(json.dumps(value), RecordLimits(now=T0)).source == read


def test_a_source_that_is_not_text_is_refused():
    value = {**json.loads(play("x", T0)), "source": 3}
    with pytest.raises(InvalidRecord, match="field 'source' must be str"):
        parse_viewing_event(json.dumps(value), RecordLimits(now=T0))


async def test_a_batch_of_totals_closes_what_one_at_a_time_closes_and_writes_each_state_once():
    def scenario(p):
        async def run(deliver):
            await p.batch(0, LANE0 + [(10, play("b", T0 + 70))])
            await p.batch(1, LANE1 + [(4, play("c", T0 + 130, platform="max"))])
            tick = TitlePlays(platform="", window_start=0.0, titles={}, tick_wall=p.clock.now,
                              progress={LANES[0]: T0 + 200, LANES[1]: T0 + 200})  # fmt: skip
            await deliver(p.plays_topic.values + [tick])

        return run

    alone, batched = Pipeline(), Pipeline()
    writes: list[str] = []
    batched.tables.windows.write = lambda key, value, partition: (
        writes.append(key) or (FakeRoutedTable.write(batched.tables.windows, key, value, partition))
    )

    async def one_at_a_time(records):
        for record in records:
            await alone.closer.on_message(2, record)

    async def as_one_batch(records):
        await batched.closer.on_batch([(2, record) for record in records])

    await scenario(alone)(one_at_a_time)
    await scenario(batched)(as_one_batch)
    assert batched.closed.keys() == alone.closed.keys() and len(alone.closed) == 3
    assert [w.top for w in batched.closed.values()] == [w.top for w in alone.closed.values()]
    assert dict(batched.tables.windows) == dict(alone.tables.windows)
    assert sorted(writes) == ["hulu", "max"]  # once each, not once per message
    assert set(batched.tables.windows.partitions.values()) == {2}
    assert batched.tables.watermarks.partitions == {"p2": 2}
