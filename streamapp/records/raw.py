"""Raw source records and their strict parsers.

Raw topics are consumed as bytes and parsed here, so that a bad message becomes an
`InvalidRecord` with a reason a person can act on (and goes to `dead-letters`),
instead of a deserialisation crash inside Faust.

A record that parses is fit for every step after it (docs/hardening.md, "Hostile
input"): strict UTF-8 without lone surrogates, bounded size and nesting, finite numbers,
a score that fits in 64 bits, event times a date can hold and not far in the future,
identifiers no longer than the warehouse's columns.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import faust

from streamapp.analytics.platforms import PLATFORM_IDS

RAW_SCHEMA_VERSION = 1
_AUTHOR_HASH = re.compile(r"^[0-9a-f]{64}$")
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_DEPTH = 32  # JSON containers inside each other, the top-level object included
# The last second `datetime` (and so every ISO-8601 field downstream) can hold.
LAST_EVENT_TIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Identifiers travel as Kafka keys, table keys and alert evidence, and load into
# VARCHAR(n) columns (loaders/schema.py): at most this many characters.
MAX_ID_CHARS = 64
MAX_KEYWORD_CHARS = 200
MAX_GEO_CHARS = 16
MAX_PERMALINK_CHARS = 400
REDDIT = "https://www.reddit.com"


class InvalidRecord(ValueError):
    """A raw message that cannot be used; the message says why."""


@dataclass(frozen=True)
class RecordLimits:
    """What a raw message may be. The defaults are the settings' defaults
    (`STREAMAPP_MAX_MESSAGE_BYTES`, `STREAMAPP_MAX_FUTURE_SECONDS`); `now` is the caller's
    clock. Without `now` only the calendar bounds event times (year 9999)."""

    max_message_bytes: int = 524_288
    max_future_seconds: float = 86_400.0
    now: float | None = None

    @property
    def latest_event_time(self) -> float:
        if self.now is None:
            return LAST_EVENT_TIME
        return min(self.now + self.max_future_seconds, LAST_EVENT_TIME)


DEFAULT_LIMITS = RecordLimits()


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
    # https://www.reddit.com/r/<sub>/comments/...: set by the Reddit collector only (a
    # simulated or replayed post without one has no link in an alert's examples).
    permalink: str | None = None

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
    # None: interest over time in `geo`. Set: interest by region, `geo` being a region of
    # `region_of` (a country code, or "world" for countries), compared with the other
    # regions for this keyword only; these points never reach the per-platform windows.
    region_of: str | None = None

    @property
    def epoch(self) -> float:
        return parse_iso_utc(self.timestamp)


def hash_author(name: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{name}".encode()).hexdigest()


def is_author_hash(value: str) -> bool:
    return bool(_AUTHOR_HASH.match(value))


def _show(value: Any, limit: int = 60) -> str:
    """A value for a reason: its repr (lone surrogates escaped), cut to `limit`."""
    shown = repr(value)
    return shown if len(shown) <= limit else f"{shown[:limit]}... ({len(shown)} chars)"


def parse_iso_utc(value: str) -> float:
    """ISO-8601 with an offset -> epoch seconds. A naive timestamp is refused."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidRecord(f"timestamp {_show(value)} is not ISO-8601") from exc
    if parsed.tzinfo is None:
        raise InvalidRecord(f"timestamp {_show(value)} has no UTC offset")
    return parsed.timestamp()


