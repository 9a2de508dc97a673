import math

import pytest

from streamapp.analytics import viewer_gauge
from streamapp.config import Settings
from streamapp.records import Contribution
from streamapp.tables.definitions import PipelineTables
from streamapp.tables.window_close import WindowCloser, tick, viewers_report
from tests.fakes import FakeTable, FakeTopic
from tests.harness.clock import FakeClock as Clock


class Topics:
    def __init__(self):
        self.windows = FakeTopic("platform-windows")
        self.alerts = FakeTopic("streaming-alerts")


def make(window=10.0, lateness=2.0, idle=0.0, backlog=math.inf, lanes=(), generation=None):
    """A closer over fake tables. The clock runs a million seconds past these tests'
    event times: the live ones turn backlog detection off (`backlog`), the replay ones
    set it."""
    settings = Settings()
    settings.pipeline.idle_partition_seconds = idle
    settings.pipeline.backlog_seconds = backlog
    settings.pipeline.window_seconds = window
    settings.pipeline.allowed_lateness_seconds = lateness
    settings.alerts.min_baseline_windows = 3
    settings.alerts.cooldown_windows = 2
    tables = PipelineTables(*(FakeTable() for _ in range(5)))
    topics = Topics()
    clock = Clock()
    closer = WindowCloser(tables, topics, settings, clock, lanes=lanes, generation=generation)
    return closer, tables, topics, clock


_offsets: dict[tuple[int, int], int] = {}


async def feed(closer, partition, contribution, offset=None):
    """Deliver like Kafka would: each partition's offsets count up."""
    key = (id(closer.tables), partition)
    if offset is None:
        offset = _offsets[key] = _offsets.get(key, -1) + 1
    await closer.on_contribution(partition, offset, contribution)


def contribution(platform, start, max_time, mentions=1, piracy=0, ids=()):
    return Contribution(
        platform=platform,
        window_start=start,
        max_event_time=max_time,
        mentions=mentions,
        sentiment_sum=0.1 * mentions,
        sentiment_count=mentions,
        intent_counts={"piracy": piracy} if piracy else {},
        switching_to={},
        switching_from={},
        sources={},
        evidence={"piracy": list(ids)} if ids else {},
    )


async def test_windows_close_on_event_time_and_report_totals():
    closer, tables, topics, _ = make()
    await feed(closer, 0, contribution("netflix", 0, 3, mentions=2))
    await feed(closer, 0, contribution("netflix", 0, 9, mentions=3))
    await feed(closer, 0, contribution("netflix", 10, 11.9))
    assert topics.windows.values == []  # 11.9 < 0 + 10 + 2 lateness
    await feed(closer, 0, contribution("netflix", 10, 12.0))
    [closed] = topics.windows.values
    assert closed.mentions == 5 and closed.closed_by == "watermark"
    assert closed.window_start == "1970-01-01T00:00:00Z"
    assert closed.window_end == "1970-01-01T00:00:10Z"
    assert tables.windows["netflix|0.000"]["closed"]  # kept for late posts (revisions) ...
    await feed(closer, 0, contribution("netflix", 10, 14.0))
    assert list(tables.windows) == ["netflix|10.000"]  # ... until one more allowed lateness


async def test_quiet_stream_closes_on_wall_clock_ticks():
    closer, tables, topics, clock = make()
    await feed(closer, 0, contribution("hulu", 0, 5))
    clock.now += 6.9  # effective watermark 11.9
    await feed(closer, 0, tick(clock.now))
    assert topics.windows.values == []
    clock.now += 0.2
    await feed(closer, 0, tick(clock.now))
    [closed] = topics.windows.values
    assert closed.closed_by == "wall_clock"
    clock.now += 2  # one more allowed lateness: nothing can revise it now
    await feed(closer, 0, tick(clock.now))
    assert tables.windows == {}


async def test_ticks_only_close_their_own_partition():
    closer, _, topics, clock = make()
    await feed(closer, 1, contribution("hulu", 0, 5))
    clock.now += 100
    await feed(closer, 0, tick(clock.now))
    assert topics.windows.values == []
    await feed(closer, 1, tick(clock.now))
    assert len(topics.windows.values) == 1


