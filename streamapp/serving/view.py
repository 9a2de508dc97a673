"""GET /recommendations/<account>?n=10 on the worker's web server (the one of /healthz).

Answered by the worker that owns the account's `viewing-events` partition, where its
profile and the partition's model live; any other worker forwards the request there
(streamapp/serving/route.py decides) and hands back its answer as it is, so every
worker gives the same answer. 400: a malformed request; 404: an account this cluster has
folded no event of; 503 (with Retry-After): the partition is moving between workers, its
table is still being recovered, or its owner did not answer. Errors and logs never hold
the salt; a clear account id is hashed before it is looked up and is never logged.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import faust
from faust.exceptions import ConsumerNotStarted
from faust.web import Request, Response, View

from streamapp.records.viewing import account_hash
from streamapp.runtime.context import PipelineContext
from streamapp.serving.route import (
    ROUTED_HEADER,
    BadRequest,
    decide,
    owner_of,
    parse_query,
    partition_of,
)

log = logging.getLogger(__name__)
FORWARD_TIMEOUT_S = 5.0
RETRY_AFTER = {"Retry-After": "1"}


def _holds(app: faust.App, topic: str, partition: int) -> bool:
    try:
        return any(
            tp.topic == topic and tp.partition == partition for tp in app.consumer.assignment()
        )
    except ConsumerNotStarted:
        return False


def register_recommendations(app: faust.App, ctx: PipelineContext) -> None:
    settings = ctx.settings
    salt = settings.pipeline.author_salt
    topic = ctx.topics.viewing.get_topic_name()
    me = str(app.conf.canonical_url)

    def partitions() -> int:
        return ctx.topic_partitions.get(topic) or settings.pipeline.partitions

    @app.page("/recommendations/{account}")
    class Recommendations(View):
        async def get(self, request: Request, account: str) -> Response:
            try:
                key, n = parse_query(account, request.query.get("n"))
            except BadRequest as exc:
                return self.json({"error": str(exc)}, status=400)
            partition = partition_of(key, partitions())
            owner = owner_of(app.assignor.external_topic_distribution, topic, partition)
            routed = request.headers.get(ROUTED_HEADER) is not None
            decision = decide(me, owner, _holds(app, topic, partition), routed)
            if decision == "forward":
                assert owner is not None
                return await self.forward(owner, request, partition)
            if decision == "unavailable" or not app.tables.recovery.completed.is_set():
                why = f"partition {partition} of {topic} is moving between workers or recovering"
                return self.json({"error": f"{why}; ask again"}, status=503, headers=RETRY_AFTER)
            hashed = account_hash(key, salt.get_secret_value())
            book = ctx.profiles
            latest = book.latest(partition) if book is not None else None
            answer = book.recommend(hashed, partition, n, latest or ctx.clock()) if book else None
            if answer is None:
                return self.json(
                    {
                        "error": f"no viewing events of account {hashed} have been read (its"
                        f" partition is {partition}); the account must be the key its events"
                        " were produced with",
                    },
                    status=404,
                )
            return self.json(
                {
                    "account": hashed,
                    "n": n,
                    "recommendations": [
                        {
                            "title_id": r.title_id,
                            "platform": r.platform,
                            "score": r.score,
                            "reason": r.reason,
                        }
                        for r in answer.recommendations
                    ],
                    "model_version": answer.model_version,
                    "served_by": me,
                }
            )

        async def forward(self, owner: str, request: Request, partition: int) -> Response:
            url = owner.rstrip("/") + str(request.rel_url)
            timeout = aiohttp.ClientTimeout(total=FORWARD_TIMEOUT_S)
            try:
                async with app.http_client.get(
                    url, headers={ROUTED_HEADER: "1"}, timeout=timeout
                ) as response:
                    body = await response.read()
                    status = response.status
                    extra: dict[str, Any] = {}
                    if "Retry-After" in response.headers:
                        extra["Retry-After"] = response.headers["Retry-After"]
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.warning(
                    "recommendations: the owner of partition %d at %s: %r", partition, owner, exc
                )
                return self.json(
                    {
                        "error": f"the owner of partition {partition} ({owner}) did not answer; ask again"
                    },
                    status=503,
                    headers=RETRY_AFTER,
                )
            return self.bytes(body, content_type="application/json", status=status, headers=extra)
