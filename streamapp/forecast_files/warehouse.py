"""`streamapp forecast FILE --warehouse`: the file's forecasts into the `FORECASTS` table.

One row per (series, model, run key), in the shape of the live forecasts (POINTS holds
every step with its band; the `FORECAST_POINTS` view flattens it to one row per date).
EVENT_ID is `file|<run key>|<series>|<model>`, and the rows are MERGEd on it: running the
same forecast again replaces its row, with all its dates (a shorter horizon leaves no
stale dates behind). The run key is `--run-key`, or by default a digest of the input
files' bytes and the options that change the forecast, so the same command on the same
files is the same run, and a file with one more quarter is a new one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from streamapp.analytics.platforms import find_platforms

SOURCE = "streamapp-forecast"  # KAFKA_TOPIC of these rows: they come from no topic
# The options that change what is forecast (output options such as --out do not).
RUN_OPTIONS = (
    "column",
    "freq",
    "horizon",
    "origins",
    "level",
    "no_prophet",
    "no_seed_arima",
    "country",
    "platform",
)


def run_key(args: argparse.Namespace) -> str:
    if getattr(args, "run_key", None):
        return str(args.run_key)
    digest = hashlib.sha256()
    for path in [args.file, *(args.drivers or [])]:
        digest.update(Path(path).read_bytes())
        digest.update(b"\0")
    options = {name: getattr(args, name, None) for name in RUN_OPTIONS}
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def forecast_records(
    done: list[tuple[Any, Any]], key: str, platform: str | None, now: datetime
) -> list[dict[str, Any]]:
    """The FORECASTS records of (series, forecast) pairs."""
    records = []
    for s, f in done:
        found = find_platforms(s.name.lower())
        chosen = f.backtest.selection_scores.get(f.model)
        records.append(
            {
                "forecast_id": f"file|{key}|{s.name}|{f.model}",
                "platform": found[0] if len(found) == 1 else platform,
                "metric": "series",
                "model": f.model,
                "generated_at": now.isoformat(),
                "points": [
                    {
                        "timestamp": p.timestamp.isoformat(),
                        "yhat": p.yhat,
                        "yhat_lower": p.yhat_lower,
                        "yhat_upper": p.yhat_upper,
                    }
                    for p in f.points
                ],
                "history_windows": len(s.values),
                "window_seconds": None,
                "backtest_mase": chosen.mase if chosen is not None else None,
                "drivers": [{"name": name, "used": True} for name in f.drivers],
                "series": s.name,
                "run_key": key,
            }
        )
    return records


def write_forecasts(settings: Any, records: list[dict[str, Any]]) -> int:
    """MERGE the records into FORECASTS (creating missing tables and columns first)."""
    from streamapp.loaders import TABLES_BY_NAME, SnowflakeLoader, open_connection, to_row

    spec = TABLES_BY_NAME["FORECASTS"]
    rows = [to_row(spec, r, SOURCE, 0, i) for i, r in enumerate(records)]
    loader = SnowflakeLoader(lambda: open_connection(settings))
    try:
        return loader.upsert(spec, rows)
    finally:
        loader.close()


def now_utc() -> datetime:
    return datetime.now(UTC)