async def test_late_contributions_are_counted_not_lost():
    closer, _, topics, _ = make()
    await feed(closer, 0, contribution("max", 0, 1))
    await feed(closer, 0, contribution("max", 10, 13))  # closes window 0
    await feed(closer, 0, contribution("max", 0, 2, mentions=4))  # too late
    await feed(closer, 0, contribution("max", 20, 25))  # closes window 10
    first, second = topics.windows.values
    assert first.late_events == 0 and second.late_events == 4


@pytest.mark.parametrize("restart", [False, True])
async def test_piracy_surge_alert_fires_once(restart):
    closer, tables, topics, _ = make()
    for i in range(6):
        await feed(closer, 0, contribution("netflix", i * 10, i * 10 + 5, piracy=1))
    await feed(closer, 0, contribution("netflix", 60, 65, mentions=40, piracy=40, ids=["t3_x"]))
    await feed(closer, 0, contribution("netflix", 70, 75, piracy=1))
    if restart:  # a new closer over the same (recovered) tables: state carries over
        closer = WindowCloser(tables, topics, closer_settings(closer), closer.clock)
    await feed(closer, 0, contribution("netflix", 80, 85, piracy=1))
    firing = [a for a in topics.alerts.values if a.status == "firing"]
    assert [(a.rule, a.platform, a.evidence) for a in firing] == [
        ("piracy_surge", "netflix", ["t3_x"])
    ]
    assert firing[0].window_start == "1970-01-01T00:01:00Z"


def closer_settings(closer):
    settings = Settings()
    settings.pipeline.window_seconds = closer.size
    settings.pipeline.allowed_lateness_seconds = closer.lateness
    settings.alerts.min_baseline_windows = closer.thresholds.min_baseline_windows
    return settings


async def test_redelivered_contributions_are_not_counted_twice():
    closer, _, topics, _ = make()
    await feed(closer, 0, contribution("netflix", 0, 3, mentions=2), offset=0)
    await feed(closer, 0, contribution("netflix", 0, 4, mentions=3), offset=1)
    # a crash before the commit: Kafka delivers offsets 0 and 1 again
    await feed(closer, 0, contribution("netflix", 0, 3, mentions=2), offset=0)
    await feed(closer, 0, contribution("netflix", 0, 4, mentions=3), offset=1)
    await feed(closer, 0, contribution("netflix", 10, 20), offset=2)
    [closed] = topics.windows.values
    assert closed.mentions == 5


async def test_redelivery_after_the_window_closed_is_not_counted_as_late():
    closer, _, topics, _ = make()
    await feed(closer, 0, contribution("hulu", 0, 3, mentions=2), offset=0)
    await feed(closer, 0, contribution("hulu", 10, 13), offset=1)  # closes window 0
    # a new owner of the partition re-reads offsets 0 and 1 after a rebalance
    await feed(closer, 0, contribution("hulu", 0, 3, mentions=2), offset=0)
    await feed(closer, 0, contribution("hulu", 10, 13), offset=1)
    await feed(closer, 0, contribution("hulu", 20, 40), offset=2)
    first, second, *_ = topics.windows.values
    assert (first.mentions, second.mentions, second.late_events) == (2, 1, 0)


async def test_a_partition_paused_by_a_rebalance_is_waited_for():
    closer, _, topics, clock = make(idle=20.0)
    lanes = {"raw:0": 5.0, "raw:1": 5.0}
    c = contribution("hulu", 0, 5)
    c.sources.update(lanes)
    await feed(closer, 0, c)
    clock.now += 15  # partition raw:1 is moving to another worker: quiet, not idle yet
    c2 = contribution("hulu", 10, 25)
    c2.sources.update({"raw:0": 25.0})
    await feed(closer, 0, c2)
    assert topics.windows.values == []  # raw:1 still holds the watermark at t=5
    clock.now += 10  # now idle past 20 s: projected 5 + 5 = 10 < 12, still waiting
    await feed(closer, 0, tick(clock.now))
    assert topics.windows.values == []
    clock.now += 3
    await feed(closer, 0, tick(clock.now))
    assert [w.window_start for w in topics.windows.values] == ["1970-01-01T00:00:00Z"]


# -- replays, restarts and revisions (issue 12) -------------------------------------------

LANES = ("reddit:0", "reddit:1", "trends:0", "trends:1")


def from_lane(platform, start, max_time, lane, lane_time, offset, mentions=1):
    c = contribution(platform, start, max_time, mentions=mentions)
    c.sources.update({lane: lane_time})
    c.offsets = {lane: [[offset, offset]]}
    return c


