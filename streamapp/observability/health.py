"""`/healthz` (the process is alive, its consumer runs and no agent is down) and
`/readyz` (it owns partitions, is not rebalancing, has recovered its tables, every
topic it subscribes to has partitions assigned somewhere in the group, and every
`app.readiness_checks` entry says ready: the title catalogue read to its end at start)."""

from __future__ import annotations

import contextlib
from typing import Any

import faust
from faust.exceptions import ConsumerNotStarted
from faust.web import Request, Response, View

from streamapp.runtime.agent_supervision import dead_actors


def assigned_partitions(app: faust.App) -> int:
    try:
        return len(app.consumer.assignment())
    except ConsumerNotStarted:  # a probe can come before Kafka's consumer thread exists
        return 0


def subscribed_topics(app: faust.App) -> set[str]:
    return {name for channel in app.topics for name in getattr(channel, "topics", ())}


def unassigned_topics(app: faust.App) -> list[str]:
    """Subscribed topics of which no member of the group got a partition: a topic that
    is missing, or that the group leader ignored because its metadata had not caught up
    ("Ignoring missing topic"), is read by nobody until the next rebalance."""
    assignor = app.assignor
    assigned: set[str] = set()
    for distribution in (assignor.external_topic_distribution, assignor.changelog_distribution):
        for host_topics in distribution.values():
            assigned.update(t for t, partitions in host_topics.items() if partitions)
    with contextlib.suppress(ConsumerNotStarted):
        assigned.update(tp.topic for tp in app.consumer.assignment())
    return sorted(subscribed_topics(app) - assigned)


def agents_down(app: faust.App) -> dict[str, str]:
    health = getattr(app, "agent_health", None)
    down = health.snapshot() if health is not None else {}
    for name in dead_actors(app):
        down.setdefault(name, "its task has ended")
    return down


def readiness(app: faust.App) -> tuple[bool, dict[str, object]]:
    recovery = app.tables.recovery
    unassigned = unassigned_topics(app) if not app.rebalancing else []
    detail: dict[str, Any] = {
        "rebalancing": bool(app.rebalancing),
        "recovering": bool(recovery.in_recovery),
        "assigned_partitions": assigned_partitions(app),
    }
    if unassigned:
        detail["unassigned_topics"] = unassigned
    ready = (
        not detail["rebalancing"]
        and not detail["recovering"]
        and recovery.completed.is_set()
        and not unassigned
    )
    # Parts that must have read something first add a check (the title catalogue).
    for check in getattr(app, "readiness_checks", ()):
        part_ready, part_detail = check()
        detail.update(part_detail)
        ready = ready and part_ready
    return ready, detail


def register_health(app: faust.App) -> None:
    @app.page("/healthz")
    class Healthz(View):
        async def get(self, request: Request) -> Response:
            down = agents_down(app)
            crashed = bool(getattr(app, "crashed", False)) or not app.consumer.started
            failing = crashed or bool(down)
            body: dict[str, object] = {"status": "failing" if failing else "ok"}
            if down:
                body["agents_down"] = down
            # Reporters (e.g. the collectors) add detail; a stale source shows as
            # "degraded" but stays 200: restarting the worker would not un-stale Google.
            for report in getattr(app, "health_reporters", ()):
                degraded, detail = report()
                body.update(detail)
                if degraded and not failing:
                    body["status"] = "degraded"
            return self.json(body, status=503 if failing else 200)

    @app.page("/readyz")
    class Readyz(View):
        async def get(self, request: Request) -> Response:
            ready, detail = readiness(app)
            return self.json({"ready": ready, **detail}, status=200 if ready else 503)
