"""What can be taken away: each chart's data as CSV (the page as a PNG: `page_png`).

CSV is made on the server from exactly what the chart's source holds (so it is what the
chart shows).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

SKIP = {"colour", "alpha", "explanation", "band_xs", "band_ys"}  # drawing, not data


def _time(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_text(data: dict[str, Any], value: str = "value") -> str:
    """A source's data as CSV: series (xs/ys per platform) as one row per point
    (`time_utc` = the step's end), other sources one row per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if "band_ys" in data:
        return _forecast_csv(data)
    if "xs" in data and "ys" in data:
        writer.writerow(["time_utc", "platform", value])
        key = "platform" if "platform" in data else "label"
        for who, xs, ys in zip(data[key], data["xs"], data["ys"], strict=True):
            for x, y in zip(xs, ys, strict=True):
                writer.writerow([_time(x), who, "" if y != y else y])  # NaN: no data
        return out.getvalue()
    names = [c for c in data if c not in SKIP]
    writer.writerow(names)
    writer.writerows(zip(*(data[c] for c in names), strict=True))
    return out.getvalue()


def _forecast_csv(data: dict[str, Any]) -> str:
    """Forecasts: yhat with its band. A band polygon is the lower edge out and the upper
    edge back (`listings.forecast_bands`), so its second half read backwards is the upper."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["time_utc", "forecast", "yhat", "yhat_lower", "yhat_upper"])
    for label, xs, ys, band in zip(
        data["label"], data["xs"], data["ys"], data["band_ys"], strict=True
    ):
        n = len(xs)
        for x, y, low, high in zip(xs, ys, band[:n], band[n:][::-1], strict=True):
            writer.writerow([_time(x), label, y, low, high])
    return out.getvalue()