async def test_a_fast_replay_read_one_partition_first_loses_nothing():
    """The mechanism of issue 12: partition 0's first micro-batch already spans the whole
    file. With only the lanes seen so far deciding, all 80 windows closed on it and
    partition 1's posts all came late (79 of 80, this test before the fix)."""
    closer, tables, topics, clock = make(idle=20.0, backlog=300.0, lanes=LANES)
    clock.now += 60  # the worker has been ready a minute: every lane would look idle
    for lane in ("reddit:0", "reddit:1"):
        for w in range(80):
            await feed(closer, 0, from_lane("max", w * 10.0, w * 10.0 + 5, lane, 800.0, w))
        clock.now += 0.1
    assert topics.windows.values == []  # trends lanes never delivered: a backlog waits
    clock.now += 23  # every lane idle, nothing catching up: the replay is over
    await feed(closer, 0, tick(clock.now))
    closed = topics.windows.values
    assert len(closed) == 80 and {w.mentions for w in closed} == {2}
    assert sum(w.late_events for w in closed) == 0


async def test_a_restarted_worker_waits_for_its_backlog_before_idling():
    generation = [1]
    closer, tables, topics, clock = make(
        idle=5.0, backlog=300.0, lanes=("reddit:0", "reddit:1"), generation=lambda: generation[0]
    )
    t = clock.now
    await feed(closer, 0, from_lane("netflix", t - 10, t - 9, "reddit:0", t - 9, 0))
    await feed(closer, 0, from_lane("netflix", t - 10, t - 9, "reddit:1", t - 9, 0))
    clock.now += 600  # down ten minutes; back in a new generation
    generation[0] = 2
    await feed(closer, 0, tick(clock.now))
    assert topics.windows.values == []  # not idle yet: the backlog comes first
    for lane in ("reddit:0", "reddit:1"):
        await feed(closer, 0, from_lane("netflix", t + 300, t + 301, lane, t + 301, 1))
    closed = topics.windows.values
    assert [w.window_start for w in closed] == [iso(t - 10)]  # its own window
    clock.now += 20  # the backlog read, every lane idle: projected from here
    await feed(closer, 0, tick(clock.now))
    assert [w.mentions for w in topics.windows.values] == [2, 2]
    assert all(w.late_events == 0 for w in topics.windows.values)


