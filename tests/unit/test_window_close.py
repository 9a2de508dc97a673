import pytest

from streamapp.config import Settings
from streamapp.records import Contribution
from tables.definitions import PipelineTables
from tables.window_close import WindowCloser, tick
from tests.fakes import FakeTable, FakeTopic


class Topics:
    def __init__(self):
        self.windows = FakeTopic("platform-windows")
        self.alerts = FakeTopic("streaming-alerts")


class Clock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def make(window=10.0, lateness=2.0, idle=0.0):
    settings = Settings()
    settings.pipeline.idle_partition_seconds = idle
    settings.pipeline.window_seconds = window
    settings.pipeline.allowed_lateness_seconds = lateness
    settings.alerts.min_baseline_windows = 3
    settings.alerts.cooldown_windows = 2
    tables = PipelineTables(*(FakeTable() for _ in range(5)))
    topics = Topics()
    clock = Clock()
    return WindowCloser(tables, topics, settings, clock), tables, topics, clock


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
    assert list(tables.windows) == ["netflix|10.000"]  # closed windows leave the table


async def test_quiet_stream_closes_on_wall_clock_ticks():
    closer, tables, topics, clock = make()
    await feed(closer, 0, contribution("hulu", 0, 5))
    clock.now += 6.9  # effective watermark 11.9
    await feed(closer, 0, tick(clock.now))
    assert topics.windows.values == []
    clock.now += 0.2
    await feed(closer, 0, tick(clock.now))
    [closed] = topics.windows.values
    assert closed.closed_by == "wall_clock" and tables.windows == {}


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
