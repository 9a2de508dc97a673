"""The worker: its windows, topics, batching, web port and input limits (`STREAMAPP_*`),
and the thresholds of the alert rules it evaluates (`STREAMAPP_ALERT_*`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from streamapp.config.defaults import DEFAULT_DATA_DIR, DEFAULT_WEB_PORT, env_section


class PipelineSettings(BaseSettings):
    """The worker, its windows and its topics (`STREAMAPP_*`)."""

    model_config = env_section("STREAMAPP_")

    app_id: str = "streamapp"
    # Prepended to every topic name (e.g. "staging."), for shared clusters and for tests.
    topic_prefix: str = ""
    # Partitions for the topics we create; more partitions = more worker pods can share work.
    partitions: int = Field(default=4, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    # Standby copies of each table partition on other workers (faster fail-over).
    standby_replicas: int = Field(default=0, ge=0)
    window_seconds: float = Field(default=60.0, gt=0)
    baseline_windows: int = Field(default=30, ge=2)
    # Events up to this much older than the watermark still count in their window.
    allowed_lateness_seconds: float = Field(default=10.0, ge=0)
    # A partition quiet this long stops holding the watermark back (its event time is
    # then projected with the wall clock). Longer than a rebalance, so a partition that
    # moves between workers is waited for instead of having its events arrive late.
    idle_partition_seconds: float = Field(default=20.0, ge=0)
    # A partition whose newest event is further than this behind the wall clock is catching
    # up on a backlog (a replay, a restart): while one is, idle partitions are not projected
    # with the wall clock, so no window closes before the backlog has been read.
    backlog_seconds: float = Field(default=300.0, gt=0)
    # Search-interest points (Google Trends: hourly, complete an hour after their event time,
    # fetched every STREAMAPP_TRENDS_POLL_SECONDS) do not hold the windows' first close:
    # they are taken into closed windows as revisions, and judged by the interest rules,
    # once the Trends lanes pass the window, or at the latest once a quiet Trends lane is
    # this far behind the wall clock. Keep it above 1 h + the poll interval + Google's delay.
    interest_lateness_seconds: float = Field(default=10_800.0, ge=0)
    # Wall-clock ticks that close windows when a stream goes quiet.
    tick_seconds: float = Field(default=1.0, gt=0)
    # How often consumed offsets are committed (smaller = fewer duplicates after a crash).
    commit_interval_seconds: float = Field(default=2.0, gt=0)
    # Producer batching: a few ms of linger means far fewer, larger produce requests
    # (measured: ~15% less worker CPU and ~30% less broker CPU per post at 5 ms).
    producer_linger_seconds: float = Field(default=0.005, ge=0)
    # Classified posts per micro-batch in the classification agent.
    classify_batch_size: int = Field(default=200, ge=1)
    classify_batch_seconds: float = Field(default=0.05, gt=0)
    # A partition whose next record has not been processed for this long, while later
    # records of it have, is read again from that record (streamapp/delivery/head_watch.py; 0 = off).
    stalled_head_seconds: float = Field(default=15.0, ge=0)
    # An agent whose body fails is run again after this wait, doubling up to the max
    # (streamapp/runtime/agent_supervision.py); /healthz answers 503 meanwhile.
    agent_restart_first_seconds: float = Field(default=1.0, gt=0)
    agent_restart_max_seconds: float = Field(default=30.0, gt=0)
    # The worker and the sink create the topics they need before they start (where the
    # cluster allows it); false = only verify them, and exit naming what is missing.
    create_topics: bool = True
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=DEFAULT_WEB_PORT, ge=1, le=65535)
    # The host the other workers reach this one's web port at (they forward it requests
    # for the accounts it owns: GET /recommendations). Empty: `web_host`, or this
    # machine's name when that binds every interface (0.0.0.0). On Kubernetes: the pod IP.
    web_advertised_host: str = ""
    data_dir: Path = DEFAULT_DATA_DIR
    # `memory://` recovers tables from their changelogs on start; `rocksdb://` keeps them on disk.
    store: str = "memory://"
    session_timeout_seconds: float = Field(default=10.0, gt=0)
    heartbeat_interval_seconds: float = Field(default=1.0, gt=0)
    # Salt for hashing Reddit authors; authors never travel in clear.
    author_salt: SecretStr = SecretStr("streamapp-default-salt")
    # Hostile input (docs/hardening.md): a raw message over this size is dead-lettered
    # unparsed, with its size and SHA-256 instead of its bytes ...
    max_message_bytes: int = Field(default=524_288, ge=1)
    # ... and an event time more than this far ahead of the worker's clock is refused.
    max_future_seconds: float = Field(default=86_400.0, ge=0)
    # A model file written by `streamapp train` (docs/classification.md); empty = the
    # shipped one. A missing or corrupt file stops the worker at start.
    classifier_model: Path | None = None


class AlertSettings(BaseSettings):
    """Alert rule thresholds (`STREAMAPP_ALERT_*`)."""

    model_config = env_section("STREAMAPP_ALERT_")

    fire_score: float = 3.0  # a window this many deviations above its baseline fires
    resolve_score: float = 1.0  # ... and resolves once it falls back under this (hysteresis)
    min_count: int = 5  # count rules need at least this many events in the window
    min_baseline_windows: int = 5  # no verdict before this much history
    cooldown_windows: int = 5  # after resolving, the same rule stays quiet this long
    min_sentiment_posts: int = 5
    min_interest_rise: float = 5.0  # interest points above baseline before a spike counts
    evidence_size: int = 5
