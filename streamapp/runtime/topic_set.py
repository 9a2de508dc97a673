"""Faust topic objects: raw topics are read as bytes (bad input -> dead letters)."""

from __future__ import annotations

from dataclasses import dataclass

import faust

from streamapp import topics as names
from streamapp.config import Settings
from streamapp.records import Alert, Contribution, DeadLetter, DiscussionSignal, WindowAggregate
from streamapp.records.forecast import PlatformForecast
from streamapp.records.trends import TitlePlays, TitleTrends
from streamapp.records.viewing import ChurnRisk, SubscriptionEvent, ViewingSession


@dataclass(frozen=True)
class PipelineTopics:
    reddit: faust.TopicT
    trends: faust.TopicT
    signals: faust.TopicT
    piracy: faust.TopicT
    windows: faust.TopicT
    alerts: faust.TopicT
    dead_letters: faust.TopicT
    contributions: faust.TopicT
    forecasts: faust.TopicT
    viewing: faust.TopicT
    churn_risk: faust.TopicT
    sessions: faust.TopicT
    subscriptions: faust.TopicT
    regions: faust.TopicT  # JSON bytes, built in streamapp.analytics.regions
    title_plays: faust.TopicT  # internal: per-lane running play counts (records/trends.py)
    title_trends: faust.TopicT


def declare(app: faust.App, settings: Settings) -> PipelineTopics:
    partitions = settings.pipeline.partitions
    replicas = settings.pipeline.replication_factor

    def topic(name: str, value_type: type | None = None) -> faust.TopicT:
        # internal=True: the worker creates missing topics with our partition count,
        # instead of leaving it to the broker's auto-create default.
        return app.topic(
            settings.pipeline.topic_prefix + name,
            value_type=value_type,
            key_serializer="raw",
            value_serializer="raw" if value_type is None else "json",
            partitions=partitions,
            replicas=replicas,
            internal=True,
        )

    return PipelineTopics(
        reddit=topic(names.REDDIT_DISCUSSIONS),
        trends=topic(names.STREAMING_TRENDS),
        signals=topic(names.DISCUSSION_SIGNALS, DiscussionSignal),
        piracy=topic(names.PIRACY_SENTIMENT, DiscussionSignal),
        windows=topic(names.PLATFORM_WINDOWS, WindowAggregate),
        alerts=topic(names.STREAMING_ALERTS, Alert),
        dead_letters=topic(names.DEAD_LETTERS, DeadLetter),
        contributions=topic(names.PLATFORM_CONTRIBUTIONS, Contribution),
        forecasts=topic(names.PLATFORM_FORECASTS, PlatformForecast),
        viewing=topic(names.VIEWING_EVENTS),
        churn_risk=topic(names.CHURN_RISK, ChurnRisk),
        sessions=topic(names.VIEWING_SESSIONS, ViewingSession),
        subscriptions=topic(names.SUBSCRIPTION_EVENTS, SubscriptionEvent),
        regions=topic(names.REGION_INTEREST),
        title_plays=topic(names.TITLE_PLAYS, TitlePlays),
        title_trends=topic(names.TITLE_TRENDS, TitleTrends),
    )
