"""Drivers as regressor columns, aligned to a series' points and its forecast horizon.

A point stands for a period of local calendar days: its own day (daily), the 7 days from
its stamp (weekly: Trends weeks start on the stamp), the calendar month or quarter that
holds the stamp (month and quarter stamps may be the first or the last day), and for
sub-daily live windows the local day of the window's middle. Live stamps are UTC
(`utc=True`) and are moved to `tz` first, so a window at 03:00 UTC on 25 Nov is still
Thanksgiving in New York.

Column values: an event contributes `value` times the share of the period's days it is
active (a one-day holiday is 1 at daily points, 1/7 at weekly ones); events of the same
name add up. A user series is averaged over the period's days. Public holidays are one
column, `holiday`.

A column is used only when (1) its future is known for the whole horizon (events: the
calendar is the announcement; a user series: up to its last date), (2) at least two
history points are active (one occurrence cannot be told from noise) and (3) it varies
in the history.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from streamapp.analytics.forecasting.drivers import Driver
from streamapp.analytics.forecasting.frequency import DAY, Frequency

HOLIDAY = "holiday"


@dataclass(frozen=True)
class Design:
    names: tuple[str, ...]  # usable columns, in a stable order
    history: dict[str, list[float]]
    future: dict[str, list[float]]
    skipped: dict[str, str] = field(default_factory=dict)  # column -> why it is not used


@dataclass(frozen=True)
class DriverContext:
    """The drivers of one series: its platform's events, the all-platform ones, the
    user series, and the public holidays of `country` (None: no holidays)."""

    drivers: tuple[Driver, ...] = ()
    platform: str = ""
    country: str | None = "US"
    tz: str = "UTC"
    utc: bool = False  # stamps are naive UTC (live windows), not local dates

    def relevant(self) -> list[Driver]:
        return [d for d in self.drivers if d.platform in ("", self.platform)]

    def design(self, stamps: Sequence[datetime], horizon: int, freq: Frequency) -> Design:
        future_stamps = [freq.advance(stamps[-1], h + 1) for h in range(horizon)]
        periods = [self.period(s, freq) for s in [*stamps, *future_stamps]]
        columns: dict[str, list[float | None]] = {}
        known_until: dict[str, date | None] = {}
        events = [d for d in self.relevant() if not d.series]
        for name in sorted({d.name for d in events}):
            mine = [d for d in events if d.name == name]
            columns[name] = [_event_share(mine, days) for days in periods]
            known_until[name] = None
        series = [d for d in self.relevant() if d.series]
        for name in sorted({d.name for d in series}):
            by_day = {d.start: d.value for d in series if d.name == name}
            columns[name] = [_mean_over(by_day, days) for days in periods]
            known_until[name] = max(by_day)
        if self.country:
            years = range(periods[0][0].year, periods[-1][-1].year + 1)
            days_off = public_holidays(self.country, tuple(years))
            columns[HOLIDAY] = [sum(d in days_off for d in days) / len(days) for days in periods]
            known_until[HOLIDAY] = None
        n = len(stamps)
        names, skipped = [], {}
        for name, column in columns.items():
            why = _why_not(column[:n], column[n:], known_until[name], periods[-1][-1])
            if why:
                skipped[name] = why
            else:
                names.append(name)
        return Design(
            tuple(names),
            {k: [v or 0.0 for v in columns[k][:n]] for k in names},
            {k: [v or 0.0 for v in columns[k][n:]] for k in names},
            skipped,
        )

    def active(self, start: datetime, end: datetime) -> list[Driver]:
        """Events of this platform active on a local day of [start, end) (naive UTC when
        `utc`, else local): what `forecast_breach` messages name."""
        first, last = self._local(start).date(), self._local(end - timedelta(seconds=1)).date()
        return [d for d in self.relevant() if not d.series and d.start <= last and d.end >= first]

    def period(self, stamp: datetime, freq: Frequency) -> list[date]:
        if freq.name == "W":
            return [stamp.date() + timedelta(days=i) for i in range(7)]
        if freq.name in ("M", "Q"):
            months = 1 if freq.name == "M" else 3
            first_month = (stamp.month - 1) // months * months + 1
            first = date(stamp.year, first_month, 1)
            after = date(
                first.year + (first_month + months > 12), (first_month + months - 1) % 12 + 1, 1
            )
            return [first + timedelta(days=i) for i in range((after - first).days)]
        if freq.step_seconds < DAY:
            stamp = stamp + timedelta(seconds=freq.step_seconds / 2)
        return [self._local(stamp).date()]

    def _local(self, stamp: datetime) -> datetime:
        if not self.utc:
            return stamp
        return stamp.replace(tzinfo=UTC).astimezone(ZoneInfo(self.tz)).replace(tzinfo=None)


@functools.lru_cache(maxsize=32)
def public_holidays(country: str, years: tuple[int, ...]) -> dict[date, str]:
    """The `holidays` package's public holidays (its own tables; nothing is fetched)."""
    import holidays

    try:
        found = holidays.country_holidays(country, years=years)
    except NotImplementedError:
        raise ValueError(f"country {country!r} has no public holidays in `holidays`") from None
    return dict(found.items())


def _event_share(events: list[Driver], days: list[date]) -> float:
    total = 0.0
    for event in events:
        active = sum(event.start <= d <= event.end for d in days)
        total += event.value * active / len(days)
    return total


def _mean_over(by_day: dict[date, float], days: list[date]) -> float | None:
    values = [by_day[d] for d in days if d in by_day]
    return sum(values) / len(values) if values else None


def _why_not(
    history: list[float | None], future: list[float | None], known_until: date | None, last: date
) -> str:
    if known_until is not None and known_until < last:
        return f"future unknown after {known_until}"
    if any(v is None for v in history) or any(v is None for v in future):
        return "values missing in the history"
    active = sum(1 for v in history if v)
    if active < 2:
        return f"active at {active} history point(s), need 2"
    if len({round(v or 0.0, 12) for v in history}) < 2:
        return "constant in the history"
    return ""
