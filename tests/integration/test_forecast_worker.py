"""A real worker against the real Apache Kafka: closed windows -> a Prophet-backed refit
in the worker's fit process -> `platform-forecasts`; then a window far outside the
forecast band -> a `forecast_breach` alert on `streaming-alerts`."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from streamapp import topics
from tests.harness.kafka import prepare_topics, read_until
from tests.harness.worker import Worker
from tests.integration.pipeline import produce_paced, reddit_post

pytestmark = pytest.mark.integration
SIZE = 2.0
CHATTER = "Watched the new Netflix thriller last night, great cast #{n}"
FORECAST_ENV = {
    "STREAMAPP_FORECAST_MIN_HISTORY": "30",
    "STREAMAPP_FORECAST_HORIZON": "10",
    "STREAMAPP_FORECAST_ORIGINS": "3",
    "STREAMAPP_FORECAST_REFIT_SECONDS": "600",  # one fit in this test
}


def windows_of(start: float, first: int, counts: list[int]) -> list:
    windows = []
    for i, count in enumerate(counts, start=first):
        base = start + i * SIZE
        posts = [
            reddit_post(f"t3_f{i}_{j}", CHATTER.format(n=f"{i}.{j}"), base + 0.1 + j * 0.01)
            for j in range(count)
        ]
        windows.append(posts)
    return windows


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


async def test_closed_windows_are_forecast_and_a_breach_fires(
    kafka_broker, unique_topic_prefix, tmp_path
):
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    await prepare_topics(bootstrap, prefix)
    worker = Worker(bootstrap, prefix, tmp_path, FORECAST_ENV).start()
    try:
        worker.wait_ready()
        start = (int(time.time()) // 2) * 2 - 200.0  # replayed history, in event time
        steady = [4 + i % 3 for i in range(30)]  # 4-6 mentions per window
        await produce_paced(
            bootstrap, prefix + topics.REDDIT_DISCUSSIONS, windows_of(start, 0, steady), 0.02
        )
        forecasts = await read_until(
            bootstrap, prefix + topics.PLATFORM_FORECASTS, lambda r: r, timeout=40
        )
        [forecast] = forecasts
        assert (forecast["platform"], forecast["metric"]) == ("netflix", "mentions")
        assert forecast["history_windows"] == 30
        assert forecast["model"] in {"naive", "seasonal_naive", "drift", "prophet", "ensemble"}
        points = forecast["points"]
        assert [p["timestamp"] for p in points] == [iso(start + i * SIZE) for i in range(30, 40)]
        assert all(p["yhat_lower"] <= p["yhat"] <= p["yhat_upper"] for p in points)
        assert points[1]["yhat_upper"] < 15

        # window 30 as forecast (it also brings the forecast into the table), then 31 at
        # 40 mentions, far above its band; 32 closes 31 by the watermark
        later = windows_of(start, 30, [5, 40, 5])
        await produce_paced(bootstrap, prefix + topics.REDDIT_DISCUSSIONS, later, 0.3)
        alerts = await read_until(
            bootstrap,
            prefix + topics.STREAMING_ALERTS,
            lambda r: any(a["rule"] == "forecast_breach" for a in r),
            timeout=30,
        )
        [breach] = [a for a in alerts if a["rule"] == "forecast_breach"]
        assert (breach["platform"], breach["status"]) == ("netflix", "firing")
        assert breach["window_start"] == iso(start + 31 * SIZE)
        assert breach["observed"] == 40 and breach["score"] > 1
        assert breach["baseline"] == pytest.approx(points[1]["yhat"], abs=1e-3)
        # explained like the other rules' alerts: the window's terms rose 40 against ~5
        # (ties broken by the term), posts of the window that mentioned netflix, no driver
        assert [t["count"] for t in breach["top_terms"]] == [40] * 5
        assert {t["term"] for t in breach["top_terms"]} <= {
            "watched", "thriller", "last", "night", "great", "cast"
        }  # fmt: skip
        assert [e["id"][:7] for e in breach["examples"]] == ["t3_f31_"] * 3
        assert breach["drivers"] == []
    finally:
        worker.stop()
    assert "cmdstanpy - INFO" not in worker.log_tail(2000), "Prophet should fit quietly"
