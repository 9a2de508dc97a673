"""Hostile input for the raw topics: a seeded, deterministic mix of every class of bad
message the parsers must refuse, and valid ones to interleave with them.

Used by tests/unit/test_hostile_input.py and the Kafka fuzz test
(tests/integration/test_hostile_input_kafka.py). Bad posts get ids starting `t3_bad`, so a
signal for one of them stands out.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from streamapp.analytics.platforms import PLATFORM_IDS

MAX_MESSAGE_BYTES = 524_288  # the default STREAMAPP_MAX_MESSAGE_BYTES
DAY = 86_400.0
PLACEHOLDER = "@@BAD@@"  # replaced by raw bytes after json.dumps


@dataclass(frozen=True)
class Sample:
    kind: str  # the class of bad input, or "valid"
    key: bytes | None
    value: bytes | None
    event_id: str | None = None  # a valid post's id (its signal's event_id)

    @property
    def valid(self) -> bool:
        return self.kind == "valid"


TEXTS = (
    "Netflix raised prices again, thinking of cancelling",
    "Loving the new season on Hulu, worth every cent",
    "Honestly I just torrent everything now, yarr",
    "Ça coûte trop cher, Disney+ 😀 — 日本語も",
    "tab\tnew line\nNUL\u0000 bell\u0007 escaped controls are text",
    "emoji from escapes \U0001f600 and a BOM-like \ufeff in the middle",
    "",
)


def _dumps(data: Any) -> bytes:
    return json.dumps(data).encode()


def _with(data: dict[str, Any], raw: bytes, field: str = "body") -> bytes:
    """`data` as JSON with `raw` (bytes, unescaped) as the content of string `field`."""
    return _dumps({**data, field: PLACEHOLDER}).replace(PLACEHOLDER.encode(), raw)


def _literal(data: dict[str, Any], field: str, raw: bytes) -> bytes:
    """`data` as JSON with `raw` in place of the whole value of `field` (a JSON literal)."""
    return _dumps({**data, field: PLACEHOLDER}).replace(f'"{PLACEHOLDER}"'.encode(), raw)


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


# --- valid records ------------------------------------------------------------------------


def valid_post(rng: random.Random, n: int, created: float) -> dict[str, Any]:
    kind = rng.choice(("submission", "comment"))
    post: dict[str, Any] = {
        "id": f"t3_fz{n}",
        "kind": kind,
        "subreddit": rng.choice(("cordcutters", "netflix", "Piracy", "television")),
        "body": rng.choice(TEXTS),
        "score": rng.choice((0, 1, -7, 4_000, 2**63 - 1, -(2**63), 3.7)),
        "created_utc": rng.choice((created, int(created))),
    }
    if kind == "submission" or rng.random() < 0.5:
        post["title"] = rng.choice(TEXTS)
    if rng.random() < 0.3:
        post["author"] = rng.choice(("alice", "b" * 64, "ßøñ"))
    if rng.random() < 0.2:  # unknown fields are ignored, nested within the limit too
        post["extra"] = {"nested": [[{"ok": True}]], "n": None}
    return post


def valid_point(rng: random.Random, n: int, at: float) -> dict[str, Any]:
    return {
        "keyword": rng.choice(("netflix", "hulu", "free streaming", "cancel netflix")) + f" {n}",
        "platform": rng.choice((*sorted(PLATFORM_IDS), None)),
        "geo": rng.choice(("US", "", "US-CA")),
        "timestamp": iso(at),
        "interest": rng.choice((0, 100, 42, 12.5)),
    }


# --- bad records, by class ----------------------------------------------------------------
# Each takes (rng, a valid record of the topic, now) and returns the bad value bytes.

Bad = Callable[[random.Random, dict[str, Any], float], bytes | None]

INVALID_UTF8 = (
    b"\xff",
    b"\xfe\xff",
    b"\x80",
    b"\xc3\x28",
    b"\xc0\xaf",  # overlong "/"
    b"\xe2\x28\xa1",
    b"\xed\xa0\x80",  # an encoded surrogate (json.loads(bytes) would accept it)
    b"\xed\xbf\xbf",
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
    b"\xf0\x9f\x98",  # a truncated emoji
)
SURROGATE_ESCAPES = (b"\\ud800", b"\\udfff", b"x\\udc00y", b"\\ud83d", b"\\ude00\\ud83d")


def _invalid_utf8(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    field = rng.choice([k for k, v in good.items() if isinstance(v, str)])
    return _with(good, b"a" + rng.choice(INVALID_UTF8) + b"b", field)


def _truncated(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    raw = _dumps(good)
    return raw[: rng.randrange(1, len(raw) - 1)]


def _not_object(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    return rng.choice(
        (b"[]", b"[1, 2]", b"42", b"-1.5e3", b'"a string"', b"null", b"true", b"false")
        + (_dumps([good]), b"NaN", b"Infinity")
    )


def _missing(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    post = "id" in good
    required = (
        ("id", "kind", "subreddit", "created_utc") if post else ("keyword", "timestamp", "interest")
    )
    data = dict(good)
    data.pop(rng.choice(required))
    if "id" in good and rng.random() < 0.3:  # a submission needs its title
        data = {**good, "kind": "submission", "title": None}
    return _dumps(data)


WRONG_TYPES: dict[str, tuple[Any, ...]] = {
    "id": (123, ["t3_x"], {"id": "x"}, True),
    "kind": (1, ["submission"]),
    "subreddit": ({}, 7, False),
    "created_utc": ("2024-01-01", True, [1.7e9], {"t": 1}),
    "score": ("3x", True, [], {}),
    "body": (5, ["text"], True),
    "author": (7, ["alice"]),
    "keyword": (5, ["netflix"]),
    "platform": (5, ["netflix"], True),
    "geo": (1, []),
    "timestamp": (1_700_000_000, ["2024-01-01T00:00:00Z"]),
    "interest": ("50", True, [50]),
}


def _wrong_type(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    field = rng.choice([f for f in WRONG_TYPES if f in good or (f == "author" and "id" in good)])
    return _dumps({**good, field: rng.choice(WRONG_TYPES[field])})


def _numbers(good: dict[str, Any]) -> tuple[str, ...]:
    return ("created_utc", "score") if "id" in good else ("interest",)


def _non_finite(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    literal = rng.choice((b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e999"))
    return _literal(good, rng.choice(_numbers(good)), literal)


def _huge_number(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    digits = rng.choice((400, 4_300, 5_000, 20_000))
    return _literal(good, rng.choice(_numbers(good)), b"9" * digits)


def _bad_time(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    if "id" in good:
        created = rng.choice(
            (1e15, 1e20, 1.7976931348623157e308, 253_402_300_800, 0, -1, -1e10, now + 2 * DAY)
        )
        return _dumps({**good, "created_utc": created})
    stamp = rng.choice(
        (
            "2024-01-01T00:00:00",  # no offset
            "yesterday",
            "",
            "+10000-01-01T00:00:00Z",
            "9999-12-31T23:59:59-23:59",  # after the last representable second in UTC
            "1969-12-31T23:59:59Z",
            "0001-01-01T00:00:00+01:00",
            iso(now + 2 * DAY),
        )
    )
    return _dumps({**good, "timestamp": stamp})


def _out_of_range(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    if "id" in good:
        return _dumps({**good, "score": rng.choice((2**63, -(2**63) - 1, 10**30, 1e308, -1e300))})
    return _dumps({**good, "interest": rng.choice((-1, 100.5, 1e9, -1e-9))})


def _lone_surrogate(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    escape = rng.choice(SURROGATE_ESCAPES)
    where = rng.random()
    if where < 0.6:
        field = rng.choice([k for k, v in good.items() if isinstance(v, str)])
        return _with(good, escape, field)
    if where < 0.8:  # as a key
        return _dumps({**good, PLACEHOLDER: 1}).replace(PLACEHOLDER.encode(), escape)
    return _dumps({**good, "extra": [{"deep": PLACEHOLDER}]}).replace(PLACEHOLDER.encode(), escape)


def _deep(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    depth = rng.choice((32, 100, 999, 5_000, 10_000))  # 32 inside the object: 33 levels
    opener, closer = rng.choice(((b"[", b"]"), (b'{"a":', b"}")))
    nested = opener * depth + b"1" + closer * depth
    if rng.random() < 0.5:
        return nested  # the whole message (not an object at the top)
    return _literal(good, "extra", nested)


def _raw_control(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    field = rng.choice([k for k, v in good.items() if isinstance(v, str)])
    return _with(good, b"x" + bytes([rng.randrange(0, 32)]) + b"y", field)


def _empty(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    blank: tuple[bytes, ...] = (b"", b" ", b"\n", b"\t", b"{}")
    fields: tuple[dict[str, str], ...] = (
        ({"id": ""}, {"id": "  "}, {"kind": ""})
        if "id" in good
        else ({"keyword": ""}, {"keyword": " "})
    )
    return rng.choice(blank + tuple(_dumps({**good, **f}) for f in fields))


def _none(rng: random.Random, good: dict[str, Any], now: float) -> bytes | None:
    return None  # a tombstone


def _too_long(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    fields = {"id": 64, "subreddit": 64} if "id" in good else {"keyword": 200, "geo": 16}
    field, limit = rng.choice(sorted(fields.items()))
    return _dumps({**good, field: "z" * rng.choice((limit + 1, 10 * limit, 100_000))})


def _bad_enum(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    if "id" in good:
        return _dumps({**good, "kind": rng.choice(("link", "Submission", "t3", "comment "))})
    return _dumps({**good, "platform": rng.choice(("netflx", "Netflix", "hbo", ""))})


def _garbage(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    size = rng.randrange(1, 300)
    raw = bytes(rng.randrange(256) for _ in range(size))
    return b"\x01" + raw  # never a JSON object


def _encodings(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    text = json.dumps(good)
    return rng.choice(
        (
            b"\xef\xbb\xbf" + text.encode(),  # a UTF-8 byte order mark
            text.encode("utf-16"),
            text.encode("utf-16-le"),
            text.encode("utf-32"),
        )
    )


def _trailing(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    raw = _dumps(good)
    return raw + rng.choice((b" x", b"}", raw, b"\x00", b","))


def _oversized(rng: random.Random, good: dict[str, Any], now: float) -> bytes:
    """Valid JSON, but over the size limit: refused unparsed."""
    size = rng.randrange(MAX_MESSAGE_BYTES + 1, MAX_MESSAGE_BYTES + 200_000)
    filler = "f" * (size - len(_dumps({**good, "body": ""})))
    return _dumps({**good, "body": filler})


BAD_CLASSES: dict[str, Bad] = {
    "invalid_utf8": _invalid_utf8,
    "truncated": _truncated,
    "not_object": _not_object,
    "missing_field": _missing,
    "wrong_type": _wrong_type,
    "non_finite": _non_finite,
    "huge_number": _huge_number,
    "bad_time": _bad_time,
    "out_of_range": _out_of_range,
    "lone_surrogate": _lone_surrogate,
    "deep_nesting": _deep,
    "raw_control_char": _raw_control,
    "empty": _empty,
    "none_value": _none,
    "too_long": _too_long,
    "bad_enum": _bad_enum,
    "garbage": _garbage,
    "other_encoding": _encodings,
    "trailing_data": _trailing,
}
# Expensive ones: a fixed number per mix, not a share of it.
RARE_CLASSES: dict[str, Bad] = {"oversized": _oversized}
HUGE_KEY_BYTES = (300_000, 470_000)  # with a small bad value; the larger one is hashed too


def _key(rng: random.Random, fallback: str) -> bytes | None:
    choice = rng.random()
    if choice < 0.25:
        return None
    if choice < 0.35:
        return b""
    if choice < 0.7:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))  # not UTF-8
    return fallback.encode()


def hostile_mix(
    seed: int,
    *,
    bad: int,
    valid: int,
    now: float,
    topic: str = "posts",
    oversized: int = 0,
    huge_keys: int = 0,
) -> list[Sample]:
    """`bad` + `oversized` + `huge_keys` bad messages and `valid` good ones, shuffled.
    Valid records' event times rise from `now - 120` s (posts) or `now - 3600` (points)."""
    rng = random.Random(seed)
    make_good = valid_post if topic == "posts" else valid_point
    start = now - (120 if topic == "posts" else 3_600)
    samples: list[Sample] = []
    for n in range(valid):
        record = make_good(rng, n, start + n * 0.05)
        event_id = record.get("id")
        key = event_id.encode() if event_id else record["keyword"].encode()
        samples.append(Sample("valid", key, _dumps(record), event_id))
    names = sorted(BAD_CLASSES)
    rare = [name for name in sorted(RARE_CLASSES) for _ in range(oversized)]
    for n, name in enumerate([rng.choice(names) for _ in range(bad)] + rare):
        template = make_good(rng, n, start + rng.uniform(0, 60))
        if topic == "posts":
            template["id"] = f"t3_bad{n}"
        value = {**BAD_CLASSES, **RARE_CLASSES}[name](rng, template, now)
        samples.append(Sample(name, _key(rng, template.get("id", "k")), value))
    for n in range(huge_keys):
        size = HUGE_KEY_BYTES[n % len(HUGE_KEY_BYTES)]
        samples.append(Sample("huge_key", b"k" * size, b"{not json"))
    # Bad ones land anywhere; valid records keep their order (rising event times).
    valid_in_order = iter(samples[:valid])
    rng.shuffle(samples)
    return [next(valid_in_order) if s.valid else s for s in samples]
