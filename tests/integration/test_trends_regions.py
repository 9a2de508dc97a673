"""Search interest by region (STREAMAPP_TRENDS_REGIONS): the real pytrends against the
Trends protocol server's `comparedgeo` widget, then a real worker on the real Kafka: region
points reach `region-interest`, and the national per-platform windows never see them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from streamapp import topics
from streamapp.config import TrendsSettings
from streamapp.records import parse_trend_point
from streamapp.sources.trends import TrendsSource
from tests.harness.kafka import prepare_topics, read_until
from tests.harness.worker import Worker
from tests.servers.reddit_server import start_site
from tests.servers.threaded import serve_in_thread
from tests.servers.trends_server import HOUR, TrendsServer

pytestmark = pytest.mark.integration

KEYWORDS = ["netflix", "hulu", "free streaming"]
REGIONS = {
    "netflix": {"US-CA": 40.0, "US-TX": 20.0, "US-NY": 30.0, "GB": 50.0, "DE": 10.0, "FR": 5.0},
    "hulu": {"US-CA": 8.0, "US-TX": 12.0, "US-NY": 4.0, "GB": 1.0},
    "free streaming": {"US-CA": 1.0, "US-TX": 3.0, "US-NY": 2.0, "GB": 2.0, "DE": 4.0},
}


def server(now: float) -> TrendsServer:
    hour = int(now // HOUR * HOUR)
    truth = {"netflix": [35.0] * 6, "hulu": [11.0] * 6, "free streaming": [2.5] * 6}
    return TrendsServer(truth=truth, start=hour - 5 * HOUR, hours=6, regions=REGIONS)


async def test_regions_are_fetched_per_keyword_once_an_hour_with_google_scaling() -> None:
    clock = [time.time()]
    trends = server(clock[0])
    runner, url = await start_site(trends.app())
    try:
        settings = TrendsSettings(
            enabled=True,
            keywords=",".join(KEYWORDS),
            base_url=url + "/trends",
            request_pause_seconds=0,
            regions="US",
        )
        source = TrendsSource(settings, "streaming-trends", clock=lambda: clock[0])
        first = await source.fetch({})
        national = [r.value for r in first.records if "region_of" not in r.value]
        regional = [r.value for r in first.records if "region_of" in r.value]
        assert sorted(p["keyword"] for p in national) == sorted(KEYWORDS)
        assert all(p["geo"] == "US" for p in national)
        got = {(p["keyword"], p["geo"]): p["interest"] for p in regional}
        # each keyword alone, its own 0-100 over the US states only (GB is not a state)
        assert got == {
            ("netflix", "US-CA"): 100.0,
            ("netflix", "US-NY"): 75.0,
            ("netflix", "US-TX"): 50.0,
            ("hulu", "US-CA"): 67.0,
            ("hulu", "US-NY"): 33.0,
            ("hulu", "US-TX"): 100.0,
            ("free streaming", "US-CA"): 33.0,
            ("free streaming", "US-NY"): 67.0,
            ("free streaming", "US-TX"): 100.0,
        }
        assert trends.region_requests == [(kw, "US") for kw in KEYWORDS]
        assert {p["region_of"] for p in regional} == {"US"}
        stamp = iso_hour(clock[0])
        assert {p["timestamp"] for p in regional} == {stamp}
        for p in regional:  # the worker's parser takes them, marked as regions
            assert parse_trend_point(json.dumps(p)).region_of == "US"
        assert {p["platform"] for p in regional if p["keyword"] == "free streaming"} == {None}

        # a second poll in the same hour asks Google for no regions again
        second = await source.fetch(first.cursor)
        assert not [r for r in second.records if "region_of" in r.value]
        assert len(trends.region_requests) == 3
        clock[0] += HOUR  # the next hour: a new snapshot
        third = await source.fetch(second.cursor)
        assert len([r for r in third.records if "region_of" in r.value]) == 9

        # a list of countries: countries worldwide, those listed only
        countries = TrendsSource(
            settings.model_copy(update={"regions": "gb,de,US"}), "streaming-trends"
        )
        round_ = await countries.fetch({})
        netflix = {
            r.value["geo"]: r.value["interest"]
            for r in round_.records
            if r.value.get("region_of") == "world" and r.key == "netflix"
        }
        assert netflix == {"GB": 100.0, "DE": 20.0}  # FR not listed; no US row served
    finally:
        await runner.cleanup()


def test_a_regions_setting_that_is_not_country_codes_is_refused() -> None:
    with pytest.raises(ValueError, match="'USA' is not a two-letter country code"):
        TrendsSettings(regions="USA")


def iso_hour(now: float) -> str:
    from streamapp.records.raw import iso_utc

    return iso_utc(now // HOUR * HOUR)


async def test_region_points_reach_region_interest_and_not_the_national_windows(
    kafka_broker: Any, unique_topic_prefix: str, tmp_path: Path
) -> None:
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix
    await prepare_topics(bootstrap, prefix)
    trends = server(time.time())
    with serve_in_thread(trends.app()) as (url, _):
        env = {
            "STREAMAPP_TRENDS_ENABLED": "true",
            "STREAMAPP_TRENDS_KEYWORDS": ",".join(KEYWORDS),
            "STREAMAPP_TRENDS_BASE_URL": url + "/trends",
            "STREAMAPP_TRENDS_POLL_SECONDS": "1",
            "STREAMAPP_TRENDS_REQUEST_PAUSE_SECONDS": "0",
            "STREAMAPP_TRENDS_REGIONS": "US",
            # One point per keyword and no later one: a window's interest is final when
            # its Trends lane passes it or once the lane has been quiet and the wall clock
            # is this far past it (3 h by default, Google Trends' lag; docs/windows-and-alerts.md).
            "STREAMAPP_INTEREST_LATENESS_SECONDS": "1",
        }
        worker = Worker(bootstrap, prefix, tmp_path / "w", env).start()
        try:
            worker.wait_ready(60)
            snapshots = await read_until(
                bootstrap,
                prefix + topics.REGION_INTEREST,
                lambda rs: {r["keyword"] for r in rs} >= set(KEYWORDS),
                40,
            )
            latest = {r["keyword"]: r for r in snapshots}
            assert set(latest) == set(KEYWORDS), worker.log_tail()
            netflix = latest["netflix"]
            assert netflix["region_of"] == "US" and netflix["platform"] == "netflix"
            assert [(r["geo"], r["interest"], r["rank"]) for r in netflix["regions"]] == [
                ("US-CA", 100.0, 1),
                ("US-NY", 75.0, 2),
                ("US-TX", 50.0, 3),
            ]
            piracy = latest["free streaming"]
            assert piracy["platform"] is None
            assert [r["geo"] for r in piracy["regions"]] == ["US-TX", "US-NY", "US-CA"]

            # The national windows: netflix's one point (100 on the shared scale), and
            # not the three region points of the same keyword (75 on average).
            await read_until(
                bootstrap,
                prefix + topics.PLATFORM_WINDOWS,
                lambda rs: any(w["interest_count"] for w in rs if w["platform"] == "hulu"),
                40,
            )
            # then long enough for any window of the region points' hour to close too
            # (idle partitions close by the wall clock after 5 s here)
            windows = await read_until(
                bootstrap, prefix + topics.PLATFORM_WINDOWS, lambda rs: False, 15
            )
            counted = [w for w in windows if w["interest_count"]]
            by_platform = {w["platform"]: w for w in counted}
            assert set(by_platform) == {"netflix", "hulu"}, counted
            assert sum(w["interest_count"] for w in counted) == 2
            assert by_platform["netflix"]["interest_mean"] == pytest.approx(100.0)
            assert by_platform["hulu"]["interest_mean"] == pytest.approx(31.0, abs=0.5)
        finally:
            worker.stop()
