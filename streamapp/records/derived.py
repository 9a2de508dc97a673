"""Records the worker produces: signals, window aggregates, alerts, dead letters."""

from __future__ import annotations

from typing import Any

import faust

DERIVED_SCHEMA_VERSION = 1


class _JsonRecord(faust.Record, abstract=True, serializer="json", include_metadata=False):
    pass


class DiscussionSignal(_JsonRecord):
    """A classified post (`discussion-signals`; the piracy ones also on `piracy-sentiment`)."""

    event_id: str
    kind: str
    subreddit: str
    created_utc: float
    event_time: str
    platforms: list[str]
    intents: list[str]
    sentiment: float
    switch_from: str | None
    switch_to: str | None
    classifier_version: str
    score: int
    text: str
    author_hash: str | None = None
    schema_version: int = DERIVED_SCHEMA_VERSION
    permalink: str | None = None  # the post on reddit.com (the dashboard links to it)


class Contribution(_JsonRecord):
    """Internal (`platform-contributions`, keyed by platform): a partial window aggregate.

    Classification pre-aggregates each micro-batch into one contribution per
    (platform, window), so the regrouped stream carries far fewer messages than posts.
    A contribution with `tick_wall` set carries no data: it is a wall-clock tick that
    lets windows close when the stream goes quiet.
    """

    platform: str
    window_start: float
    max_event_time: float
    # Dict fields have no defaults: faust.Record would share one dict between instances.
    intent_counts: dict[str, int]
    switching_to: dict[str, int]
    switching_from: dict[str, int]
    evidence: dict[str, list[str]]
    # newest event time per input lane ("topic:partition") of the batch: the watermark
    sources: dict[str, float]
    mentions: int = 0
    sentiment_sum: float = 0.0
    sentiment_count: int = 0
    interest_sum: float = 0.0
    interest_count: int = 0
    tick_wall: float | None = None
    # input lane -> [first, last] offset ranges folded into this partial (None: a tick,
    # or a contribution from before this field existed)
    offsets: dict[str, list[list[int]]] | None = None
    # The batch's most frequent terms and a few example posts per label, for alerts'
    # explanations (streamapp/analytics/explain.py); None from older workers and ticks.
    terms: dict[str, int] | None = None
    examples: dict[str, Any] | None = None
    # A viewers' gauge, not a partial: {viewing-events partition: [day, accounts active,
    # at risk, expected cancellations, then the quality and the risk bands]} as of that
    # partition's last daily tick (streamapp/analytics/viewer_gauge.py). Set, it carries
    # nothing else and moves no lane.
    viewers: dict[str, list[Any]] | None = None
    schema_version: int = DERIVED_SCHEMA_VERSION


class WindowAggregate(_JsonRecord):
    """A closed window for one platform (`platform-windows`)."""

    window_id: str
    platform: str
    window_start: str
    window_end: str
    mentions: int
    intent_counts: dict[str, int]
    sentiment_sum: float
    sentiment_count: int
    sentiment_mean: float | None
    interest_sum: float
    interest_count: int
    interest_mean: float | None
    switching_to: dict[str, int]
    switching_from: dict[str, int]
    late_events: int
    closed_by: str
    closed_at: str
    schema_version: int = DERIVED_SCHEMA_VERSION
    # 0 when the window first closes; n for its n-th correction by late events (same
    # window_id: subscribers upsert on it).
    revision: int = 0
    # The platform's viewers as of the last daily tick reported before the window closed
    # (a gauge summed over the viewing-events partitions; None: no viewers reported).
    accounts_active: int | None = None
    accounts_at_risk: int | None = None
    expected_cancellations: float | None = None
    # Optional (added later): the window's rising terms at its close and up to 3 posts
    # that mentioned the platform, so that alerts judged on this record alone (the
    # forecaster's forecast_breach) explain themselves (streamapp/analytics/explain.py).
    top_terms: list[dict[str, Any]] | None = None
    examples: list[dict[str, Any]] | None = None
    # The same tick's accounts per risk band ({"edges": [...], "accounts": [...]}) and the
    # churn model's prequential quality next to the recency baseline's ({"labels": n,
    # "model_roc_auc": ..., "baseline_roc_auc": ..., ...}); None: not reported (yet).
    risk_histogram: dict[str, Any] | None = None
    churn_quality: dict[str, Any] | None = None


class Alert(_JsonRecord):
    """A firing or resolved alert (`streaming-alerts`, a public contract)."""

    alert_id: str
    rule: str
    platform: str
    status: str
    severity: str
    window_start: str
    window_end: str
    observed: float
    baseline: float
    score: float
    message: str
    evidence: list[str]
    fired_at: str
    schema_version: int = DERIVED_SCHEMA_VERSION
    # Optional (added later; older alerts lack them, older subscribers ignore them): what
    # explains the alert (streamapp/analytics/explain.py, docs/topics-and-schemas.md).
    top_terms: list[dict[str, Any]] | None = None
    examples: list[dict[str, Any]] | None = None
    switch_flow: dict[str, Any] | None = None
    # forecast_breach only: the known drivers (forecast-drivers) active in the window,
    # each {"name", "platform", "date", "end_date"}; empty when none was.
    drivers: list[dict[str, Any]] | None = None


class DeadLetter(_JsonRecord):
    """A message that could not be used, with why and its original bytes (`dead-letters`).

    A message too large to carry (docs/hardening.md) leaves its bytes out: then
    `original_value_b64` is None and `original_sha256` is the SHA-256 hex of the value
    (`original_key_sha256` likewise for a key too large to carry).
    """

    reason: str
    source_topic: str
    partition: int
    offset: int
    original_value_b64: str | None
    original_key_b64: str | None
    failed_at: str
    # The value's size in bytes (0: no value); always set (None only on older letters).
    original_size: int | None = None
    original_sha256: str | None = None
    original_key_sha256: str | None = None
    schema_version: int = DERIVED_SCHEMA_VERSION
