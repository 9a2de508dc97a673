"""Back-off between delivery attempts: exponential from the first wait, capped, with
jitter (each wait drawn between half and all of its step, so many senders do not retry in
step), and never shorter than a `Retry-After` the destination asked for."""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

# A Retry-After longer than this is taken as this (a misconfigured server must not park a
# destination's queue for hours; the attempt still counts).
RETRY_AFTER_CEILING_S = 600.0


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True)
class Backoff:
    first_s: float = 1.0
    max_s: float = 60.0

    def delay(
        self,
        attempt: int,
        retry_after_s: float | None = None,
        rng: random.Random | None = None,
    ) -> float:
        """The wait after failed attempt number `attempt` (1 = the first)."""
        step = min(self.max_s, self.first_s * 2.0 ** max(attempt - 1, 0))
        wait = step * (0.5 + 0.5 * (rng or random).random())
        if retry_after_s is not None:
            wait = max(wait, min(retry_after_s, RETRY_AFTER_CEILING_S))
        return wait
