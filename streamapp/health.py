"""`/healthz` (the process is alive and its consumer runs) and `/readyz` (it owns
partitions, is not rebalancing, and has recovered its tables)."""

from __future__ import annotations

import faust
from faust.exceptions import ConsumerNotStarted
from faust.web import Request, Response, View


def assigned_partitions(app: faust.App) -> int:
    try:
        return len(app.consumer.assignment())
    except ConsumerNotStarted:  # a probe can come before Kafka's consumer thread exists
        return 0


def readiness(app: faust.App) -> tuple[bool, dict[str, object]]:
    recovery = app.tables.recovery
    detail = {
        "rebalancing": bool(app.rebalancing),
        "recovering": bool(recovery.in_recovery),
        "assigned_partitions": assigned_partitions(app),
    }
    ready = not detail["rebalancing"] and not detail["recovering"] and recovery.completed.is_set()
    return ready, detail


def register_health(app: faust.App) -> None:
    @app.page("/healthz")
    class Healthz(View):
        async def get(self, request: Request) -> Response:
            crashed = bool(getattr(app, "crashed", False)) or not app.consumer.started
            body: dict[str, object] = {"status": "failing" if crashed else "ok"}
            # Reporters (e.g. the collectors) add detail; a stale source shows as
            # "degraded" but stays 200: restarting the worker would not un-stale Google.
            for report in getattr(app, "health_reporters", ()):
                degraded, detail = report()
                body.update(detail)
                if degraded and not crashed:
                    body["status"] = "degraded"
            return self.json(body, status=503 if crashed else 200)

    @app.page("/readyz")
    class Readyz(View):
        async def get(self, request: Request) -> Response:
            ready, detail = readiness(app)
            return self.json({"ready": ready, **detail}, status=200 if ready else 503)
