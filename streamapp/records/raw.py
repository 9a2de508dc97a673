"""Raw source records and their strict parsers.

Raw topics are consumed as bytes and parsed here, so that a bad message becomes an
`InvalidRecord` with a reason a person can act on (and goes to `dead-letters`),
instead of a deserialisation crash inside Faust.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import UTC, datetime
from typing import Any

import faust

from streamapp.analytics.platforms import PLATFORM_IDS

RAW_SCHEMA_VERSION = 1
_AUTHOR_HASH = re.compile(r"^[0-9a-f]{64}$")


class InvalidRecord(ValueError):
    """A raw message that cannot be used; the message says why."""


class RedditPost(faust.Record, serializer="json", include_metadata=False):
    """One Reddit submission or comment (`reddit-discussions`), Reddit's field names."""

    id: str
    kind: str
    subreddit: str
    body: str
    score: int
    created_utc: float
    title: str | None = None
    author: str | None = None  # salted SHA-256 hex of the username, never the name
    schema_version: int = RAW_SCHEMA_VERSION

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}" if self.title else self.body


class TrendPoint(faust.Record, serializer="json", include_metadata=False):
    """One search-interest point (`streaming-trends`)."""

    keyword: str
    platform: str | None
    geo: str
    timestamp: str  # ISO-8601 with a UTC offset
    interest: float  # 0-100, Google's scale
    schema_version: int = RAW_SCHEMA_VERSION

    @property
    def epoch(self) -> float:
        return parse_iso_utc(self.timestamp)


def hash_author(name: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{name}".encode()).hexdigest()


def is_author_hash(value: str) -> bool:
    return bool(_AUTHOR_HASH.match(value))


def parse_iso_utc(value: str) -> float:
    """ISO-8601 with an offset -> epoch seconds. A naive timestamp is refused."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidRecord(f"timestamp {value!r} is not ISO-8601") from exc
    if parsed.tzinfo is None:
        raise InvalidRecord(f"timestamp {value!r} has no UTC offset")
    return parsed.timestamp()


def iso_utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _decode_object(raw: bytes | str | None) -> dict[str, Any]:
    if raw is None:
        raise InvalidRecord("message has no value")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidRecord(f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidRecord(f"expected a JSON object, got {type(data).__name__}")
    return data


def _field(data: dict[str, Any], name: str, kinds: tuple[type, ...], required: bool = True) -> Any:
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidRecord(f"missing field {name!r}")
        return None
    # bool is an int in Python; a JSON true is never a valid number here.
    if isinstance(value, bool) or not isinstance(value, kinds):
        wanted = " or ".join(k.__name__ for k in kinds)
        raise InvalidRecord(f"field {name!r} must be {wanted}, got {type(value).__name__}")
    return value


def _finite(name: str, value: float) -> float:
    if not math.isfinite(value):
        raise InvalidRecord(f"field {name!r} must be a finite number")
    return float(value)


def parse_reddit_post(raw: bytes | str | None) -> RedditPost:
    data = _decode_object(raw)
    post_id = _field(data, "id", (str,))
    if not post_id.strip():
        raise InvalidRecord("field 'id' is empty")
    kind = _field(data, "kind", (str,))
    if kind not in ("submission", "comment"):
        raise InvalidRecord(f"field 'kind' must be 'submission' or 'comment', got {kind!r}")
    title = _field(data, "title", (str,), required=kind == "submission")
    created = _finite("created_utc", _field(data, "created_utc", (int, float)))
    if created <= 0:
        raise InvalidRecord("field 'created_utc' must be positive epoch seconds")
    return RedditPost(
        id=post_id,
        kind=kind,
        subreddit=_field(data, "subreddit", (str,)),
        title=title,
        body=_field(data, "body", (str,), required=False) or "",
        score=int(_field(data, "score", (int, float), required=False) or 0),
        created_utc=created,
        author=_field(data, "author", (str,), required=False),
    )


def parse_trend_point(raw: bytes | str | None) -> TrendPoint:
    data = _decode_object(raw)
    keyword = _field(data, "keyword", (str,))
    platform = _field(data, "platform", (str,), required=False)
    if platform is not None and platform not in PLATFORM_IDS:
        raise InvalidRecord(f"field 'platform' {platform!r} is not a canonical platform id")
    timestamp = _field(data, "timestamp", (str,))
    parse_iso_utc(timestamp)
    interest = _finite("interest", _field(data, "interest", (int, float)))
    if not 0 <= interest <= 100:
        raise InvalidRecord(f"field 'interest' must be within 0-100, got {interest}")
    return TrendPoint(
        keyword=keyword,
        platform=platform,
        geo=_field(data, "geo", (str,), required=False) or "",
        timestamp=timestamp,
        interest=interest,
    )
