"""What every agent needs, built once per app by `create_app`."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import faust

from streamapp.analytics.recommend.catalogue import TitleCatalogue
from streamapp.analytics.recommend.trending import TrendingTitles
from streamapp.analytics.watermark import LaneProgress
from streamapp.config import Settings
from streamapp.runtime.agent_supervision import AgentGuard, AgentHealth
from streamapp.runtime.topic_set import PipelineTopics
from streamapp.tables import PipelineTables


@dataclass
class PipelineContext:
    app: faust.App
    settings: Settings
    topics: PipelineTopics
    tables: PipelineTables
    clock: Callable[[], float] = field(default=time.time)
    # publish(topic, key, value, partition): pre-serialised records straight to the
    # producer, for the per-post hot path (Faust's Topic.send costs about as much as
    # the rest of the work on a post). Faust still flushes it before every commit.
    publish: Callable[[str, bytes, bytes, int | None], Awaitable[Any]] | None = None
    # What predecessors delivered on the lanes this worker takes over (streamapp/delivery/takeovers.py);
    # None: no look-up (unit tests without a broker).
    takeovers: Any = None
    # Which agents are down (streamapp/runtime/agent_supervision.py), for /healthz.
    health: AgentHealth = field(default_factory=AgentHealth)
    # Per input lane this worker reads, the newest event time whose partial aggregates
    # Kafka has acknowledged: reported to every window partition (agents/aggregate_windows).
    lane_progress: LaneProgress = field(default_factory=LaneProgress)
    # Partition count per topic as the cluster serves it (`streamapp.runtime.topic_plan` fills it
    # before the worker starts); a topic not in it has the configured count.
    topic_partitions: dict[str, int] = field(default_factory=dict)
    # The viewers' engines per partition (tables/viewer_scoring.py), made on first use.
    viewers: Any = None
    # The whole title catalogue, as `title-catalogue` said last (every worker holds all of
    # it: agents/follow_catalogue.py), and that reader (None: none, in unit tests).
    catalogue: TitleCatalogue = field(default_factory=TitleCatalogue)
    catalogue_follower: Any = None
    # What is trending per platform across every partition, as `title-trends` said last
    # (agents/follow_trends.py): what cold-start accounts are recommended.
    trending: TrendingTitles = field(default_factory=TrendingTitles)
    # The recommender's models and profiles per partition (tables/viewer_profiles.py).
    profiles: Any = None
    # Counts plays for title-trends (agents/trend_titles.py PlayCounter), called from
    # score_viewers' batch: one subscription of viewing-events, not two.
    play_counter: Any = None

    def guard(self, agent: str) -> AgentGuard:
        """The supervision of one agent's body, with this worker's back-off settings."""
        p = self.settings.pipeline

        def forget_takeovers() -> None:
            # A failed batch may have delivered part of its partials unmarked: the retry
            # reads again what the log holds, as after a takeover.
            if self.takeovers is not None:
                self.takeovers.forget()

        return AgentGuard(
            agent,
            self.health,
            first_wait=p.agent_restart_first_seconds,
            max_wait=p.agent_restart_max_seconds,
            on_failure=forget_takeovers,
        )
