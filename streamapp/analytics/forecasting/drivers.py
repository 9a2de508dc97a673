"""Demand drivers: a calendar of known events, and numeric series a user has.

Two CSV shapes (a `#` line is a comment; a header line names the columns):
- the calendar, `date,platform,name,value[,end_date][,source]`: an event of `platform`
  (empty: every platform) active from `date` to `end_date` (inclusive; default the one
  day), e.g. `2022-11-03,netflix,ad_tier,6.99,,Netflix press release 2022-10-13`;
- a user series, `date,name,value` (weather, marketing spend): one value per date. Its
  future is known only up to its last date: a forecast that reaches past it does not use
  it (see `DriverSet.usable`).

Dates are calendar dates (`YYYY-MM-DD`) of the country's local time; a bad line is
refused with the file, the line and the reason (`DriverError`). No I/O here beyond
parsing the text given; no network (public holidays come from the `holidays` package's
built-in tables).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import date

CALENDAR_COLUMNS = ("date", "platform", "name", "value", "end_date", "source")
SERIES_COLUMNS = ("date", "name", "value")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class DriverError(ValueError):
    """A drivers file we refuse; the message names the file, the line and the reason."""


@dataclass(frozen=True)
class Driver:
    start: date
    end: date  # inclusive
    platform: str  # "" = every platform
    name: str
    value: float
    source: str = ""
    series: bool = False  # a user's numeric series (future known only up to its last date)

    @property
    def key(self) -> str:
        """The compacted topic's key: date|platform|name."""
        return f"{self.start.isoformat()}|{self.platform}|{self.name}"

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.start.isoformat(),
            "end_date": self.end.isoformat(),
            "platform": self.platform,
            "name": self.name,
            "value": self.value,
            "source": self.source,
            "series": self.series,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Driver:
        start = date.fromisoformat(str(data["date"]))
        end = date.fromisoformat(str(data.get("end_date") or data["date"]))
        return cls(
            start,
            end,
            str(data.get("platform") or ""),
            str(data["name"]),
            float(data["value"]),  # type: ignore[arg-type]
            str(data.get("source") or ""),
            bool(data.get("series", False)),
        )


def parse_drivers(text: str, where: str = "<drivers>") -> list[Driver]:
    """All lines of a drivers file, or DriverError at the first bad one."""
    lines = [
        (number, row)
        for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1)
        if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#")
    ]
    if not lines:
        raise DriverError(f"{where}: no driver lines")
    number, header = lines[0]
    columns = [h.strip().lower() for h in header]
    shape: tuple[str, ...]
    if columns[: len(SERIES_COLUMNS)] == list(SERIES_COLUMNS) and "platform" not in columns:
        shape, series = SERIES_COLUMNS, True
    elif set(columns) <= set(CALENDAR_COLUMNS) and {"date", "name", "value"} <= set(columns):
        shape, series = tuple(columns), False
    else:
        raise DriverError(
            f"{where}:{number}: header must be date,platform,name,value[,end_date][,source] "
            f"or date,name,value, got {','.join(columns)}"
        )
    out = []
    for number, row in lines[1:]:
        try:
            out.append(_driver(dict(zip(shape, [c.strip() for c in row], strict=False)), series))
        except (ValueError, KeyError) as exc:
            raise DriverError(f"{where}:{number}: {exc}") from None
        if len(row) > len(shape) and any(c.strip() for c in row[len(shape) :]):
            raise DriverError(f"{where}:{number}: {len(row)} cells, the header has {len(shape)}")
    return out


def _driver(cells: dict[str, str], series: bool) -> Driver:
    start = _date(cells.get("date", ""), "date")
    end = _date(cells["end_date"], "end_date") if cells.get("end_date") else start
    if end < start:
        raise ValueError(f"end_date {end} is before date {start}")
    name = cells.get("name", "").lower()
    if not _NAME.match(name):
        raise ValueError(f"name {cells.get('name', '')!r}: use lowercase letters, digits, _")
    text = cells.get("value", "")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"value {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"value {text!r} is not finite")
    platform = cells.get("platform", "").lower()
    if platform and not _NAME.match(platform):
        raise ValueError(f"platform {platform!r}: use an id such as netflix, disney_plus")
    return Driver(start, end, platform, name, value, cells.get("source", ""), series)


def _date(text: str, column: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{column} {text!r} is not a YYYY-MM-DD date") from None
