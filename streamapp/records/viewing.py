"""Viewing events (`viewing-events`): one clickstream event of one account on one platform.

Parsed strictly, like the other raw records (records/raw.py): a bad event becomes an
`InvalidRecord` whose reason a person can act on, and goes to `dead-letters`. The account
travels as a salted SHA-256 (64 hex characters); a producer that sends a clear id has it
hashed where it enters the worker (`account_hash`), so a clear id never goes further.
"""

from __future__ import annotations

import faust

from streamapp.records.raw import (
    DEFAULT_LIMITS,
    MAX_GEO_CHARS,
    MAX_ID_CHARS,
    RAW_SCHEMA_VERSION,
    InvalidRecord,
    RecordLimits,
    _decode_object,
    _event_time,
    _field,
    _finite,
    _name,
    _platform,
    _schema_version,
    _show,
    _text,
    hash_author,
    is_author_hash,
    parse_iso_utc,
)

VIEWING_SCHEMA_VERSION = RAW_SCHEMA_VERSION
EVENT_TYPES = (
    "signup",
    "session_start",
    "browse",
    "search",
    "play",
    "pause",
    "stop",
    "rate",
    "list_add",
    "plan_change",
    "cancel_page",
    "cancel",
    "resubscribe",
)
# Where a play came from (`source`, optional): a value outside these is read as None, not
# refused, so a producer that adds a value of its own loses only that field, never the
# event (docs/topics-and-schemas.md#viewing-events).
PLAY_SOURCES = ("recommendation", "browse", "continue")
MAX_PLAN_CHARS = 32
MAX_DEVICE_CHARS = 32
MAX_PRICE = 10_000.0  # a monthly price in the account's currency; beyond is a unit error
MAX_SECONDS = 7 * 86_400.0  # a position or watched time longer than a week is an error


class ViewingEvent(faust.Record, serializer="json", include_metadata=False):
    """One clickstream event. `ts` is the event time, ISO-8601 with a UTC offset."""

    event_id: str
    account: str  # salted SHA-256 hex of the account id, never the id itself
    platform: str
    type: str
    ts: str
    title_id: str | None = None
    position_s: float | None = None
    watched_s: float | None = None
    device: str | None = None
    country: str | None = None
    plan: str | None = None
    price: float | None = None
    source: str | None = None  # one of PLAY_SOURCES: where a play came from
    schema_version: int = VIEWING_SCHEMA_VERSION

    @property
    def epoch(self) -> float:
        return parse_iso_utc(self.ts)


class ChurnRisk(faust.Record, serializer="json", include_metadata=False):
    """The churn risk of an account on a platform (`churn-risk`, keyed by account)."""

    account: str
    platform: str
    risk: float  # P(cancel within STREAMAPP_CHURN_HORIZON_DAYS)
    top_features: list[str]  # the three features that moved the score most
    model_version: str  # "churn-lr-1+<labels learned>"
    scored_at: str  # the event time of the score, ISO-8601
    reason: str  # "session_end" or "daily"
    baseline_risk: float  # the recency baseline's risk, for comparison
    schema_version: int = VIEWING_SCHEMA_VERSION


class ViewingSession(faust.Record, serializer="json", include_metadata=False):
    """One viewing session, sessionised in-stream (`viewing-sessions`, keyed by account)."""

    session_id: str  # "<account>|<platform>|<start, epoch ms>"
    account: str
    platform: str
    started_at: str  # ISO-8601, event time
    ended_at: str  # the session's last event
    plays: int
    watched_s: float
    schema_version: int = VIEWING_SCHEMA_VERSION


class SubscriptionEvent(faust.Record, serializer="json", include_metadata=False):
    """A signup, cancel or resubscribe observed on `viewing-events`, account hashed
    (`subscription-events`, keyed by account; the warehouse's SUBSCRIPTION_EVENTS)."""

    event_id: str  # the viewing event's id: the warehouse loads each event once
    account: str
    platform: str
    type: str  # signup, cancel or resubscribe
    occurred_at: str  # ISO-8601, event time
    # A signup or resubscribe within STREAMAPP_VIEWER_MOVE_DAYS of a cancel on another
    # platform: that platform (the most recent such cancel); else None
    moved_from: str | None = None
    plan: str | None = None
    price: float | None = None
    schema_version: int = VIEWING_SCHEMA_VERSION


def account_hash(account: str, salt: str) -> str:
    """The account as it may travel: already a hash is kept, a clear id is hashed."""
    return account if is_author_hash(account) else hash_author(account, salt)


def _seconds(data: dict[str, object], name: str) -> float | None:
    value = _field(data, name, (int, float), required=False)
    if value is None:
        return None
    number = _finite(name, value)
    if not 0 <= number <= MAX_SECONDS:
        raise InvalidRecord(f"field {name!r} must be within 0-{MAX_SECONDS:g} seconds")
    return number


def parse_viewing_event(
    raw: bytes | str | None, limits: RecordLimits = DEFAULT_LIMITS
) -> ViewingEvent:
    data = _decode_object(raw, limits)
    _schema_version(data, VIEWING_SCHEMA_VERSION)
    event_id = _name(data, "event_id", MAX_ID_CHARS)
    account = _name(data, "account", MAX_ID_CHARS)
    platform = _platform(data)
    kind = _field(data, "type", (str,))
    if kind not in EVENT_TYPES:
        raise InvalidRecord(f"field 'type' {_show(kind)} is not one of {', '.join(EVENT_TYPES)}")
    ts = _text(data, "ts", 40)
    _event_time("ts", parse_iso_utc(ts), limits)
    price = _field(data, "price", (int, float), required=False)
    if price is not None:
        price = _finite("price", price)
        if not 0 <= price <= MAX_PRICE:
            raise InvalidRecord(f"field 'price' must be within 0-{MAX_PRICE:g}, got {price}")
    return ViewingEvent(
        event_id=event_id,
        account=account,
        platform=platform,
        type=kind,
        ts=ts,
        title_id=_text(data, "title_id", MAX_ID_CHARS, required=False),
        position_s=_seconds(data, "position_s"),
        watched_s=_seconds(data, "watched_s"),
        device=_text(data, "device", MAX_DEVICE_CHARS, required=False),
        country=_text(data, "country", MAX_GEO_CHARS, required=False),
        plan=_text(data, "plan", MAX_PLAN_CHARS, required=False),
        price=price,
        source=_play_source(data),
    )


def _play_source(data: dict[str, object]) -> str | None:
    """A known source, or None (absent or unknown); a non-string is an error."""
    value = _field(data, "source", (str,), required=False)
    return value if value in PLAY_SOURCES else None
