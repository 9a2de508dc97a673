"""The real Faust agents through Faust's own test_context(): actual streams and tables,
with the outgoing topics' `send` captured (no broker)."""

import asyncio

import pytest

from streamapp.app import create_app
from streamapp.config import Settings
from streamapp.records import Contribution
from streamapp.tables.window_close import tick
from tests.fakes import FakeTopic, fake_publish
from tests.harness.clock import FakeClock as Clock


@pytest.fixture
def app(monkeypatch):
    settings = Settings()
    settings.pipeline.window_seconds = 10
    settings.pipeline.allowed_lateness_seconds = 0
    settings.alerts.min_baseline_windows = 3
    # The fake clock starts in 1970, far behind the posts' event times: no future bound.
    settings.pipeline.max_future_seconds = 3e9
    clock = Clock()
    app = create_app(settings, clock=clock)
    app.finalize()
    app.conf.store = "memory://"
    app.flow_control.resume()
    app.pipeline.takeovers = None  # no broker to read the contributions log from
    captured = {}
    for name in ("windows", "alerts", "contributions", "signals", "piracy", "dead_letters"):
        fake = FakeTopic(name)
        monkeypatch.setattr(getattr(app.pipeline.topics, name), "send", fake.send)
        captured[name] = fake
    # the per-post hot path publishes pre-serialised records straight to the producer
    by_name = {getattr(app.pipeline.topics, n).get_topic_name(): n for n in captured}
    publish_to = {name: captured[n] for name, n in by_name.items()}
    for name, fake in publish_to.items():
        fake.name = name
    app.pipeline.publish = fake_publish(list(publish_to.values()))
    app.captured = captured
    app.clock = clock
    return app


def contribution(start, piracy, mentions=10):
    return Contribution(
        platform="netflix",
        window_start=float(start),
        max_event_time=float(start + 5),
        mentions=mentions,
        sentiment_sum=0.0,
        sentiment_count=mentions,
        intent_counts={"piracy": piracy},
        switching_to={},
        switching_from={},
        sources={},
        evidence={"piracy": [f"t3_{start}"]},
    )


async def test_aggregate_windows_agent_closes_windows_and_fires_from_its_tables(app):
    agent = app.agents["aggregate_windows"]
    async with agent.test_context() as tested:
        for i, piracy in enumerate([1, 1, 1, 1, 30]):
            await tested.put(contribution(i * 10, piracy), partition=0)
        app.clock.now += 3600  # the stream goes quiet: a tick closes the last window
        await tested.put(tick(app.clock.now), partition=0)

    windows = app.captured["windows"].values
    assert [w.window_start for w in windows] == [
        f"1970-01-01T00:00:{s:02d}Z" for s in (0, 10, 20, 30, 40)
    ]
    assert [w.closed_by for w in windows] == ["watermark"] * 4 + ["wall_clock"]
    [alert] = app.captured["alerts"].values
    assert (alert.rule, alert.status, alert.evidence) == ("piracy_surge", "firing", ["t3_40"])
    assert app.pipeline.tables.alert_state["netflix"]["rules"]["piracy_surge"]["status"] == "firing"
    assert not list(app.pipeline.tables.windows.keys())  # closed windows leave the table


async def test_classify_posts_agent_signals_dead_letters_and_marks_offsets(app):
    import json

    post = {
        "id": "t3_p1",
        "kind": "submission",
        "subreddit": "Piracy",
        "title": "Netflix too expensive, I torrent everything now",
        "body": "",
        "score": 5,
        "created_utc": 1_700_000_000,
    }
    agent = app.agents["classify_posts"]
    async with agent.test_context() as tested:
        await tested.put(json.dumps(post).encode(), partition=1)
        await tested.put(b"\xff not json", partition=1)
        await tested.put(json.dumps({**post, "id": "t3_p2"}).encode(), partition=1)
        for _ in range(50):  # the micro-batch flushes on its timer
            if app.captured["contributions"].values:
                break
            await asyncio.sleep(0.05)

    assert [s.event_id for s in app.captured["signals"].values] == ["t3_p1", "t3_p2"]
    assert [s.event_id for s in app.captured["piracy"].values] == ["t3_p1", "t3_p2"]
    [letter] = app.captured["dead_letters"].values
    assert "not valid JSON" in letter.reason
    [contribution] = app.captured["contributions"].values
    assert contribution.platform == "netflix" and contribution.intent_counts["piracy"] == 2
    topic = app.pipeline.topics.reddit.get_topic_name()
    marks = app.pipeline.tables.contributed[f"{topic}:1"]
    assert marks["ranges"] == [[0, 0], [2, 2]]  # 1 was bad
