"""The stalled-head watch: when a partition is read again, and when it is left alone."""

from __future__ import annotations

import faust
from faust.types import TP, Message

from streamapp.delivery.faust_fixes import never_skip_messages
from streamapp.delivery.head_watch import HeadWatch, RecoveryWatch, StalledHead, consumer_state
from tests.harness.clock import FakeClock

P0, P1 = TP("reddit-discussions", 0), TP("reddit-discussions", 1)


def watch(clock: FakeClock) -> HeadWatch:
    return HeadWatch(grace_seconds=15, clock=clock)


def test_a_head_missing_longer_than_the_grace_is_reported_once_per_grace() -> None:
    clock = FakeClock()
    w = watch(clock)
    acked, committed = {P1: [978, 979, 980]}, {P1: 977}
    assert w.stalled(acked, committed, []) == []  # first seen missing now
    clock.now += 14
    assert w.stalled(acked, committed, []) == []
    clock.now += 1
    assert w.stalled(acked, committed, []) == [StalledHead(P1, 977, 978)]
    # Reported, then counted afresh: a second seek only after another full grace.
    assert w.stalled(acked, committed, []) == []
    clock.now += 15
    assert w.stalled(acked, committed, []) == [StalledHead(P1, 977, 978)]


def test_an_acknowledged_head_or_an_empty_partition_is_never_stalled() -> None:
    clock = FakeClock()
    w = watch(clock)
    for _ in range(3):
        found = w.stalled(
            {P0: [500, 501], P1: []}, {P0: 500, P1: 977}, []
        )  # P0's head is acked: Faust commits it; P1 has nothing acked
        clock.now += 20
        assert found == []


def test_a_head_still_being_processed_is_not_stalled() -> None:
    clock = FakeClock()
    w = watch(clock)
    acked, committed = {P1: [980]}, {P1: 977}
    for _ in range(3):
        assert w.stalled(acked, committed, [(P1, 978)]) == []  # 977.. in a slow batch
        clock.now += 20
    # Another partition's in-flight message does not count for P1.
    w.stalled(acked, committed, [(P0, 977)])
    clock.now += 20
    assert w.stalled(acked, committed, [(P0, 977)]) == [StalledHead(P1, 977, 980)]


def test_a_moving_head_restarts_the_count() -> None:
    clock = FakeClock()
    w = watch(clock)
    w.stalled({P1: [980]}, {P1: 977}, [])
    clock.now += 10
    w.stalled({P1: [990]}, {P1: 985}, [])  # committed moved on: progress, a new head
    clock.now += 10
    assert w.stalled({P1: [990]}, {P1: 985}, []) == []
    clock.now += 5
    assert w.stalled({P1: [990]}, {P1: 985}, []) == [StalledHead(P1, 985, 990)]


def test_reads_faust_consumer_books() -> None:
    app = faust.App("watch-test", broker="kafka://127.0.0.1:1", autodiscover=False)
    never_skip_messages(app)
    c = app.consumer
    c._acked[P1] = [978, 979]
    c._committed_offset[P1] = 977
    in_flight = Message(P1.topic, P1.partition, 981, 0.0, 0, None, b"k", b"v", None, tp=P1)
    c._unacked_messages.add(in_flight)
    acked, committed, busy = consumer_state(c)
    assert acked == {P1: [978, 979]} and committed[P1] == 977 and busy == [(P1, 981)]
    clock = FakeClock()
    w = watch(clock)
    w.stalled(acked, committed, busy)  # 981 is in flight but after the acked 978
    clock.now += 15
    assert w.stalled(acked, committed, busy) == [StalledHead(P1, 977, 978)]


C1 = TP("app-contributed-offsets-changelog", 1)
C3 = TP("app-contributed-offsets-changelog", 3)


def test_a_changelog_partition_that_reads_nothing_is_read_again_from_its_next_offset() -> None:
    clock = FakeClock()
    w = RecoveryWatch(grace_seconds=15, clock=clock)
    read, high = {C1: -1, C3: 10}, {C1: 43, C3: 43}
    assert w.stalled(read, high) == []
    clock.now += 15
    assert sorted(w.stalled(read, high)) == [(C1, 0), (C3, 11)]
    assert w.stalled(read, high) == []  # a full grace for the new read


def test_a_changelog_partition_that_moves_or_is_done_is_left_alone() -> None:
    clock = FakeClock()
    w = RecoveryWatch(grace_seconds=15, clock=clock)
    w.stalled({C1: 5, C3: 43}, {C1: 43, C3: 43})
    for offset in (10, 20, 30):
        clock.now += 10
        assert w.stalled({C1: offset, C3: 43}, {C1: 43, C3: 43}) == []  # C3 is done
    assert w.stalled({}, {C1: -1}) == []  # an empty changelog has nothing to read