async def test_a_quiet_live_stream_closes_within_idle_plus_lateness_with_every_lane_expected():
    closer, _, topics, clock = make(idle=5.0, backlog=300.0, lanes=LANES)
    start = (clock.now // 10) * 10
    clock.now = start + 9.5  # live: the posts are from just now
    for lane in ("reddit:0", "reddit:1"):
        await feed(closer, 0, from_lane("hulu", start, start + 9.5, lane, start + 9.5, 0))
    await feed(closer, 0, tick(clock.now))
    clock.now = start + 9.5 + 5 + 2.4  # idle + lateness (minus the 0.5 s to the window end)
    await feed(closer, 0, tick(clock.now))
    assert topics.windows.values == []
    clock.now += 0.2
    await feed(closer, 0, tick(clock.now))
    [closed] = topics.windows.values
    assert closed.closed_by == "wall_clock"


async def test_a_late_partial_from_a_lane_that_was_on_time_revises_its_window():
    closer, tables, topics, clock = make(idle=0.0, lanes=())
    await feed(closer, 0, from_lane("max", 0, 5, "reddit:0", 5, 0))
    await feed(closer, 0, from_lane("max", 10, 13, "reddit:0", 13, 1))  # closes window 0
    # reddit:1 was idle (projected): its post for window 0 arrives after the close
    await feed(closer, 0, from_lane("max", 0, 6, "reddit:1", 6, 0, mentions=2), offset=None)
    first, revised = topics.windows.values
    assert (first.window_id, first.revision, first.mentions) == ("max|0.000", 0, 1)
    assert (revised.window_id, revised.revision, revised.mentions) == ("max|0.000", 1, 3)
    assert revised.closed_by == "revision" and revised.late_events == first.late_events
    # redelivered: not counted again
    await feed(closer, 0, from_lane("max", 0, 6, "reddit:1", 6, 0, mentions=2), offset=2)
    assert len(topics.windows.values) == 2
    # past one more allowed lateness it is left out and counted late instead
    clock.now += 100
    await feed(closer, 0, tick(clock.now))  # closes window 10: the watermark is at 106
    await feed(closer, 0, from_lane("max", 10, 11, "reddit:1", 11, 4))  # 106 >= 10 + 10 + 4
    await feed(closer, 0, from_lane("max", 120, 125, "reddit:0", 125, 5))
    clock.now += 200
    await feed(closer, 0, tick(clock.now))
    assert [w.revision for w in topics.windows.values] == [0, 1, 0, 0]
    assert topics.windows.values[-1].late_events == 1
    # no alert is judged again on a revision
    assert topics.alerts.values == []


def iso(epoch):
    from streamapp.records.raw import iso_utc

    return iso_utc((epoch // 10) * 10)


async def test_lanes_learnt_after_the_app_was_built_hold_the_windows_too():
    """The lanes are asked again on every contribution: a partition that the cluster's
    metadata names (a topic with more partitions than configured) holds the windows
    although the closer was built knowing only the configured ones."""
    known = ["reddit:0"]
    closer, _, topics, clock = make(idle=20.0, backlog=300.0, lanes=lambda: tuple(known))
    known.append("reddit:5")  # what prepare_start learns before the worker starts
    for w in range(5):
        await feed(closer, 0, from_lane("max", w * 10.0, w * 10.0 + 5, "reddit:0", 45.0, w))
    assert topics.windows.values == []  # reddit:5 has not delivered: the windows wait
    await feed(closer, 0, from_lane("max", 0.0, 5.0, "reddit:5", 45.0, 0))
    closed = topics.windows.values
    assert [w.mentions for w in closed][:1] == [2] and len(closed) == 4
    assert sum(w.late_events for w in closed) == 0


def gauge(platform, partition, day, at_risk, active=100):
    return viewers_report(platform, partition, [day, active, at_risk, at_risk * 0.7])


async def test_the_viewers_gauge_is_stamped_on_windows_and_moves_no_lane():
    closer, tables, topics, _ = make(lanes=["raw:0"])
    await feed(closer, 0, gauge("netflix", 0, 5, 10))
    await feed(closer, 0, gauge("netflix", 1, 5, 4, active=50))
    assert tables.watermarks.get("p0") is None  # a gauge is no lane's progress
    await feed(closer, 0, gauge("netflix", 1, 4, 99))  # an older day never replaces
    await feed(closer, 0, gauge("netflix", 0, 5, 10))  # a snapshot read twice: no change
    first = contribution("netflix", 0, 3, mentions=2)
    await feed(closer, 0, Contribution(**{**first.asdict(), "sources": {"raw:0": 3.0}}))
    await feed(closer, 0, gauge("hulu", 0, 5, 1))
    nxt = contribution("netflix", 10, 12)
    await feed(closer, 0, Contribution(**{**nxt.asdict(), "sources": {"raw:0": 12.0}}))
    [closed] = topics.windows.values
    assert closed.mentions == 2  # the market's counts are untouched
    assert (closed.accounts_active, closed.accounts_at_risk) == (150, 14)
    assert closed.expected_cancellations == pytest.approx(14 * 0.7)


async def test_the_gauges_risk_bands_and_churn_quality_reach_the_window():
    closer, _, topics, _ = make(lanes=["raw:0"])
    row = viewer_gauge.extend([5, 2, 1, 0.8], 40, {"model_roc_auc": 0.81}, [0.01, 0.9])
    await feed(closer, 0, viewers_report("netflix", 0, row))
    first = contribution("netflix", 0, 3, mentions=2)
    await feed(closer, 0, Contribution(**{**first.asdict(), "sources": {"raw:0": 3.0}}))
    nxt = contribution("netflix", 10, 12)
    await feed(closer, 0, Contribution(**{**nxt.asdict(), "sources": {"raw:0": 12.0}}))
    [closed] = topics.windows.values
    assert closed.risk_histogram["accounts"] == [1, 0, 0, 0, 0, 0, 0, 1]
    assert closed.churn_quality["model_roc_auc"] == 0.81 and closed.churn_quality["labels"] == 40


async def test_windows_without_a_viewers_report_carry_none():
    closer, _, topics, _ = make()
    await feed(closer, 0, contribution("netflix", 0, 3))
    await feed(closer, 0, contribution("netflix", 10, 12))
    [closed] = topics.windows.values
    assert closed.accounts_active is None and closed.accounts_at_risk is None
