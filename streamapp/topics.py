"""Every topic name, once. Plain constants (no Faust), so any process can import them;
the Faust topic objects are declared in `streamapp.runtime.topic_set`."""

from __future__ import annotations

REDDIT_DISCUSSIONS = "reddit-discussions"
STREAMING_TRENDS = "streaming-trends"
# The viewers' clickstream, keyed by account hash (docs/viewers.md). Not a lane of the
# post/trend windows: its own agent, table and output topic.
VIEWING_EVENTS = "viewing-events"
# The latest churn risk of an account on a platform when it moved, keyed by account.
CHURN_RISK = "churn-risk"
# Every viewing session, sessionised in-stream, when it ends; keyed by account.
VIEWING_SESSIONS = "viewing-sessions"
# Every signup, cancel and resubscribe seen on viewing-events (account hashed, with the
# platform a signup moved from), keyed by account (docs/viewers.md#observed-moves).
SUBSCRIPTION_EVENTS = "subscription-events"
DISCUSSION_SIGNALS = "discussion-signals"
PIRACY_SENTIMENT = "piracy-sentiment"
PLATFORM_WINDOWS = "platform-windows"
STREAMING_ALERTS = "streaming-alerts"
DEAD_LETTERS = "dead-letters"
# Internal: per-platform partial aggregates and window-closing ticks, keyed by platform.
PLATFORM_CONTRIBUTIONS = "platform-contributions"
# The latest forecast per (platform, metric), keyed by platform.
PLATFORM_FORECASTS = "platform-forecasts"
# Internal, compacted: the collectors' cursors (one key per collector).
COLLECTOR_CHECKPOINTS = "collector-checkpoints"
# Compacted, one partition: demand drivers keyed by date|platform|name (`streamapp drivers
# load` writes it; the forecaster reads it before every refit).
FORECAST_DRIVERS = "forecast-drivers"
# The latest search interest by region of one keyword, keyed by keyword (a snapshot per
# fetch; docs/topics-and-schemas.md).
REGION_INTEREST = "region-interest"
# Compacted, keyed by title id: which platform carries each title now (genre, episodes),
# one record per change; the worker's recommender reads it (docs/recommendations.md).
TITLE_CATALOGUE = "title-catalogue"
# Per platform and window: the most-played titles and those rising fastest, keyed by
# platform (docs/viewers.md#trending).
TITLE_TRENDS = "title-trends"
# Internal, keyed by platform: each viewing-events partition's running play counts per
# (platform, window) and its progress, regrouped to the worker that closes the platform's
# trend windows (docs/viewers.md#trending).
TITLE_PLAYS = "title-plays"

# The raw topics whose partitions are lanes of the per-platform windows.
SOURCE_TOPICS = (REDDIT_DISCUSSIONS, STREAMING_TRENDS)
# What `streamapp replay` may write: every raw topic.
REPLAY_TOPICS = (*SOURCE_TOPICS, VIEWING_EVENTS)
OUTPUT_TOPICS = (
    DISCUSSION_SIGNALS,
    PIRACY_SENTIMENT,
    PLATFORM_WINDOWS,
    STREAMING_ALERTS,
    DEAD_LETTERS,
    PLATFORM_FORECASTS,
    CHURN_RISK,
    VIEWING_SESSIONS,
    SUBSCRIPTION_EVENTS,
    REGION_INTEREST,
    TITLE_TRENDS,
)
ALL_TOPICS = (*REPLAY_TOPICS, *OUTPUT_TOPICS, PLATFORM_CONTRIBUTIONS, TITLE_PLAYS)
# Compacted, one partition, a last value per key that every reader takes whole (each
# worker reads the whole title catalogue, not a share of it): created apart from the rest.
COMPACTED_TOPICS = (COLLECTOR_CHECKPOINTS, FORECAST_DRIVERS, TITLE_CATALOGUE)
