"""How often a series has a point, and the season its seasonal-naive model repeats.

Seasons: daily data repeats weekly (7), weekly data yearly (52), monthly yearly (12),
quarterly yearly (4). Sub-daily data (the worker's closed windows) repeats daily, i.e.
86,400 s / step points. A season is only used when the history holds at least two of
them; otherwise the seasonal naive model degrades to naive (season 1), and says so.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

DAY = 86_400.0


@dataclass(frozen=True)
class Frequency:
    name: str  # "D", "W", "M", "Q" or "<n>s"
    step_seconds: float  # a typical step (months and quarters vary; use `advance`)
    season: int  # points per season

    def advance(self, stamp: datetime, steps: int) -> datetime:
        """The timestamp `steps` points after `stamp` (calendar-aware for M and Q)."""
        if self.name in ("M", "Q"):
            months = steps * (1 if self.name == "M" else 3)
            return _add_months(stamp, months)
        return stamp + timedelta(seconds=self.step_seconds * steps)

    def usable_season(self, n_points: int) -> int:
        return self.season if self.season > 1 and n_points >= 2 * self.season else 1


NAMED = {
    "D": Frequency("D", DAY, 7),
    "W": Frequency("W", 7 * DAY, 52),
    "M": Frequency("M", 30.4375 * DAY, 12),
    "Q": Frequency("Q", 91.3125 * DAY, 4),
}


def seconds_frequency(step_seconds: float) -> Frequency:
    """Regular sub-daily steps, e.g. the worker's 60 s windows (season: one day)."""
    return Frequency(f"{step_seconds:g}s", step_seconds, max(1, round(DAY / step_seconds)))


def detect(stamps: Sequence[datetime]) -> Frequency:
    if len(stamps) < 3:
        raise ValueError("need at least 3 timestamps to tell the frequency")
    step = statistics.median(
        (b - a).total_seconds() for a, b in zip(stamps, stamps[1:], strict=False)
    )
    days = step / DAY
    if step <= 0:
        raise ValueError("timestamps are not increasing")
    if days < 0.9:
        return seconds_frequency(step)
    for name, low, high in (("D", 0.9, 1.1), ("W", 6.5, 7.5), ("M", 27, 32), ("Q", 88, 93)):
        if low <= days <= high:
            return NAMED[name]
    raise ValueError(f"cannot tell the frequency of a series stepping every {days:.1f} days")


def by_name(name: str) -> Frequency:
    try:
        return NAMED[name.upper()]
    except KeyError:
        raise ValueError(f"frequency {name!r}: use one of {', '.join(NAMED)}") from None


def _add_months(stamp: datetime, months: int) -> datetime:
    """Month arithmetic that keeps month ends at month ends (31 Mar + 3 = 30 Jun)."""
    index = stamp.year * 12 + stamp.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = _last_day(year, month)
    at_end = stamp.day == _last_day(stamp.year, stamp.month)
    return stamp.replace(year=year, month=month, day=last if at_end else min(stamp.day, last))


def _last_day(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
