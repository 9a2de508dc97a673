"""title-trends -> `ctx.trending` on every worker: what is trending on each platform
across every partition, recommended to cold-start accounts.

A `title-trends` window already sums a platform's plays over every `viewing-events`
partition (agents/trend_titles.py), but its windows are spread over the topic's
partitions by platform. The owner of an account needs its platforms' windows whatever
partitions this worker was given, so each worker reads the whole topic with a consumer of
its own (agents/whole_topic.py), from RECENT_RECORDS before each partition's end at start:
only the last `trending.SPAN_S` of windows per platform is kept.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from streamapp import topics
from streamapp.agents.whole_topic import read_whole_topic
from streamapp.analytics.recommend.trending import TrendingTitles
from streamapp.records.raw import parse_iso_utc
from streamapp.runtime.context import PipelineContext

log = logging.getLogger(__name__)
POLL_MS = 500
# Per partition at start: SPAN_S (an hour) of 60 s windows of up to 16 platforms.
RECENT_RECORDS = 1000


class TrendsFollower:
    def __init__(self, trending: TrendingTitles) -> None:
        self.trending = trending

    def take(self, value: bytes | None) -> str | None:
        """Apply one `title-trends` record; the reason it cannot be used, or None."""
        try:
            window = json.loads(value or b"")
            platform, start = str(window["platform"]), parse_iso_utc(window["window_start"])
            top = [(str(t["title_id"]), int(t["plays"])) for t in window["top"]]
        except Exception as exc:  # our own records: a bad one is a bug, logged
            return f"not a title-trends window: {exc!r}"[:300]
        self.trending.update(platform, start, [{"title_id": t, "plays": p} for t, p in top])
        return None

    async def follow(self, consumer: Any) -> None:
        """Read a started, subscribed consumer for ever, from near each partition's end."""
        sought = False
        while True:
            assigned = consumer.assignment()
            if not sought and assigned:
                await seek_back(consumer, list(assigned), RECENT_RECORDS)
                sought = True
            batches = await consumer.getmany(timeout_ms=POLL_MS)
            for records in batches.values():
                for message in records:
                    reason = self.take(message.value)
                    if reason is not None:
                        log.warning("title-trends record at offset %d: %s", message.offset, reason)


async def seek_back(consumer: Any, partitions: list[Any], records: int) -> None:
    begins = await consumer.beginning_offsets(partitions)
    ends = await consumer.end_offsets(partitions)
    for tp in partitions:
        consumer.seek(tp, max(begins[tp], ends[tp] - records))


def register(ctx: PipelineContext) -> None:
    topic = ctx.settings.pipeline.topic_prefix + topics.TITLE_TRENDS
    follower = TrendsFollower(ctx.trending)

    @ctx.app.task
    async def follow_trends() -> None:
        await read_whole_topic(ctx.settings, topic, follower.follow)
