"""Reading series for `streamapp backtest` from the CSV shapes people actually have.

Shapes recognised (checked in this order):
- a Google Trends export (`multiTimeline.csv`): `Category: ...`, a blank line, then
  `Week|Day|Month,<term>: (<geo>),...`; one series per term;
- the long Trends shape `date,hits,keyword,...` (pytrends / BigQuery dumps): one series
  per keyword;
- a plain table whose first column is a date (`2019-03-31`, `31-03-2019`, `2019-03`,
  `16Q1`, `2016Q1`, `2016-Q1`) and whose other numeric columns are series.

Google Trends writes `<1` for "above zero, under one": read as 0.5. `#N/A` and empty
cells are missing: leading and trailing gaps are dropped, inner gaps interpolated
linearly (a series with more than a fifth missing is refused). Columns that are not
numbers (`No Lockdown`, `8.44%`, `TRUE`) and unnamed columns are left out.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from streamapp.analytics.forecasting.drivers import Driver, DriverError, parse_drivers
from streamapp.analytics.forecasting.models import BASELINES, Model, default_models
from streamapp.analytics.forecasting.regressors import DriverContext
from streamapp.analytics.platforms import find_platforms
from streamapp.config import ForecastSettings

MISSING = {"", "#n/a", "n/a", "na", "nan", "null", "-"}
_QUARTER = re.compile(r"^(\d{2}|\d{4})\s*-?\s*q([1-4])$", re.IGNORECASE)
_QUARTER_FIRST = re.compile(r"^q([1-4])\s*-?\s*(\d{2}|\d{4})$", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S")


class ForecastInputError(ValueError):
    """A file we cannot read as series; the message says where and why."""


@dataclass
class Series:
    name: str
    timestamps: list[datetime]
    values: list[float]
    notes: list[str] = field(default_factory=list)


def parse_date(text: str) -> datetime:
    """One date cell as a naive datetime (quarters become their last day)."""
    text = text.strip()
    quarter = _QUARTER.match(text) or _QUARTER_FIRST.match(text)
    if quarter:
        year_text, q = quarter.groups() if _QUARTER.match(text) else quarter.groups()[::-1]
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        first_of_next = date(year + (int(q) == 4), (int(q) * 3) % 12 + 1, 1)
        return datetime.combine(first_of_next - timedelta(days=1), datetime.min.time())
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return datetime.strptime(text + "-01", "%Y-%m-%d")
    raise ValueError(f"date {text!r} not recognised")


def parse_number(text: str) -> float | None:
    """A numeric cell, None when missing; ValueError when it is not a number at all."""
    cell = text.strip().replace(",", "")
    if cell.lower() in MISSING:
        return None
    if cell == "<1":
        return 0.5
    return float(cell)


def load_series(path: Path, columns: list[str] | None = None) -> list[Series]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ForecastInputError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    rows = [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    if not rows:
        raise ForecastInputError(f"{path}: empty file")
    if rows[0][0].strip().lower().startswith("category:"):
        rows = rows[1:]  # the Trends export's header line (the blank one is already gone)
    if len(rows) < 2:
        raise ForecastInputError(f"{path}: a header but no data rows")
    header = [h.strip() for h in rows[0]]
    lowered = [h.lower() for h in header]
    if {"date", "hits", "keyword"} <= set(lowered):
        series = _long_shape(path, header, lowered, rows[1:])
    else:
        series = _wide_shape(path, header, rows[1:])
    if columns:
        wanted = {c.strip() for c in columns}
        series = [s for s in series if s.name in wanted]
        missing = wanted - {s.name for s in series}
        if missing:
            raise ForecastInputError(f"{path}: no numeric column named {sorted(missing)}")
    if not series:
        raise ForecastInputError(f"{path}: no numeric series found (columns: {header})")
    return series


def _wide_shape(path: Path, header: list[str], rows: list[list[str]]) -> list[Series]:
    stamps = []
    for number, row in enumerate(rows, start=2):
        try:
            stamps.append(parse_date(row[0]))
        except ValueError as exc:
            raise ForecastInputError(f"{path}: row {number}: {exc}") from None
    series = []
    for col, name in enumerate(header[1:], start=1):
        if not name:
            continue  # an unnamed trailing column
        try:
            cells = [parse_number(row[col]) if col < len(row) else None for row in rows]
        except ValueError:
            continue  # text, percentages or flags: not a series
        # "netflix: (Worldwide)" -> "netflix"
        label = re.sub(r":\s*\(.*\)$", "", name).strip()
        series.append(_clean(path, label, stamps, cells))
    return series


def _long_shape(
    path: Path, header: list[str], lowered: list[str], rows: list[list[str]]
) -> list[Series]:
    at = {name: lowered.index(name) for name in ("date", "hits", "keyword")}
    grouped: dict[str, tuple[list[datetime], list[float | None]]] = {}
    for number, row in enumerate(rows, start=2):
        try:
            stamp = parse_date(row[at["date"]])
            hits = parse_number(row[at["hits"]])
        except (ValueError, IndexError) as exc:
            raise ForecastInputError(f"{path}: row {number}: {exc}") from None
        stamps, values = grouped.setdefault(row[at["keyword"]].strip(), ([], []))
        stamps.append(stamp)
        values.append(hits)
    return [_clean(path, k, s, v) for k, (s, v) in grouped.items()]


def _clean(path: Path, name: str, stamps: list[datetime], cells: list[float | None]) -> Series:
    pairs = sorted(zip(stamps, cells, strict=True), key=lambda p: p[0])
    if len({s for s, _ in pairs}) != len(pairs):
        raise ForecastInputError(f"{path}: series {name!r} has the same date twice")
    present = [i for i, (_, v) in enumerate(pairs) if v is not None]
    if not present:
        raise ForecastInputError(f"{path}: series {name!r} has no values")
    pairs = pairs[present[0] : present[-1] + 1]
    gaps = sum(v is None for _, v in pairs)
    if gaps * 5 > len(pairs):
        raise ForecastInputError(f"{path}: series {name!r} is missing {gaps} of {len(pairs)}")
    values = _interpolate([v for _, v in pairs])
    notes = [f"{gaps} missing values interpolated"] if gaps else []
    return Series(name, [s for s, _ in pairs], values, notes)


def _interpolate(cells: list[float | None]) -> list[float]:
    """Linear interpolation of inner gaps (the ends are known to be present)."""
    out: list[float] = []
    for i, value in enumerate(cells):
        if value is not None:
            out.append(value)
            continue
        nxt = next(j for j in range(i + 1, len(cells)) if cells[j] is not None)
        prev = out[-1]
        out.append(prev + (cells[nxt] - prev) / (nxt - i + 1))  # type: ignore[operator]
    return out


def load_drivers(path: Path) -> list[Driver]:
    """A drivers file (calendar or user series); DriverError names the line and reason."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DriverError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    return parse_drivers(text, str(path))


def candidate_models(
    series_name: str,
    drivers: list[Driver] | None,
    with_prophet: bool,
    country: str | None = None,
    platform: str | None = None,
    with_arima: bool = True,
) -> tuple[tuple[Model, ...], DriverContext | None]:
    """The models a file's series is backtested with, and with drivers (None: no driver
    models) its driver context: the platform its name names (`--platform` otherwise).
    `with_drivers` adds the driver models once the series' stamps are known. The seed's
    ARIMA(1,1,1) is a candidate after the baselines (simpler models win ties) unless
    `with_arima` is False."""
    from streamapp.analytics.forecasting.driver_models import SeedArima

    models = default_models(with_prophet)
    if with_arima:
        models = (*models[: len(BASELINES)], SeedArima(), *models[len(BASELINES) :])
    if drivers is None:
        return models, None
    found = find_platforms(series_name)
    context = DriverContext(
        drivers=tuple(drivers),
        platform=found[0] if found else (platform or ""),
        country=(ForecastSettings().country if country is None else country).upper() or None,
    )
    return models, context
