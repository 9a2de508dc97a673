"""`streamapp forecast FILE --warehouse` against the local warehouse (the real Snowflake
connector talking to fakesnow): the forecasts land in FORECASTS, and running the same
forecast again replaces its row instead of adding one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.harness.warehouse import env_of, loader_for, query, schema_settings

pytestmark = pytest.mark.integration

FILE = Path(__file__).parents[2] / "examples" / "netflix_quarterly_subscribers.csv"
BASE = ["forecast", str(FILE), "--column", "Netflix Subs M", "--no-prophet", "--warehouse"]


def forecast(env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "streamapp", *BASE, *extra],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done


def stored(settings: Any) -> list[tuple[Any, ...]]:
    return query(
        settings,
        "SELECT EVENT_ID, SERIES, RUN_KEY, MODEL, METRIC, PLATFORM, POINTS, GENERATED_AT "
        "FROM FORECASTS ORDER BY EVENT_ID",
    )


def test_forecasts_are_merged_into_forecasts_once_per_run(local_warehouse: Any) -> None:
    settings = schema_settings(local_warehouse)
    loader = loader_for(settings)
    loader.init_schema(settings.database, settings.schema_)
    loader.close()
    env = env_of(settings)

    first = forecast(env)
    csv_rows = [line.split(",") for line in first.stdout.splitlines()[1:]]
    assert len(csv_rows) == 4 and "merged into FORECASTS" in first.stderr
    rows = stored(settings)
    assert len(rows) == 1
    event_id, series, key, model, metric, platform, points, generated = rows[0]
    assert (series, model, metric, platform) == (
        "Netflix Subs M",
        csv_rows[0][5],
        "series",
        "netflix",
    )
    assert event_id == f"file|{key}|Netflix Subs M|{model}" and len(key) == 16
    steps = json.loads(points)
    assert [p["timestamp"][:10] for p in steps] == [r[1] for r in csv_rows]
    assert [round(p["yhat"], 3) for p in steps] == [round(float(r[2]), 3) for r in csv_rows]

    again = forecast(env)  # the same run: the row is replaced, not added
    rows_again = stored(settings)
    assert len(rows_again) == 1 and rows_again[0][0] == event_id
    assert rows_again[0][7] > generated and f"run key {key}" in again.stderr

    forecast(env, "--horizon", "2")  # another forecast, another run
    forecast(env, "--horizon", "2", "--run-key", "plan-2024")
    forecast(env, "--horizon", "3", "--run-key", "plan-2024")  # replaces plan-2024's row
    rows = stored(settings)
    assert len(rows) == 3
    plan = next(r for r in rows if r[2] == "plan-2024")
    assert len(json.loads(plan[6])) == 3  # the re-run's 3 dates, none left from the 2
    flat = query(
        settings,
        "SELECT COUNT(*) FROM FORECAST_POINTS WHERE SERIES = 'Netflix Subs M' "
        "AND RUN_KEY = 'plan-2024'",
    )
    assert flat == [(3,)]
