"""The `viewing-events` parser: strict, with reasons; account ids hashed where they enter."""

from __future__ import annotations

import json

import pytest

from streamapp.records.raw import InvalidRecord, RecordLimits, hash_author
from streamapp.records.viewing import account_hash, parse_viewing_event

NOW = 1_790_000_000.0
LIMITS = RecordLimits(now=NOW)
ACCOUNT = hash_author("acct-1", "salt")
GOOD = {
    "event_id": "e-1",
    "account": ACCOUNT,
    "platform": "netflix",
    "type": "stop",
    "title_id": "nf-drama-3",
    "position_s": 1800,
    "watched_s": 1500.5,
    "device": "tv",
    "country": "US",
    "plan": "standard",
    "price": 17.99,
    "ts": "2026-09-20T20:00:00Z",
    "schema_version": 1,
}


def raw(**changes: object) -> bytes:
    data = {**GOOD, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not ...}).encode()


def test_a_good_event_keeps_every_field() -> None:
    event = parse_viewing_event(raw(), LIMITS)
    assert (event.account, event.platform, event.type) == (ACCOUNT, "netflix", "stop")
    assert (event.watched_s, event.price, event.plan) == (1500.5, 17.99, "standard")
    assert event.epoch == 1_789_934_400.0
    assert json.loads(event.dumps())["schema_version"] == 1


def test_optional_fields_may_be_missing() -> None:
    minimal = {k: GOOD[k] for k in ("event_id", "account", "platform", "type", "ts")}
    event = parse_viewing_event(json.dumps(minimal), LIMITS)
    assert event.title_id is None and event.price is None and event.watched_s is None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"type": "binge"}, "field 'type'"),
        ({"platform": "Netflix"}, "not a canonical platform id"),
        ({"account": ""}, "field 'account' is empty"),
        ({"account": ...}, "missing field 'account'"),
        ({"ts": "2026-09-20T20:00:00"}, "has no UTC offset"),
        ({"ts": "2099-01-01T00:00:00Z"}, "is after now"),
        ({"ts": 1_790_000_000}, "field 'ts' must be str"),
        ({"watched_s": -1}, "field 'watched_s' must be within"),
        ({"position_s": True}, "field 'position_s' must be int or float"),
        ({"price": -3}, "field 'price' must be within"),
        ({"schema_version": 2}, "this worker reads 1"),
        ({"event_id": "x" * 65}, "longer than 64"),
    ],
)
def test_bad_events_are_refused_with_a_reason(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidRecord, match=reason):
        parse_viewing_event(raw(**changes), LIMITS)


def test_a_non_finite_price_is_refused() -> None:
    with pytest.raises(InvalidRecord, match="finite"):
        parse_viewing_event(raw().replace(b"17.99", b"1e999"), LIMITS)


def test_a_clear_account_id_is_hashed_and_a_hash_is_kept() -> None:
    assert account_hash(ACCOUNT, "other-salt") == ACCOUNT
    hashed = account_hash("alice@example.com", "salt")
    assert hashed == hash_author("alice@example.com", "salt") and "alice" not in hashed


def test_replay_takes_viewing_events_bare_or_in_an_envelope(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from streamapp import topics
    from streamapp.sources.replay import read_jsonl

    path = tmp_path / "views.jsonl"
    bare = {**GOOD, "ts": "2026-09-20T20:00:00Z"}
    envelope = {"topic": topics.VIEWING_EVENTS, "key": "k", "value": bare}
    path.write_text(json.dumps(bare) + "\n" + json.dumps(envelope) + "\n")
    records = list(read_jsonl(path))
    assert [(r.topic, r.key) for r in records] == [
        (topics.VIEWING_EVENTS, ACCOUNT),
        (topics.VIEWING_EVENTS, "k"),
    ]
    assert records[0].event_time == 1_789_934_400.0