def iso_utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _decode_object(raw: bytes | str | None, limits: RecordLimits) -> dict[str, Any]:
    if raw is None:
        raise InvalidRecord("message has no value")
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if len(data) > limits.max_message_bytes:
        raise InvalidRecord(
            f"message is {len(data)} bytes, over the limit of {limits.max_message_bytes}"
            " (STREAMAPP_MAX_MESSAGE_BYTES); not parsed"
        )
    try:
        # Strictly, ourselves: json.loads(bytes) would let encoded surrogates through.
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRecord(
            f"not valid JSON: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    try:
        decoded = json.loads(text)
    except RecursionError as exc:
        raise InvalidRecord(f"JSON nested deeper than {MAX_DEPTH} levels") from exc
    except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
        raise InvalidRecord(f"not valid JSON: {exc}") from exc
    if not isinstance(decoded, dict):
        raise InvalidRecord(f"expected a JSON object, got {type(decoded).__name__}")
    _check_tree(decoded)
    return decoded


def _check_tree(data: dict[str, Any]) -> None:
    """Bounded nesting; every string (keys too) encodable as UTF-8: a JSON escape such as
    "\\ud800" decodes to a lone surrogate, which is refused (never replaced)."""
    stack: list[tuple[Any, int, str | None]] = [(data, 1, None)]
    while stack:
        node, depth, field = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidRecord(f"JSON nested deeper than {MAX_DEPTH} levels")
        pairs = node.items() if isinstance(node, dict) else ((None, v) for v in node)
        for key, value in pairs:
            name = field or key
            for text in (key, value):
                if isinstance(text, str) and not text.isascii() and _SURROGATE.search(text):
                    where = f"field {_show(name)}" if name is not None else "a string"
                    raise InvalidRecord(
                        f"{where} has a lone surrogate (an unpaired \\ud800-\\udfff escape):"
                        " not encodable text"
                    )
            if isinstance(value, dict | list):
                stack.append((value, depth + 1, name))


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


def _text(data: dict[str, Any], name: str, max_chars: int, required: bool = True) -> Any:
    value = _field(data, name, (str,), required)
    if value is not None and len(value) > max_chars:
        raise InvalidRecord(f"field {name!r} is longer than {max_chars} characters")
    return value


def _name(data: dict[str, Any], name: str, max_chars: int) -> str:
    """A required text field that names something (an id, a keyword): blank is refused."""
    value: str = _text(data, name, max_chars)
    if not value.strip():
        raise InvalidRecord(f"field {name!r} is empty")
    return value


def _platform(data: dict[str, Any], required: bool = True) -> str | None:
    """`platform`: a canonical platform id (or absent/null where not `required`)."""
    platform: str | None = _field(data, "platform", (str,), required)
    if platform is not None and platform not in PLATFORM_IDS:
        raise InvalidRecord(f"field 'platform' {_show(platform)} is not a canonical platform id")
    return platform


def _schema_version(data: dict[str, Any], expected: int) -> None:
    """An absent `schema_version` is the current one; another is refused, named."""
    version = _field(data, "schema_version", (int,), required=False)
    if version is not None and version != expected:
        raise InvalidRecord(f"field 'schema_version' is {version}; this worker reads {expected}")


def _finite(name: str, value: float) -> float:
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        number = math.inf
    if not math.isfinite(number):
        raise InvalidRecord(f"field {name!r} must be a finite number")
    return number


def _event_time(name: str, epoch: float, limits: RecordLimits) -> float:
    if epoch <= 0:
        raise InvalidRecord(f"field {name!r} must be after 1970-01-01 (positive epoch seconds)")
    if epoch > limits.latest_event_time:
        ahead = "the year 9999" if limits.now is None else f"now + {limits.max_future_seconds:g} s"
        raise InvalidRecord(f"field {name!r} is after {ahead} (epoch {epoch:.0f})")
    return epoch


def _int64(name: str, value: float) -> int:
    # An int is taken exactly (a float would round 2**63 - 1 up); a float is truncated.
    number = value if isinstance(value, int) else int(_finite(name, value))
    if not INT64_MIN <= number <= INT64_MAX:
        raise InvalidRecord(f"field {name!r} must fit in 64 bits, got {_show(value)}")
    return number


def parse_reddit_post(raw: bytes | str | None, limits: RecordLimits = DEFAULT_LIMITS) -> RedditPost:
    data = _decode_object(raw, limits)
    post_id = _name(data, "id", MAX_ID_CHARS)
    kind = _field(data, "kind", (str,))
    if kind not in ("submission", "comment"):
        raise InvalidRecord(f"field 'kind' must be 'submission' or 'comment', got {_show(kind)}")
    title = _field(data, "title", (str,), required=kind == "submission")
    created = _finite("created_utc", _field(data, "created_utc", (int, float)))
    return RedditPost(
        id=post_id,
        kind=kind,
        subreddit=_text(data, "subreddit", MAX_ID_CHARS),
        title=title,
        body=_field(data, "body", (str,), required=False) or "",
        score=_int64("score", _field(data, "score", (int, float), required=False) or 0),
        created_utc=_event_time("created_utc", created, limits),
        author=_field(data, "author", (str,), required=False),
        permalink=reddit_permalink(data.get("permalink")),
    )


def reddit_permalink(value: Any) -> str | None:
    """Reddit's own `/r/...` path (or a full reddit.com address) as an https URL. Anything
    else (another site, not a string, too long) is dropped, not refused: an optional link
    is not worth losing the post over, and an alert must never link elsewhere."""
    if not isinstance(value, str) or not value or len(value) > MAX_PERMALINK_CHARS:
        return None
    if value.startswith("/r/"):
        return REDDIT + value
    if value.startswith(REDDIT + "/r/"):
        return value
    return None


def parse_trend_point(raw: bytes | str | None, limits: RecordLimits = DEFAULT_LIMITS) -> TrendPoint:
    data = _decode_object(raw, limits)
    keyword = _name(data, "keyword", MAX_KEYWORD_CHARS)
    platform = _platform(data, required=False)
    timestamp = _field(data, "timestamp", (str,))
    _event_time("timestamp", parse_iso_utc(timestamp), limits)
    interest = _finite("interest", _field(data, "interest", (int, float)))
    if not 0 <= interest <= 100:
        raise InvalidRecord(f"field 'interest' must be within 0-100, got {interest}")
    return TrendPoint(
        keyword=keyword,
        platform=platform,
        geo=_text(data, "geo", MAX_GEO_CHARS, required=False) or "",
        timestamp=timestamp,
        interest=interest,
        region_of=_text(data, "region_of", MAX_GEO_CHARS, required=False) or None,
    )
