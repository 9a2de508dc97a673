"""Backoff and circuit breaker for the collectors (streamapp.sources.backoff)."""

from __future__ import annotations

import random

from streamapp.sources.backoff import Backoff, parse_retry_after


def test_rate_limits_wait_at_least_a_minute_then_double_with_jitter() -> None:
    backoff = Backoff(rng=random.Random(1))
    waits = [backoff.on_failure(rate_limited=True) for _ in range(4)]
    for n, wait in enumerate(waits):
        base = 60.0 * 2**n
        assert base <= wait <= base * 1.5
    assert len(set(waits)) == 4


def test_jitter_differs_between_workers() -> None:
    a = Backoff(rng=random.Random(1)).on_failure(rate_limited=True)
    b = Backoff(rng=random.Random(2)).on_failure(rate_limited=True)
    assert a != b and min(a, b) >= 60.0


def test_other_errors_start_shorter() -> None:
    wait = Backoff(rng=random.Random(3)).on_failure(rate_limited=False)
    assert 10.0 <= wait <= 15.0


def test_waits_are_capped_near_an_hour_and_the_breaker_opens() -> None:
    backoff = Backoff(rng=random.Random(4))
    waits = []
    for _ in range(8):
        waits.append(backoff.on_failure(rate_limited=True))
    assert max(waits) <= 3600.0
    assert backoff.state == "open"
    assert waits[-1] == 3600.0
    backoff.on_success()
    assert backoff.state == "closed" and backoff.failures == 0
    assert backoff.on_failure(rate_limited=True) < 90.0  # closed again: starts over


def test_breaker_state_goes_closed_backing_off_open() -> None:
    backoff = Backoff(breaker_threshold=3, rng=random.Random(5))
    assert backoff.state == "closed"
    backoff.on_failure(rate_limited=False)
    assert backoff.state == "backing_off"
    backoff.on_failure(rate_limited=False)
    backoff.on_failure(rate_limited=False)
    assert backoff.state == "open"


def test_retry_after_is_a_floor() -> None:
    backoff = Backoff(rng=random.Random(6))
    assert backoff.on_failure(rate_limited=True, retry_after=500.0) == 500.0
    assert Backoff(rng=random.Random(6)).on_failure(rate_limited=True, retry_after=5.0) >= 60.0


def test_retry_after_header_values() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert parse_retry_after("-3") is None
