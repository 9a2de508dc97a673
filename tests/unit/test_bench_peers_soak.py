"""bench soak's and bench peers' last lines, and the peers bench's output check (no
broker, no Quix Streams)."""

from __future__ import annotations

import re

import pytest

from bench.common import BenchError
from bench.peers import compare, peers_line
from bench.soak import post_chunks, soak_line

NUMBER = r"\d+(?:\.\d{1,2})?"


def test_soak_line_has_the_documented_shape() -> None:
    line = soak_line(100000, 2345.678, 180.04, 190.55)
    assert line == (
        "soak: events=100000 events_per_s=2345.7 rss_mb_at_50pct=180.0 rss_mb_at_end=190.6"
    )
    assert re.match(
        rf"^soak: events=\d+ events_per_s={NUMBER} rss_mb_at_50pct={NUMBER} "
        rf"rss_mb_at_end={NUMBER}$",
        line,
    )


def test_peers_line_has_the_documented_shape() -> None:
    line = peers_line(1200.0, 800.0)
    assert line == "peers: streamapp=1200.0 quixstreams=800.0 ratio=1.500"
    assert peers_line(1.0, 0.0).endswith("ratio=nan")


def test_soak_posts_are_exactly_n_distinct_in_event_time_order() -> None:
    chunks = list(post_chunks(3000, end=1_764_000_000.0))
    posts = [p for chunk in chunks for p in chunk]
    assert len(posts) == 3000 and len({p.id for p in posts}) == 3000
    assert len(chunks) > 1  # generated a chunk at a time
    times = [p.created_utc for p in posts]
    assert times == sorted(times)
    assert times[0] >= 1_764_000_000.0 - 7200 and times[-1] < 1_764_000_000.0


OURS = {("netflix", 0): (3, {"piracy": 1}), ("netflix", 60000): (2, {}), ("hulu", 0): (1, {})}


def test_identical_windows_pass_and_either_may_hold_later_windows_more() -> None:
    quix = {("netflix", 0): (3, {"piracy": 1}), ("netflix", 120000): (1, {})}
    assert compare(OURS, quix).startswith("1 windows closed by both, identical (3 mentions)")


@pytest.mark.parametrize(
    "quix",
    [
        {("netflix", 0): (4, {"piracy": 1})},  # another count
        {("netflix", 0): (3, {"piracy": 2})},  # another intent count
        {("max", 0): (1, {})},  # nothing in common
    ],
)
def test_outputs_that_differ_stop_the_bench(quix) -> None:
    with pytest.raises(BenchError):
        compare(OURS, quix)


def test_a_window_quix_could_have_closed_but_did_not_stops_the_bench() -> None:
    ours = {**OURS, ("netflix", 120000): (1, {})}
    with pytest.raises(BenchError):
        compare(ours, {("netflix", 120000): (1, {})})  # netflix 0 and 60000 missing
