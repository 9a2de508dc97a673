"""The benchmarks' machine-readable last lines and their percentile helper (no broker)."""

from __future__ import annotations

import re

import pytest

from bench.common import (
    cpu_seconds,
    latency_line,
    latency_summary,
    parse_env_pairs,
    percentile,
    table,
    throughput_line,
)

NUMBER = r"\d+(?:\.\d{1,2})?"
THROUGHPUT = re.compile(
    rf"^throughput: pipeline=({NUMBER}) bare=({NUMBER}) transport=({NUMBER}) "
    r"ratio=(\d+\.\d{2,3})$"
)
LATENCY = re.compile(rf"^latency: rate=({NUMBER}) p50_ms=({NUMBER}) p99_ms=({NUMBER})$")


def test_throughput_line_has_the_documented_shape() -> None:
    line = throughput_line(pipeline=2345.678, bare=10123.4, transport=150000.0)
    assert line == ("throughput: pipeline=2345.7 bare=10123.4 transport=150000.0 ratio=0.232")
    match = THROUGHPUT.match(line)
    assert match is not None
    assert float(match.group(4)) == pytest.approx(2345.678 / 10123.4, abs=5e-4)


def test_throughput_ratio_is_rounded_not_truncated() -> None:
    assert throughput_line(1999.9, 10000.0, 1.0).endswith("ratio=0.200")
    assert throughput_line(2, 3, 4).endswith("ratio=0.667")


def test_throughput_line_survives_a_zero_bare_rate() -> None:
    line = throughput_line(0.0, 0.0, 0.0)
    assert THROUGHPUT.match(line)
    assert line.endswith("ratio=0.000")


def test_latency_line_has_the_documented_shape() -> None:
    line = latency_line(rate=499.04, p50_ms=56.349, p99_ms=103.25)
    assert line == "latency: rate=499.0 p50_ms=56.3 p99_ms=103.2"
    assert LATENCY.match(line)


def test_lines_use_plain_decimals_for_large_and_small_numbers() -> None:
    assert LATENCY.match(latency_line(1e6, 0.0004, 12345.678))
    assert THROUGHPUT.match(throughput_line(1e7, 1e7, 1e8))
    assert "e+" not in throughput_line(1e7, 1e7, 1e8)


def test_percentile_interpolates_between_ranks_like_numpy() -> None:
    values = [15, 20, 35, 40, 50]
    assert percentile(values, 0) == 15
    assert percentile(values, 100) == 50
    assert percentile(values, 50) == 35
    assert percentile(values, 40) == pytest.approx(29.0)  # numpy.percentile(values, 40)
    assert percentile(values, 99) == pytest.approx(49.6)


def test_percentile_ignores_input_order_and_handles_one_value() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([7.5], 99) == 7.5


def test_percentile_of_a_large_uniform_sample() -> None:
    values = list(range(1, 1001))  # 1..1000
    assert percentile(values, 50) == pytest.approx(500.5)
    assert percentile(values, 99) == pytest.approx(990.01)


@pytest.mark.parametrize("q", [-1, 100.5])
def test_percentile_rejects_out_of_range_q(q: float) -> None:
    with pytest.raises(ValueError):
        percentile([1.0], q)


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)


def test_latency_summary() -> None:
    summary = latency_summary([float(v) for v in range(101)])  # 0..100
    assert summary == {"p50": 50.0, "p95": 95.0, "p99": 99.0, "max": 100.0}


def test_table_aligns_columns() -> None:
    text = table([("transport", 20000, "150000.0"), ("pipeline", 19999, "2000.0")], ("a", "b", "c"))
    lines = text.splitlines()
    assert lines[0].split() == ["a", "b", "c"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].index("20000") == lines[3].index("19999")


def test_parse_env_pairs() -> None:
    assert parse_env_pairs(["A=1", "B=x=y", "C="]) == {"A": "1", "B": "x=y", "C": ""}
    assert parse_env_pairs(None) == {}
    with pytest.raises(ValueError):
        parse_env_pairs(["NOEQUALS"])


def test_cpu_seconds_of_this_process() -> None:
    import os

    result = cpu_seconds(os.getpid())
    if result is None:  # not Linux
        pytest.skip("no /proc")
    on_cpu, waiting = result
    assert on_cpu > 0 and waiting >= 0
    assert cpu_seconds(None) is None


def test_sink_line_has_the_documented_shape() -> None:
    from bench.sink import sink_line

    line = sink_line(463.24, 494.31)
    assert line == "sink: rows_per_s=463.2 plain_rows_per_s=494.3 ratio=0.937"
    assert re.fullmatch(r"sink: rows_per_s=\S+ plain_rows_per_s=\S+ ratio=\S+", line)
    assert sink_line(10.0, 0.0).endswith("ratio=nan")


def test_viewers_line_has_the_documented_shape() -> None:
    from bench.viewers import viewers_line

    line = viewers_line(5123.46, 10246.9, 0.345)
    assert line == "viewers: pipeline=5123.5 bare=10246.9 ratio=0.500 score_p99_ms=0.3"
    pattern = r"viewers: pipeline=[\d.]+ bare=[\d.]+ ratio=[\d.]+ score_p99_ms=[\d.]+"
    assert re.fullmatch(pattern, line)


def test_viewers_bench_events_are_valid_in_time_order_and_cross_midnight() -> None:
    import json

    from bench.viewers import viewing_events
    from streamapp.records.viewing import parse_viewing_event

    items = viewing_events(60, 10)
    parsed = [parse_viewing_event(value) for _, value in items]
    times = [p.epoch for p in parsed]
    assert times == sorted(times) and len({p.account for p in parsed}) == 10
    assert len({int(t // 86_400) for t in times}) > 1  # daily ticks happen in the run
    assert all(key.decode() == json.loads(value)["account"] for key, value in items)
