"""A driver written with the real `streamapp drivers load` reaches a running worker (real
Apache Kafka, the compacted `forecast-drivers` topic) and appears in the `drivers` field
of its next forecast, without a restart."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from streamapp import topics
from tests.harness.kafka import prepare_topics, read_until
from tests.harness.worker import Worker
from tests.integration.pipeline import produce_paced
from tests.integration.test_forecast_worker import FORECAST_ENV, windows_of

pytestmark = pytest.mark.integration


def load_drivers(bootstrap: str, prefix: str, path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "STREAMAPP_TOPIC_PREFIX": prefix}
    return subprocess.run(
        [sys.executable, "-m", "streamapp", "drivers", "load", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def with_price_change(records: list[dict]) -> list[dict]:
    return [r for r in records if any(d["name"] == "price_change" for d in r.get("drivers") or [])]


async def test_a_loaded_driver_appears_in_the_next_forecast(
    kafka_broker, unique_topic_prefix, tmp_path
):
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    await prepare_topics(bootstrap, prefix)
    env = {**FORECAST_ENV, "STREAMAPP_FORECAST_REFIT_SECONDS": "3"}
    worker = Worker(bootstrap, prefix, tmp_path, env).start()
    try:
        worker.wait_ready()
        start = (int(time.time()) // 2) * 2 - 200.0
        steady = [4 + i % 3 for i in range(30)]
        await produce_paced(
            bootstrap, prefix + topics.REDDIT_DISCUSSIONS, windows_of(start, 0, steady), 0.02
        )
        first = await read_until(
            bootstrap, prefix + topics.PLATFORM_FORECASTS, lambda r: r, timeout=40
        )
        assert first[0]["drivers"] == []  # nothing loaded yet (and no holiday today, used)

        # a price change around the windows' (UTC) day, and a bad file refused first
        day = datetime.fromtimestamp(start, UTC).date()
        bad = tmp_path / "bad.csv"
        bad.write_text("date,platform,name,value\n" + f"{day},netflix,price_change,high\n")
        refused = load_drivers(bootstrap, prefix, bad)
        assert refused.returncode == 2
        assert f"{bad}:2: value 'high' is not a number" in refused.stderr
        good = tmp_path / "drivers.csv"
        good.write_text(
            "date,platform,name,value,end_date,source\n"
            f"{day - timedelta(days=1)},netflix,price_change,1,{day + timedelta(days=1)},test\n"
            f"{day},hulu,promotion,0.5,,test\n"
        )
        loaded = load_drivers(bootstrap, prefix, good)
        assert loaded.returncode == 0, loaded.stderr
        assert "drivers: 2 loaded into" in loaded.stdout

        time.sleep(3.5)  # past the refit interval: the next window starts a refit
        later = windows_of(start, 30, [5, 4, 6, 5])
        await produce_paced(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, later, 0.3)
        forecasts = await read_until(
            bootstrap, prefix + topics.PLATFORM_FORECASTS, with_price_change, timeout=40
        )
        [driver] = [d for d in with_price_change(forecasts)[0]["drivers"]]
        assert driver == {
            "name": "price_change",
            "platform": "netflix",
            "date": str(day - timedelta(days=1)),
            "end_date": str(day + timedelta(days=1)),
            "value": 1.0,
            # active at every history window: it cannot be told from the level
            "used": False,
        }
        assert with_price_change(forecasts)[0]["history_windows"] > 30  # a later fit
    finally:
        worker.stop()
    assert "reading forecast-drivers failed" not in worker.log_tail(4000)
