"""The loader's real SQL, through the real Snowflake connector, against the local
warehouse (fakesnow's server over HTTP): DDL, MERGE, offsets, duplicates, rejections."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from streamapp.loaders import StaleOffsets, to_row
from streamapp.loaders.schema import (
    ALERTS,
    CHURN_SCORES,
    FORECASTS,
    PLATFORM_WINDOWS,
    POSTS,
    SUBSCRIPTION_EVENTS,
    TITLE_TRENDS,
    TRENDS,
    VIEWING_SESSIONS,
)
from streamapp.loaders.views import VIEWS
from tests.harness.warehouse import env_of, loader_for, query, schema_settings

TOPIC = "t-discussion-signals"


def signal(event_id: str, **overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "event_id": event_id,
        "kind": "submission",
        "subreddit": "cordcutters",
        "created_utc": 1_763_700_000.0,
        "event_time": "2025-11-21T04:40:00+00:00",
        "platforms": ["netflix"],
        "intents": ["piracy"],
        "sentiment": -0.4,
        "switch_from": None,
        "switch_to": None,
        "classifier_version": "test",
        "score": 3,
        "text": "where can I stream it free",
        "author_hash": None,
        "schema_version": 1,
    }
    record.update(overrides)
    return record


def rows(spec, records, partition=0, first_offset=0):  # type: ignore[no-untyped-def]
    return [to_row(spec, r, TOPIC, partition, first_offset + i) for i, r in enumerate(records)]


@pytest.fixture(params=["bulk", "inserts"])
def wh(local_warehouse, request):  # type: ignore[no-untyped-def]
    """Every test on both ways of staging: the bulk path (PUT + COPY, the sink's choice
    on this warehouse) and multi-row INSERTs (its fallback)."""
    settings = schema_settings(local_warehouse)
    loader = loader_for(settings, bulk=None if request.param == "bulk" else False)
    yield settings, loader
    # The path under test was the one taken (never a silent fallback).
    assert loader.bulk.enabled in ((True, None) if request.param == "bulk" else (False,))
    loader.close()


def test_init_is_idempotent_and_creates_tables_and_views(wh) -> None:  # type: ignore[no-untyped-def]
    settings, loader = wh
    first = loader.init_schema()
    second = loader.init_schema()
    assert first == second
    names = {
        r[0]
        for r in query(
            settings,
            "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ?",
            (settings.schema_,),
        )
    }
    assert {"POSTS", "TRENDS", "ALERTS", "PLATFORM_WINDOWS", "KAFKA_OFFSETS"} <= names
    views = {
        r[0]
        for r in query(
            settings,
            "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.VIEWS WHERE TABLE_SCHEMA = ?",
            (settings.schema_,),
        )
    }
    assert set(VIEWS) <= views


def test_duplicates_within_and_across_batches_load_once(wh) -> None:  # type: ignore[no-untyped-def]
    settings, loader = wh
    batch = rows(POSTS, [signal("t3_a", score=1), signal("t3_b"), signal("t3_a", score=2)])
    staged = loader.stage(POSTS, batch)
    assert loader.commit(staged) == 2
    # The same post again, later in the topic (a producer retry): updated, not added.
    again = rows(POSTS, [signal("t3_a", score=5), signal("t3_c")], first_offset=3)
    assert loader.commit(loader.stage(POSTS, again)) == 2
    got = query(settings, "SELECT EVENT_ID, SCORE, KAFKA_OFFSET FROM POSTS ORDER BY EVENT_ID")
    assert [(e, int(s), int(o)) for e, s, o in got] == [
        ("t3_a", 5, 3),
        ("t3_b", 3, 1),
        ("t3_c", 3, 4),
    ]
    stored = query(settings, "SELECT TOPIC, PARTITION, LAST_OFFSET FROM KAFKA_OFFSETS")
    assert [(t, int(p), int(o)) for t, p, o in stored] == [(TOPIC, 0, 4)]


def test_events_at_or_below_the_stored_offset_are_skipped(wh) -> None:  # type: ignore[no-untyped-def]
    settings, loader = wh
    batch = rows(POSTS, [signal("t3_a"), signal("t3_b")])
    loader.commit(loader.stage(POSTS, batch))
    # A restart re-reads the same events (Kafka's committed offset was older).
    replayed = loader.stage(POSTS, batch)
    assert replayed.skipped == 2 and replayed.rows == []
    assert loader.commit(replayed) == 0
    assert query(settings, "SELECT COUNT(*) FROM POSTS")[0][0] == 2


def test_a_rejected_row_is_returned_and_the_rest_of_its_batch_loads(wh) -> None:  # type: ignore[no-untyped-def]
    settings, loader = wh
    records = [signal(f"t3_{i}") for i in range(9)]
    records[4] = signal("t3_bad", event_time="the day after tomorrow")
    staged = loader.stage(POSTS, rows(POSTS, records))
    assert [row.event_id for row, _ in staged.rejected] == ["t3_bad"]
    assert "the warehouse refused the row" in staged.rejected[0][1]
    assert loader.commit(staged) == 8
    assert query(settings, "SELECT COUNT(*) FROM POSTS")[0][0] == 8
    # The offset moved past the rejected row too: it went to the dead letters instead.
    assert int(query(settings, "SELECT LAST_OFFSET FROM KAFKA_OFFSETS")[0][0]) == 8


def test_a_stale_loader_cannot_move_an_offset_back_or_load_twice(wh) -> None:  # type: ignore[no-untyped-def]
    settings, loader = wh
    other = loader_for(settings)
    try:
        batch = rows(POSTS, [signal("t3_a"), signal("t3_b")])
        mine = loader.stage(POSTS, batch)
        theirs = other.stage(POSTS, batch)  # both read LAST_OFFSET = -1
        assert loader.commit(mine) == 2
        with pytest.raises(StaleOffsets):
            other.commit(theirs)
        retry = other.stage(POSTS, batch)
        assert retry.skipped == 2 and other.commit(retry) == 0
        # An older batch from a worker that lost the partition moves nothing back.
        old = other.stage(POSTS, rows(POSTS, [signal("t3_z")]))
        assert other.commit(old) == 0
    finally:
        other.close()
    assert int(query(settings, "SELECT LAST_OFFSET FROM KAFKA_OFFSETS")[0][0]) == 1
    assert query(settings, "SELECT COUNT(*) FROM POSTS")[0][0] == 2


def test_a_column_added_later_does_not_break_loading(wh) -> None:  # type: ignore[no-untyped-def]
    settings, loader = wh
    loader.commit(loader.stage(POSTS, rows(POSTS, [signal("t3_a")])))
    query(settings, "ALTER TABLE POSTS ADD COLUMN ANALYST_NOTE VARCHAR")
    query(settings, "ALTER TABLE POSTS DROP COLUMN AUTHOR_HASH")  # an older release's table
    loader.init_schema()  # what a restarted sink does: adds what is missing
    loader.commit(loader.stage(POSTS, rows(POSTS, [signal("t3_b")], first_offset=1)))
    assert query(settings, "SELECT COUNT(*) FROM POSTS")[0][0] == 2


def test_views_answer_from_loaded_data(wh) -> None:  # type: ignore[no-untyped-def]
    settings, loader = wh
    points = [
        {
            "keyword": k,
            "platform": p,
            "geo": "US",
            "timestamp": f"2025-11-0{d}T00:00:00Z",
            "interest": v,
        }
        for k, p, values in (
            ("netflix", "netflix", (72, 72)),
            ("disney plus", "disney_plus", (10, 10)),
        )
        for d, v in zip((1, 2), values, strict=True)
    ]
    loader.commit(loader.stage(TRENDS, rows(TRENDS, points)))
    ratio = query(
        settings,
        "SELECT RATIO FROM SEARCH_INTEREST_RATIOS WHERE PLATFORM = 'netflix' "
        "AND VERSUS = 'disney_plus'",
    )
    assert ratio[0][0] == pytest.approx(7.2)

    posts = [
        signal("t3_1", intents=["piracy"], platforms=["netflix"]),
        signal("t3_2", intents=[], platforms=["netflix"]),
        signal("t3_3", intents=["switching"], switch_from="netflix", switch_to="max"),
    ]
    loader.commit(loader.stage(POSTS, rows(POSTS, posts)))
    piracy = query(settings, "SELECT PLATFORM, POSTS, PIRACY_POSTS FROM PIRACY_INDICATORS")
    assert [(p, int(n), int(k)) for p, n, k in piracy] == [("netflix", 3, 1)]
    flows = query(settings, "SELECT SWITCH_FROM, SWITCH_TO, POSTS FROM SWITCHING_FLOWS")
    assert [(f, t, int(n)) for f, t, n in flows] == [("netflix", "max", 1)]

    alert = {
        "alert_id": "a1",
        "rule": "piracy_surge",
        "platform": "netflix",
        "severity": "high",
        "window_start": "2025-11-21T00:00:00Z",
        "window_end": "2025-11-21T00:01:00Z",
        "observed": 9.0,
        "baseline": 1.0,
        "score": 4.0,
        "message": "m",
        "evidence": ["t3_1"],
    }
    alerts = [
        {**alert, "status": "firing", "fired_at": "2025-11-21T00:01:00Z"},
        {**alert, "status": "resolved", "fired_at": "2025-11-21T00:06:00Z"},
    ]
    loader.commit(loader.stage(ALERTS, rows(ALERTS, alerts)))
    history = query(settings, "SELECT ALERT_ID, DURATION_SECONDS FROM ALERT_HISTORY")
    assert [(a, int(d)) for a, d in history] == [("a1", 300)]


def test_sql_command_prints_table_json_and_csv(wh) -> None:  # type: ignore[no-untyped-def]
    settings, loader = wh
    loader.commit(loader.stage(POSTS, rows(POSTS, [signal("t3_a"), signal("t3_b")])))
    env = {**env_of(settings), "PATH": "/usr/bin:/bin"}

    def sql(*flags: str) -> str:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "streamapp",
                "sql",
                *flags,
                "SELECT EVENT_ID, SCORE FROM POSTS ORDER BY EVENT_ID",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    assert json.loads(sql("--json")) == [
        {"EVENT_ID": "t3_a", "SCORE": 3},
        {"EVENT_ID": "t3_b", "SCORE": 3},
    ]
    assert list(csv.reader(io.StringIO(sql("--csv")))) == [
        ["EVENT_ID", "SCORE"],
        ["t3_a", "3"],
        ["t3_b", "3"],
    ]
    table = sql().splitlines()
    assert table[0].split() == ["EVENT_ID", "SCORE"] and table[-1] == "(2 rows)"


def test_forecasts_load_and_flatten_into_points(wh) -> None:  # type: ignore[no-untyped-def]
    settings, loader = wh

    def forecast(generated_at: str, yhat: float) -> dict[str, object]:
        return {
            "forecast_id": f"netflix|mentions|{generated_at}",
            "platform": "netflix",
            "metric": "mentions",
            "model": "naive",
            "generated_at": generated_at,
            "points": [
                {
                    "timestamp": f"2025-11-21T00:0{i}:00+00:00",
                    "yhat": yhat,
                    "yhat_lower": yhat - 1,
                    "yhat_upper": yhat + 1,
                }
                for i in range(3)
            ],
            "history_windows": 30,
            "window_seconds": 60.0,
            "backtest_mase": 0.8,
        }

    records = [forecast("2025-11-21T00:00:00Z", 5.0), forecast("2025-11-21T00:01:00Z", 6.0)]
    # the newer record carries drivers; the older one predates them (no field)
    driver = {"name": "price_change", "platform": "netflix", "date": "2025-11-21", "used": False}
    records[1]["drivers"] = [driver]
    loader.commit(loader.stage(FORECASTS, rows(FORECASTS, records)))
    stored = query(settings, "SELECT DRIVERS FROM FORECASTS ORDER BY GENERATED_AT")
    assert stored[0][0] is None
    assert json.loads(stored[1][0]) == [driver]
    points = query(
        settings, "SELECT POINT_AT, YHAT, YHAT_UPPER FROM FORECAST_POINTS ORDER BY POINT_AT"
    )
    assert [(str(p), y, u) for p, y, u in points] == [
        (f"2025-11-21 00:0{i}:00", 6.0, 7.0) for i in range(3)
    ]


def test_churn_scores_keep_the_latest_risk_per_account_and_platform(wh) -> None:  # type: ignore[no-untyped-def]
    settings, loader = wh
    account = "a" * 64

    def risk(platform: str, value: float, at: str) -> dict[str, object]:
        return {
            "account": account,
            "platform": platform,
            "risk": value,
            "top_features": ["cancel_page_7d", "sessions_trend", "days_since_last_session"],
            "model_version": "churn-lr-1+10",
            "scored_at": at,
            "reason": "daily",
            "baseline_risk": 0.1,
            "schema_version": 1,
        }

    first = [risk("netflix", 0.2, "2026-09-01T00:00:00Z"), risk("max", 0.4, "2026-09-01T00:00:00Z")]
    loader.commit(loader.stage(CHURN_SCORES, rows(CHURN_SCORES, first)))
    later = [
        risk("netflix", 0.7, "2026-09-02T00:00:00Z"),
        risk("netflix", 0.8, "2026-09-03T00:00:00Z"),
    ]
    loader.commit(loader.stage(CHURN_SCORES, rows(CHURN_SCORES, later, first_offset=2)))
    found = query(
        settings,
        "SELECT PLATFORM, RISK, SCORED_AT, TOP_FEATURES FROM CHURN_SCORES ORDER BY PLATFORM",
    )
    assert [(p, r, str(t)) for p, r, t, _ in found] == [
        ("max", 0.4, "2026-09-01 00:00:00"),
        ("netflix", 0.8, "2026-09-03 00:00:00"),
    ]
    assert "cancel_page_7d" in str(found[1][3])


def test_viewing_sessions_load_once_per_session_even_when_sent_again(wh) -> None:  # type: ignore[no-untyped-def]
    settings, loader = wh
    account = "b" * 64

    def session(start_ms: int, plays: int) -> dict[str, object]:
        return {
            "session_id": f"{account}|hulu|{start_ms}",
            "account": account,
            "platform": "hulu",
            "started_at": "2026-09-01T20:00:00Z",
            "ended_at": "2026-09-01T21:10:00Z",
            "plays": plays,
            "watched_s": 4000.0,
            "schema_version": 1,
        }

    batch = [session(1, 2), session(2, 1), session(1, 2)]  # a batch read again re-sends
    loader.commit(loader.stage(VIEWING_SESSIONS, rows(VIEWING_SESSIONS, batch)))
    loader.commit(loader.stage(VIEWING_SESSIONS, rows(VIEWING_SESSIONS, batch[:1], first_offset=3)))
    found = query(settings, "SELECT EVENT_ID, PLAYS FROM VIEWING_SESSIONS ORDER BY EVENT_ID")
    assert [(e.rsplit("|", 1)[1], p) for e, p in found] == [("1", 2), ("2", 1)]


def change(event_id: str, platform: str, kind: str, at: str, moved_from: str | None = None) -> dict:
    """A record of `subscription-events`, as the viewers agent sends it."""
    return {
        "event_id": event_id,
        "account": "c" * 64,
        "platform": platform,
        "type": kind,
        "occurred_at": at,
        "moved_from": moved_from,
        "plan": "standard",
        "price": 15.49,
        "schema_version": 1,
    }


def test_subscription_events_load_once_even_when_sent_again_and_show_moves(wh) -> None:  # type: ignore[no-untyped-def]
    settings, loader = wh
    batch = [
        change("e1", "netflix", "cancel", "2026-09-07T10:00:00Z"),
        change("e2", "hulu", "signup", "2026-09-08T10:00:00Z", moved_from="netflix"),
        change("e1", "netflix", "cancel", "2026-09-07T10:00:00Z"),  # a batch read again
    ]
    loader.commit(loader.stage(SUBSCRIPTION_EVENTS, rows(SUBSCRIPTION_EVENTS, batch)))
    again = batch[:2] + [change("e3", "max", "signup", "2026-09-09T10:00:00Z", "netflix")]
    loader.commit(
        loader.stage(SUBSCRIPTION_EVENTS, rows(SUBSCRIPTION_EVENTS, again, first_offset=3))
    )
    found = query(
        settings, "SELECT EVENT_ID, TYPE, MOVED_FROM FROM SUBSCRIPTION_EVENTS ORDER BY EVENT_ID"
    )
    assert found == [
        ("e1", "cancel", None),
        ("e2", "signup", "netflix"),
        ("e3", "signup", "netflix"),
    ]
    moved = query(
        settings, "SELECT MOVED_FROM, MOVED_TO, MOVES FROM VIEWER_MOVES ORDER BY MOVED_TO"
    )
    assert moved == [("netflix", "hulu", 1), ("netflix", "max", 1)]


def test_title_trends_load_once_per_window_even_when_sent_again(wh) -> None:  # type: ignore[no-untyped-def]
    settings, loader = wh

    def window(start: str, plays: int) -> dict[str, object]:
        return {
            "window_id": f"hulu|{start}",
            "platform": "hulu",
            "window_start": "2026-09-01T20:00:00Z",
            "window_end": "2026-09-01T20:01:00Z",
            "plays": plays,
            "recommended_plays": 1,
            "titles": 2,
            "top": [{"title_id": "hu-drama-1", "plays": plays - 1}, {"title_id": "x", "plays": 1}],
            "rising": [],
            "closed_at": "2026-09-01T20:01:10Z",
            "schema_version": 1,
        }

    # A worker that died between sending a window and recording it sends it again.
    batch = [window("1.000", 4), window("2.000", 3), window("1.000", 4)]
    loader.commit(loader.stage(TITLE_TRENDS, rows(TITLE_TRENDS, batch)))
    loader.commit(loader.stage(TITLE_TRENDS, rows(TITLE_TRENDS, batch[:1], first_offset=3)))
    found = query(settings, "SELECT EVENT_ID, PLAYS, TOP FROM TITLE_TRENDS ORDER BY EVENT_ID")
    assert [(e, p) for e, p, _ in found] == [("hulu|1.000", 4), ("hulu|2.000", 3)]
    assert "hu-drama-1" in str(found[0][2])


def test_viewers_at_risk_per_platform_and_week_take_each_days_last_reading(wh) -> None:  # type: ignore[no-untyped-def]
    settings, loader = wh

    def window(platform: str, start: str, active: int | None, at_risk: int | None) -> dict:
        return closed_window(
            f"{platform}|{start}",
            0,
            1,
            window_start=start,
            window_end=start,
            closed_at=start,
            accounts_active=active,
            accounts_at_risk=at_risk,
            expected_cancellations=None if at_risk is None else at_risk * 0.5,
        )

    batch = [
        # Monday 2026-09-07: two windows, the day's last reading (20 at risk) counts
        window("netflix", "2026-09-07T10:00:00Z", 100, 4),
        window("netflix", "2026-09-07T23:59:00Z", 100, 20),
        window("netflix", "2026-09-08T12:00:00Z", 90, 10),  # Tuesday, same week
        window("netflix", "2026-09-14T12:00:00Z", 80, 2),  # the next week
        window("hulu", "2026-09-07T12:00:00Z", None, None),  # no viewers reported
    ]
    loader.commit(loader.stage(PLATFORM_WINDOWS, rows(PLATFORM_WINDOWS, batch)))
    observed = [
        change("c1", "netflix", "cancel", "2026-09-08T03:00:00Z"),
        change("c2", "netflix", "cancel", "2026-09-13T23:00:00Z"),  # Sunday: the same week
        change("c3", "netflix", "resubscribe", "2026-09-14T01:00:00Z"),
        change("c4", "max", "signup", "2026-09-09T10:00:00Z", moved_from="netflix"),
    ]
    loader.commit(loader.stage(SUBSCRIPTION_EVENTS, rows(SUBSCRIPTION_EVENTS, observed)))
    found = query(
        settings,
        "SELECT PLATFORM, WEEK, DAYS, MEAN_ACCOUNTS_ACTIVE, MEAN_ACCOUNTS_AT_RISK,"
        " PEAK_ACCOUNTS_AT_RISK, MEAN_EXPECTED_CANCELLATIONS, OBSERVED_CANCELLATIONS,"
        " SIGNUPS, RESUBSCRIPTIONS FROM VIEWERS_AT_RISK_WEEKLY ORDER BY PLATFORM, WEEK",
    )
    assert [(p, str(w)[:10], *rest) for p, w, *rest in found] == [
        # max has no gauge (no market window carried one) but its signup shows
        ("max", "2026-09-07", 0, None, None, None, None, 0, 1, 0),
        ("netflix", "2026-09-07", 2, 95.0, 15.0, 20, 7.5, 2, 0, 0),
        ("netflix", "2026-09-14", 1, 80.0, 2.0, 2, 1.0, 0, 0, 1),
    ]


def closed_window(window_id: str, revision: int | None, mentions: int, **fields: object) -> dict:
    """A platform-windows record (revision None: from before windows had revisions)."""
    record = {
        "window_id": window_id,
        "platform": window_id.split("|")[0],
        "window_start": "2026-09-07T10:00:00Z",
        "window_end": "2026-09-07T10:01:00Z",
        "mentions": mentions,
        "intent_counts": {},
        "sentiment_sum": 0.0,
        "sentiment_count": mentions,
        "sentiment_mean": 0.0,
        "interest_sum": 0.0,
        "interest_count": 0,
        "interest_mean": None,
        "switching_to": {},
        "switching_from": {},
        "late_events": 0,
        "closed_by": "revision" if revision else "watermark",
        "closed_at": "2026-09-07T10:01:10Z",
        "schema_version": 1,
    }
    if revision is not None:
        record["revision"] = revision
    return {**record, **fields}


def test_platform_windows_keep_the_last_revision_of_each_window(wh) -> None:  # type: ignore[no-untyped-def]
    """Upsert on the window id, the highest revision winning: in one batch whatever the
    offsets' order, and over the table, where an older revision loaded later (a window
    sent again after a crash) never replaces a newer one."""
    settings, loader = wh

    def load(records: list[dict], first_offset: int) -> None:
        batch = rows(PLATFORM_WINDOWS, records, first_offset=first_offset)
        loader.commit(loader.stage(PLATFORM_WINDOWS, batch))

    def table() -> list[tuple]:
        found = query(
            settings, "SELECT EVENT_ID, REVISION, MENTIONS FROM PLATFORM_WINDOWS ORDER BY 1"
        )
        return [(w, int(r), int(m)) for w, r, m in found]

    # one batch: max's revision 2 comes before its revision 1
    load(
        [
            closed_window("max|1", 0, 3),
            closed_window("max|1", 2, 6),
            closed_window("max|1", 1, 5),
            closed_window("hulu|1", None, 4),  # an older worker's record: a first close
        ],
        first_offset=0,
    )
    assert table() == [("hulu|1", 0, 4), ("max|1", 2, 6)]
    # later batches: an older revision does not replace a newer one ...
    load([closed_window("max|1", 1, 5), closed_window("hulu|1", 0, 4)], first_offset=4)
    assert table() == [("hulu|1", 0, 4), ("max|1", 2, 6)]
    # ... a newer one does, and the same revision sent again replaces it (the last offset)
    load([closed_window("max|1", 3, 7), closed_window("hulu|1", 0, 9)], first_offset=6)
    assert table() == [("hulu|1", 0, 9), ("max|1", 3, 7)]
