"""The fake clock unit tests inject where the code takes a `clock` (and a `sleep`)."""

from __future__ import annotations

from typing import Any


class FakeClock:
    """A clock that says `now` until the test moves it, or until someone sleeps on it.

    `now` is whatever the code under test reads from its clock (epoch seconds by default,
    a datetime for the code that takes one); `sleep` advances it and records each sleep,
    to the microsecond so that sums of floats compare exactly."""

    def __init__(self, now: Any = 1_000_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> Any:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds
