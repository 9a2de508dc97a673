"""Readiness names subscribed topics nobody in the group reads; health names agents down."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from faust.types import TP

from streamapp.observability.health import agents_down, readiness, unassigned_topics
from streamapp.runtime.agent_supervision import AgentHealth


def fake_app(subscribed, external, changelogs=None, mine=(), health=None):
    completed = asyncio.Event()
    completed.set()
    return SimpleNamespace(
        topics=[SimpleNamespace(topics=tuple(names)) for names in subscribed],
        assignor=SimpleNamespace(
            external_topic_distribution=external, changelog_distribution=changelogs or {}
        ),
        consumer=SimpleNamespace(assignment=lambda: set(mine)),
        rebalancing=False,
        tables=SimpleNamespace(recovery=SimpleNamespace(in_recovery=False, completed=completed)),
        agents={},
        should_stop=False,
        agent_health=health,
    )


def test_a_topic_no_member_was_given_is_unassigned_and_the_worker_not_ready():
    app = fake_app(
        subscribed=[["reddit-discussions"], ["streaming-trends"], ["app-alert-state-changelog"]],
        # The other worker has the trends; nobody has reddit-discussions (the leader
        # ignored it: its metadata had not caught up).
        external={"http://w2:6066": {"streaming-trends": [0, 1], "reddit-discussions": []}},
        changelogs={"http://w1:6066": {"app-alert-state-changelog": [0]}},
    )
    assert unassigned_topics(app) == ["reddit-discussions"]
    ready, detail = readiness(app)
    assert not ready and detail["unassigned_topics"] == ["reddit-discussions"]


def test_topics_assigned_anywhere_in_the_group_make_the_worker_ready():
    app = fake_app(
        subscribed=[["reddit-discussions", "streaming-trends"]],
        external={"http://w2:6066": {"streaming-trends": [0]}},
        mine=[TP("reddit-discussions", 3)],
    )
    ready, detail = readiness(app)
    assert ready and "unassigned_topics" not in detail


def test_agents_down_come_from_the_guard():
    health = AgentHealth()
    app = fake_app([], {}, health=health)
    assert agents_down(app) == {}
    health.down("classify_posts", "RuntimeError: boom")
    assert agents_down(app) == {"classify_posts": "RuntimeError: boom"}


async def test_not_ready_until_the_title_catalogue_is_read_to_its_start_time_end():
    from streamapp.agents.follow_catalogue import CatalogueFollower, catalogue_loaded
    from streamapp.analytics.recommend.catalogue import TitleCatalogue
    from streamapp.records.raw import RecordLimits
    from tests.unit.test_catalogue_follower import FakeConsumer, record

    async def on_bad(*_):
        pass

    follower = CatalogueFollower(TitleCatalogue(), RecordLimits, on_bad)
    app = fake_app([["viewing-events"]], {}, mine=[TP("viewing-events", 0)])
    app.readiness_checks = [follower.readiness]
    assert readiness(app) == (False, {**readiness(app)[1], "catalogue_read": False})
    # The viewers' agent giving up its wait does not make the worker ready.
    await catalogue_loaded(SimpleNamespace(catalogue_follower=follower), timeout=0.01)
    assert not readiness(app)[0]
    # Two records were there at the start: one read is not enough, both are.
    consumer = FakeConsumer([[record(0, "a", "netflix", "2026-01-01T00:00:00Z")], []], end=2)
    consumer.polls.insert(1, [record(1, "b", "hulu", "2026-01-01T00:00:00Z")])
    task = asyncio.ensure_future(follower.follow(consumer))
    await asyncio.wait_for(consumer.waiting.wait(), 5)
    task.cancel()
    ready, detail = readiness(app)
    assert ready and detail["catalogue_read"] is True
