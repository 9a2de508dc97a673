"""When a collector may try again: jittered exponential backoff and a circuit breaker.

Rate limits (HTTP 429) start at 60 s and double; other failures (5xx, timeouts, malformed
answers) start at 10 s and double; both are capped at an hour. Jitter only lengthens a
wait (x1.0-1.5), so the first wait after a 429 is never under 60 s, and workers that were
limited together do not come back together. A server's `Retry-After` is a floor.

After `breaker_threshold` failures in a row the breaker *opens*: the source is tried once
per cap (an hour) until a try succeeds, which closes it again (the try is the half-open
probe). The state is reported in logs, `/healthz` and the staleness metric.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

RATE_LIMIT_FIRST_S = 60.0
ERROR_FIRST_S = 10.0
CAP_S = 3600.0
BREAKER_THRESHOLD = 5
JITTER = 0.5


@dataclass
class Backoff:
    rate_limit_first_s: float = RATE_LIMIT_FIRST_S
    error_first_s: float = ERROR_FIRST_S
    cap_s: float = CAP_S
    breaker_threshold: int = BREAKER_THRESHOLD
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0
    rate_limited: bool = False

    @property
    def state(self) -> str:
        if self.failures >= self.breaker_threshold:
            return "open"
        return "backing_off" if self.failures else "closed"

    def on_success(self) -> None:
        self.failures = 0
        self.rate_limited = False

    def on_failure(self, *, rate_limited: bool, retry_after: float | None = None) -> float:
        """Count a failure; returns how many seconds to wait before the next try."""
        self.failures += 1
        self.rate_limited = rate_limited
        first = self.rate_limit_first_s if rate_limited else self.error_first_s
        base = min(self.cap_s, first * 2.0 ** (self.failures - 1))
        delay = min(self.cap_s, base * (1.0 + JITTER * self.rng.random()))
        if self.state == "open":
            delay = self.cap_s
        if retry_after is not None and retry_after > delay:
            delay = retry_after
        return delay


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` in seconds (the HTTP-date form is rare for APIs and read as absent)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
