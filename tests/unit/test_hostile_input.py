"""Hostile input (issue 11): no message can crash an agent. Every class of bad input is
refused by the parsers with a reason, dead-lettered with its original bytes (or its size
and SHA-256 when too large), and the rest of the batch goes on."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from types import SimpleNamespace

import pytest
from aiokafka.errors import MessageSizeTooLargeError
from faust.exceptions import ProducerSendError
from prometheus_client import REGISTRY

from streamapp.agents import classify_posts
from streamapp.agents.classify_posts import classify_batch
from streamapp.agents.dead_letters import LETTER_BUDGET_BYTES, dead_letter, send_dead_letter
from streamapp.agents.track_interest import track_batch
from streamapp.config import Settings
from streamapp.records import RecordLimits, parse_reddit_post, parse_trend_point
from streamapp.records.raw import InvalidRecord, iso_utc
from streamapp.runtime.context import PipelineContext
from streamapp.tables.definitions import PipelineTables
from tests.fakes import FakeMessage, FakeTable, FakeTopic, fake_publish, fake_topics
from tests.hostile_messages import hostile_mix

NOW = 1_700_000_000.0
LIMITS = RecordLimits(now=NOW)
POST = {
    "id": "t3_a",
    "kind": "submission",
    "subreddit": "cordcutters",
    "title": "Netflix again",
    "body": "",
    "score": 3,
    "created_utc": NOW - 60,
}
POINT = {
    "keyword": "netflix",
    "platform": "netflix",
    "geo": "US",
    "timestamp": "2023-11-14T22:00:00Z",
    "interest": 40,
}


def raw_post(**fields) -> bytes:
    return json.dumps({**POST, **fields}).encode()


def raw_point(**fields) -> bytes:
    return json.dumps({**POINT, **fields}).encode()


def refused(raw, parse=parse_reddit_post, limits=LIMITS) -> str:
    with pytest.raises(InvalidRecord) as info:
        parse(raw, limits)
    return str(info.value)


# --- the parsers: what is refused, and why ------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff not json", "not valid JSON: not UTF-8 text"),
        (raw_post(body="@").replace(b"@", b"\xed\xa0\x80"), "not UTF-8 text"),  # surrogate
        (raw_post(body="@").replace(b"@", b"\xc0\xaf"), "not UTF-8 text"),  # overlong
        (raw_post()[:-1], "not valid JSON"),  # truncated
        (b"", "not valid JSON"),
        (b"   ", "not valid JSON"),
        (None, "message has no value"),
        (b"null", "expected a JSON object, got NoneType"),
        (b"[1, 2]", "expected a JSON object, got list"),
        (b"42", "expected a JSON object, got int"),
        (b'"text"', "expected a JSON object, got str"),
        (b"NaN", "expected a JSON object, got float"),
        (b"{}", "missing field 'id'"),
        (raw_post(kind=None), "missing field 'kind'"),
        (raw_post(title=None), "missing field 'title'"),
        (raw_post(id=7), "field 'id' must be str, got int"),
        (raw_post(score="3x"), "'score' must be int or float"),
        (raw_post(score=True), "'score' must be int or float, got bool"),
        (raw_post(created_utc="2024-01-01"), "'created_utc' must be int or float"),
        (raw_post(body=["x"]), "field 'body' must be str, got list"),
        (raw_post(id=""), "field 'id' is empty"),
        (raw_post(id="   "), "field 'id' is empty"),
        (raw_post(kind=""), "field 'kind' must be 'submission' or 'comment'"),
        (raw_post(score=float("nan")), "field 'score' must be a finite number"),
        (raw_post(score=float("inf")), "field 'score' must be a finite number"),
        (raw_post(created_utc=float("-inf")), "'created_utc' must be a finite number"),
        (raw_post(created_utc=10**400), "'created_utc' must be a finite number"),
        (raw_post(score=1e308), "field 'score' must fit in 64 bits"),
        (raw_post(score=2**63), "field 'score' must fit in 64 bits"),
        (raw_post(score=-(2**63) - 1), "field 'score' must fit in 64 bits"),
        (raw_post(created_utc=1e15), "'created_utc' is after now + 86400 s"),
        (raw_post(created_utc=1e20), "'created_utc' is after now + 86400 s"),
        (raw_post(created_utc=253_402_300_800), "is after now"),  # 10000-01-01
        (raw_post(created_utc=NOW + 86_401), "is after now + 86400 s"),
        (raw_post(created_utc=0), "'created_utc' must be after 1970-01-01"),
        (raw_post(created_utc=-1), "must be after 1970-01-01"),
        (raw_post(id="x" * 65), "field 'id' is longer than 64 characters"),
        (raw_post(subreddit="s" * 65), "field 'subreddit' is longer than 64 characters"),
        (raw_post(body="@").replace(b"@", b"a\x01b"), "Invalid control character"),
        (raw_post(body="@").replace(b"@", b"\n"), "Invalid control character"),
        (b"\xef\xbb\xbf" + raw_post(), "Unexpected UTF-8 BOM"),
        (json.dumps(POST).encode("utf-16"), "not UTF-8 text"),
        (raw_post() + b" x", "Extra data"),
        (raw_post(score="@").replace(b'"@"', b"9" * 5000), "Exceeds the limit"),
    ],
)
def test_bad_posts_are_refused_with_a_reason(raw, reason):
    assert reason in refused(raw)


@pytest.mark.parametrize("field", ["id", "kind", "subreddit", "title", "body", "author"])
@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "x\\udc00y", "\\ud83d"])
def test_lone_surrogates_from_escapes_are_refused_not_replaced(field, escape):
    raw = raw_post(**{field: "@"}).replace(b"@", escape.encode())
    assert f"field '{field}' has a lone surrogate" in refused(raw)


def test_lone_surrogates_in_keys_and_nested_values_are_refused_too():
    assert "lone surrogate" in refused(raw_post(**{"@": 1}).replace(b"@", b"\\ud800"))
    nested = raw_post(extra=[{"deep": "@"}]).replace(b"@", b"\\ud800")
    assert "field 'extra' has a lone surrogate" in refused(nested)
    assert "lone surrogate" in refused(
        raw_point(keyword="@").replace(b"@", b"\\ud800"), parse_trend_point
    )


def test_deep_nesting_is_refused_without_a_recursion_error():
    for depth in (33, 999, 10_000, 100_000):
        assert "nested deeper than 32" in refused(
            raw_post(extra="@").replace(b'"@"', b"[" * depth + b"]" * depth)
        )
    assert "nested deeper than 32" in refused(b"[" * 10_000 + b"]" * 10_000)
    # 32 levels, the top-level object included, are fine
    ok = raw_post(extra="@").replace(b'"@"', b"[" * 31 + b"]" * 31)
    assert parse_reddit_post(ok, LIMITS).id == "t3_a"


def test_a_message_over_the_size_limit_is_refused_unparsed():
    limits = RecordLimits(max_message_bytes=1_000, now=NOW)
    at_limit = raw_post(body="b" * (1_000 - len(raw_post())))
    assert len(at_limit) == 1_000 and parse_reddit_post(at_limit, limits)
    assert "message is 1001 bytes, over the limit of 1000" in refused(
        at_limit + b" ", limits=limits
    )
    assert "over the limit" in refused(b"\xff" * 1_001, limits=limits)  # not even decoded


def test_what_is_accepted_at_the_edges():
    # Escaped control characters are text (JSON allows them); they stay escaped on output.
    post = parse_reddit_post(raw_post(body="tab\tNUL\x00 bell\x07"), LIMITS)
    assert post.body == "tab\tNUL\x00 bell\x07"
    # A surrogate pair from escapes is one valid character.
    assert (
        parse_reddit_post(raw_post(body="@").replace(b"@", b"\\ud83d\\ude00"), LIMITS).body == "😀"
    )
    assert parse_reddit_post(raw_post(score=2**63 - 1), LIMITS).score == 2**63 - 1
    assert parse_reddit_post(raw_post(score=-(2**63)), LIMITS).score == -(2**63)
    assert parse_reddit_post(raw_post(score=3.7), LIMITS).score == 3
    assert parse_reddit_post(raw_post(created_utc=NOW + 86_400), LIMITS)
    assert parse_reddit_post(raw_post(created_utc=5e-324), LIMITS)  # after 1970-01-01
    assert parse_reddit_post(raw_post(body="x" * 400_000, unknown={"a": [1]}), LIMITS)
    assert parse_reddit_post(raw_post(id="x" * 64, subreddit=""), LIMITS)
    # Text input (replay, tests) goes through the same checks.
    assert parse_reddit_post(json.dumps(POST), LIMITS).id == "t3_a"


def test_without_a_clock_only_the_calendar_bounds_event_times():
    assert parse_reddit_post(raw_post(created_utc=NOW + 10 * 86_400)).id == "t3_a"
    assert "after the year 9999" in refused(raw_post(created_utc=1e15), limits=RecordLimits())
    assert iso_utc(parse_reddit_post(raw_post(created_utc=253_402_300_799)).created_utc)


def test_the_limits_follow_the_settings(monkeypatch):
    defaults = Settings().pipeline
    assert (defaults.max_message_bytes, defaults.max_future_seconds) == (
        RecordLimits().max_message_bytes,
        RecordLimits().max_future_seconds,
    )
    monkeypatch.setenv("STREAMAPP_MAX_MESSAGE_BYTES", "2048")
    monkeypatch.setenv("STREAMAPP_MAX_FUTURE_SECONDS", "60")
    settings = Settings().pipeline
    assert (settings.max_message_bytes, settings.max_future_seconds) == (2048, 60)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (raw_point(interest=float("nan")), "'interest' must be a finite number"),
        (raw_point(interest=130), "within 0-100"),
        (raw_point(platform="netflx"), "not a canonical platform id"),
        (raw_point(timestamp="2024-01-01T00:00:00"), "has no UTC offset"),
        (raw_point(timestamp="+10000-01-01T00:00:00Z"), "is not ISO-8601"),
        (raw_point(timestamp="9999-12-31T23:59:59-23:59"), "'timestamp' is after now"),
        (raw_point(timestamp=iso_utc(NOW + 2 * 86_400)), "'timestamp' is after now + 86400 s"),
        (raw_point(timestamp="1969-12-31T23:59:59Z"), "'timestamp' must be after 1970-01-01"),
        (raw_point(timestamp="0001-01-01T00:00:00+01:00"), "must be after 1970-01-01"),
        (raw_point(timestamp="x" * 10_000), "is not ISO-8601"),
        (raw_point(keyword=""), "field 'keyword' is empty"),
        (raw_point(keyword="k" * 201), "'keyword' is longer than 200"),
        (raw_point(geo="g" * 17), "'geo' is longer than 16"),
        (raw_point(interest=True), "'interest' must be int or float, got bool"),
    ],
)
def test_bad_trend_points_are_refused_with_a_reason(raw, reason):
    message = refused(raw, parse_trend_point)
    assert reason in message and len(message) < 300  # a huge value is cut in the reason


def test_the_generator_s_bad_messages_are_all_refused_and_its_valid_ones_accepted():
    for topic, parse in (("posts", parse_reddit_post), ("points", parse_trend_point)):
        samples = hostile_mix(11, bad=2_000, valid=200, now=NOW, topic=topic, oversized=2)
        assert len({s.kind for s in samples}) >= 20
        for sample in samples:
            try:
                parse(sample.value, LIMITS)
            except InvalidRecord:
                assert not sample.valid, sample
            else:
                assert sample.valid, sample


# --- dead letters --------------------------------------------------------------------------


def message(value, key=None, offset=0):
    return FakeMessage("reddit-discussions", 1, offset, value, key)


def test_a_dead_letter_carries_the_original_bytes_and_their_size():
    key, letter = dead_letter(message(b"\xff\x00bad", key=b"\x80k"), "why", NOW, 524_288)
    assert key == b"\x80k"
    assert base64.b64decode(letter.original_value_b64) == b"\xff\x00bad"
    assert base64.b64decode(letter.original_key_b64) == b"\x80k"
    assert (letter.original_size, letter.original_sha256, letter.original_key_sha256) == (
        5,
        None,
        None,
    )
    assert (letter.source_topic, letter.partition, letter.offset) == ("reddit-discussions", 1, 0)
    assert letter.failed_at == iso_utc(NOW)


def test_null_values_and_null_keys_make_letters_too():
    key, letter = dead_letter(message(None, key=None), "message has no value", NOW, 524_288)
    assert key is None and letter.original_key_b64 is None and letter.original_value_b64 is None
    assert letter.original_size == 0 and letter.original_sha256 is None
    assert json.loads(letter.dumps())["original_size"] == 0


def test_an_oversized_message_is_recorded_by_size_and_hash():
    value = b"v" * 600_000
    key, letter = dead_letter(message(value, key=b"k"), "too big", NOW, 524_288)
    assert letter.original_value_b64 is None
    assert letter.original_sha256 == hashlib.sha256(value).hexdigest()
    assert letter.original_size == 600_000 and base64.b64decode(letter.original_key_b64) == b"k"
    assert len(letter.dumps()) < 2_000


def test_a_letter_too_large_for_kafka_leaves_the_bytes_out_and_then_the_key():
    # Under the size limit, but its base64 and its key would not fit in one Kafka message.
    value, big_key = b"v" * 500_000, b"k" * 300_000
    key, letter = dead_letter(message(value, key=big_key), "x", NOW, 524_288)
    assert letter.original_sha256 == hashlib.sha256(value).hexdigest() and key == big_key
    assert len(letter.dumps()) + len(key) <= LETTER_BUDGET_BYTES
    huge_key = b"k" * 500_000
    key, letter = dead_letter(message(b"{", key=huge_key), "x", NOW, 524_288)
    assert key is None and letter.original_key_b64 is None
    assert letter.original_key_sha256 == hashlib.sha256(huge_key).hexdigest()


def test_reasons_are_cut_so_a_letter_stays_small():
    _, letter = dead_letter(message(b"x"), "r" * 100_000, NOW, 524_288)
    assert len(letter.reason) < 1_100 and letter.reason.endswith("(100000 chars)")


class RefusingTopic(FakeTopic):
    """Refuses letters over `limit` bytes: on send (like the producer's own check), or on
    delivery (like the broker's message.max.bytes)."""

    def __init__(self, limit: int, on_delivery: bool = False) -> None:
        super().__init__("dead-letters")
        self.limit, self.on_delivery, self.refused = limit, on_delivery, 0

    async def send(self, key=None, value=None, partition=None, value_serializer=None):
        if len(value.dumps()) <= self.limit:
            return await super().send(key, value, partition)
        self.refused += 1
        error = MessageSizeTooLargeError("the message is too large")
        if not self.on_delivery:
            raise ProducerSendError(f"Error while sending: {error!r}") from error
        failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        failed.set_exception(error)
        return failed


@pytest.mark.parametrize("on_delivery", [False, True])
async def test_a_letter_kafka_refuses_for_its_size_is_sent_again_as_size_and_hash(on_delivery):
    topic = RefusingTopic(limit=10_000, on_delivery=on_delivery)
    value = b"\xff" * 20_000
    await (await send_dead_letter(topic, message(value, key=b"k"), "bad", NOW))
    [letter] = topic.values
    assert topic.refused == 1 and letter.original_value_b64 is None
    assert letter.original_sha256 == hashlib.sha256(value).hexdigest()
    assert letter.original_size == 20_000 and base64.b64decode(letter.original_key_b64) == b"k"


def counted(topic: str, reason: str) -> float:
    return (
        REGISTRY.get_sample_value(
            "streamapp_dead_letters_total", {"topic": topic, "reason": reason}
        )
        or 0.0
    )


async def test_every_dead_letter_is_counted_by_reason_class():
    topic = FakeTopic("dead-letters")
    source = "hostile-count-test"
    before = {r: counted(source, r) for r in ("invalid", "too_large", "error")}
    for value, cause in ((b"x", "invalid"), (b"y" * 600_000, "invalid"), (b"z", "error")):
        msg = FakeMessage(source, 0, 0, value)
        await (await send_dead_letter(topic, msg, "r", NOW, cause=cause))
    after = {r: counted(source, r) - before[r] for r in before}
    assert after == {"invalid": 1, "too_large": 1, "error": 1}


# --- the agents: bad and good mixed in one batch ---------------------------------------------


def make_ctx(clock=lambda: NOW):
    topics = fake_topics(["signals", "piracy", "dead_letters", "contributions"])
    return PipelineContext(
        app=None,
        settings=Settings(),
        topics=topics,
        tables=PipelineTables(*(FakeTable() for _ in range(5))),
        clock=clock,
        publish=fake_publish(list(vars(topics).values())),
    )


def events_of(samples, topic):
    return [
        SimpleNamespace(message=FakeMessage(topic, i % 3, i, s.value, s.key))
        for i, s in enumerate(samples)
    ]


def assert_letters_match(letters, samples, events):
    by_offset = {letter.offset: letter for letter in letters}
    bad = {e.message.offset: s for e, s in zip(events, samples, strict=True) if not s.valid}
    assert set(by_offset) == set(bad)  # one letter per bad message, none for a good one
    for offset, sample in bad.items():
        letter = by_offset[offset]
        if letter.original_sha256 is None:
            value = letter.original_value_b64
            assert (base64.b64decode(value) if value is not None else None) == sample.value
        else:
            assert letter.original_sha256 == hashlib.sha256(sample.value).hexdigest()
            assert letter.original_size == len(sample.value)
        key = letter.original_key_b64
        if letter.original_key_sha256 is None:
            assert (base64.b64decode(key) if key is not None else None) == sample.key
        else:
            assert letter.original_key_sha256 == hashlib.sha256(sample.key).hexdigest()


async def test_a_batch_of_bad_and_good_posts_gives_one_signal_per_good_one_letter_per_bad():
    ctx = make_ctx()
    samples = hostile_mix(3, bad=600, valid=60, now=NOW, oversized=2, huge_keys=2)
    events = events_of(samples, "reddit-discussions")
    await classify_batch(ctx, events)
    await asyncio.sleep(0)  # the letters' delivery tasks
    signals = [s.event_id for s in ctx.topics.signals.values]
    assert sorted(signals) == sorted(s.event_id for s in samples if s.valid)
    assert_letters_match(ctx.topics.dead_letters.values, samples, events)
    assert all(
        json.dumps(s.__dict__, ensure_ascii=False).encode() for s in ctx.topics.signals.values
    )
    assert sum(c.mentions for c in ctx.topics.contributions.values) >= 1


async def test_a_batch_of_bad_and_good_trend_points_goes_on_past_the_bad_ones():
    ctx = make_ctx()
    samples = hostile_mix(4, bad=300, valid=40, now=NOW, topic="points")
    events = events_of(samples, "streaming-trends")
    await track_batch(ctx, events)
    assert_letters_match(ctx.topics.dead_letters.values, samples, events)
    platform_points = [s for s in samples if s.valid and json.loads(s.value)["platform"]]
    assert sum(c.interest_count for c in ctx.topics.contributions.values) == len(platform_points)


async def test_an_unexpected_failure_in_any_step_dead_letters_that_post_only(monkeypatch):
    ctx = make_ctx()
    real_classify, real_signal = classify_posts.classify_post, classify_posts.to_signal

    def classify(title, body):
        if "boom-classify" in title:
            raise RuntimeError("classifier bug")
        return real_classify(title, body)

    def to_signal(post, result, salt):
        if post.id == "t3_sig":
            raise ValueError("year is out of range")
        return real_signal(post, result, salt)

    monkeypatch.setattr(classify_posts, "classify_post", classify)
    monkeypatch.setattr(classify_posts, "to_signal", to_signal)
    raws = [
        raw_post(id="t3_one", title="boom-classify"),
        raw_post(id="t3_sig"),
        raw_post(id="t3_ok"),
    ]
    events = [SimpleNamespace(message=FakeMessage("r", 0, i, raw)) for i, raw in enumerate(raws)]
    await classify_batch(ctx, events)
    letters = ctx.topics.dead_letters.values
    assert [x.reason for x in letters] == [
        "classification failed: RuntimeError('classifier bug')",
        "could not make a signal: ValueError('year is out of range')",
    ]
    assert [s.event_id for s in ctx.topics.signals.values] == ["t3_ok"]  # nothing for the others


async def test_a_parser_that_raises_anything_dead_letters_and_goes_on(monkeypatch):
    from streamapp.agents.batches import valid_records

    def parse(raw, limits):
        if raw == b"boom":
            raise RecursionError("deep")
        return raw

    ctx = make_ctx()
    events = [
        SimpleNamespace(message=FakeMessage("r", 0, i, v)) for i, v in enumerate((b"boom", b"ok"))
    ]
    got = [record async for _, record in valid_records(ctx, events, parse)]
    assert got == [b"ok"]
    [letter] = ctx.topics.dead_letters.values
    assert letter.reason == "could not parse: RecursionError('deep')"


async def test_the_context_clock_is_the_now_of_the_future_bound():
    raw = raw_post(created_utc=NOW)
    early = make_ctx(clock=lambda: NOW - 2 * 86_400)
    await classify_batch(early, [SimpleNamespace(message=FakeMessage("r", 0, 0, raw))])
    assert "is after now + 86400 s" in early.topics.dead_letters.values[0].reason
    settings_ctx = make_ctx(clock=lambda: NOW - 2 * 86_400)
    settings_ctx.settings.pipeline.max_future_seconds = 3 * 86_400
    await classify_batch(settings_ctx, [SimpleNamespace(message=FakeMessage("r", 0, 0, raw))])
    assert [s.event_id for s in settings_ctx.topics.signals.values] == ["t3_a"]


async def test_the_real_agent_in_faust_s_test_context_survives_a_hostile_mix(monkeypatch):
    from streamapp.app import create_app

    settings = Settings()
    app = create_app(settings, clock=lambda: NOW)
    app.finalize()
    app.conf.store = "memory://"
    app.flow_control.resume()
    app.pipeline.takeovers = None  # no broker to read the contributions log from
    captured = {}
    for name in ("contributions", "signals", "piracy", "dead_letters"):
        fake = FakeTopic(getattr(app.pipeline.topics, name).get_topic_name())
        monkeypatch.setattr(getattr(app.pipeline.topics, name), "send", fake.send)
        captured[name] = fake
    app.pipeline.publish = fake_publish(list(captured.values()))
    samples = hostile_mix(5, bad=150, valid=20, now=NOW)
    async with app.agents["classify_posts"].test_context() as tested:
        for sample in samples:
            await tested.put(sample.value, key=sample.key, partition=0)
        for _ in range(100):  # the micro-batches flush on their timer
            done = len(captured["signals"].values) + len(captured["dead_letters"].values)
            if done >= len(samples):
                break
            await asyncio.sleep(0.05)
    signals = [s.event_id for s in captured["signals"].values]
    assert sorted(signals) == sorted(s.event_id for s in samples if s.valid)
    letters = captured["dead_letters"].values
    assert len(letters) == len(samples) - len(signals)
    sent = sorted((s.value or b"") for s in samples if not s.valid)
    assert sorted(base64.b64decode(x.original_value_b64 or "") for x in letters) == sent
