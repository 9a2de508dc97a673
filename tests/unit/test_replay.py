"""Replay: reading JSONL strictly, pacing by event time with a fake clock, no broker."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from streamapp import topics
from streamapp.sources.replay import ReplayError, read_jsonl, replay, write_jsonl
from streamapp.sources.simulator import Simulator
from tests.fakes import FakeProducer
from tests.harness.clock import FakeClock

T0 = 1_700_000_000.0


def post(post_id: str, created: float, **extra: Any) -> dict[str, Any]:
    return {
        "id": post_id,
        "kind": "comment",
        "subreddit": "cordcutters",
        "body": "Cancelled Netflix today.",
        "score": 3,
        "created_utc": created,
        **extra,
    }


def trend(keyword: str, timestamp: str, interest: float = 30) -> dict[str, Any]:
    return {
        "keyword": keyword,
        "platform": "netflix",
        "geo": "US",
        "timestamp": timestamp,
        "interest": interest,
    }


def write_lines(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
        encoding="utf-8",
    )
    return path


async def run_replay(
    path: Path, speed: float | None, **kwargs: Any
) -> tuple[int, FakeProducer, FakeClock]:
    fake, clock = FakeProducer(), FakeClock(1000.0)
    sent = await replay(
        "fake:9092",
        path,
        speed=speed,
        clock=clock,
        sleep=clock.sleep,
        producer_factory=lambda bootstrap: fake,
        **kwargs,
    )
    return sent, fake, clock


@pytest.fixture
def paced_file(tmp_path: Path) -> Path:
    # Gaps of 10 s, 0 s, 15 s, then one record older than the rest (sent at once).
    return write_lines(
        tmp_path / "paced.jsonl",
        [
            post("t1_a", T0),
            trend("netflix", "2023-11-14T22:13:30Z"),  # T0 + 10
            {"topic": topics.REDDIT_DISCUSSIONS, "key": "k-b", "value": post("t1_b", T0 + 10)},
            post("t1_c", T0 + 25),
            post("t1_late", T0 + 5),
        ],
    )


# -- reading --------------------------------------------------------------------------------


def test_read_jsonl_detects_topics_keys_and_event_times(paced_file: Path) -> None:
    records = list(read_jsonl(paced_file))
    assert [(r.topic, r.key, r.event_time, r.line_no) for r in records] == [
        (topics.REDDIT_DISCUSSIONS, "t1_a", T0, 1),
        (topics.STREAMING_TRENDS, "netflix", T0 + 10, 2),
        (topics.REDDIT_DISCUSSIONS, "k-b", T0 + 10, 3),
        (topics.REDDIT_DISCUSSIONS, "t1_c", T0 + 25, 4),
        (topics.REDDIT_DISCUSSIONS, "t1_late", T0 + 5, 5),
    ]
    assert records[0].value == post("t1_a", T0)  # the value is kept as it was


def test_blank_lines_are_fine_and_gzip_is_read(tmp_path: Path) -> None:
    plain = write_lines(tmp_path / "a.jsonl", [post("t1_a", T0), "", "   ", post("t1_b", T0 + 1)])
    assert [r.key for r in read_jsonl(plain)] == ["t1_a", "t1_b"]
    packed = tmp_path / "a.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert [r.line_no for r in read_jsonl(packed)] == [1, 4]


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ('{"id": "t1_x", "kind": "comment",', "not valid JSON"),
        ("[1, 2, 3]", "expected a JSON object"),
        ('{"hello": "world"}', "cannot tell the topic"),
        (json.dumps(post("t1_x", T0, kind="post")), "'kind' must be 'submission' or 'comment'"),
        (json.dumps(trend("netflix", "2023-11-14T22:13:30", 30)), "has no UTC offset"),
        (json.dumps(trend("netflix", "2023-11-14T22:13:30Z", 130)), "within 0-100"),
        (json.dumps({"topic": "nope", "value": post("t1_x", T0)}), "topic 'nope' is not one of"),
        (json.dumps({"topic": topics.STREAMING_TRENDS, "value": [1]}), "must be a JSON object"),
    ],
)
def test_a_bad_line_is_an_error_with_its_line_number(
    tmp_path: Path, bad_line: str, reason: str
) -> None:
    path = write_lines(tmp_path / "bad.jsonl", [post("t1_a", T0), "", bad_line, post("t1_b", T0)])
    with pytest.raises(ReplayError) as info:
        list(read_jsonl(path))
    assert info.value.line_no == 3
    assert str(info.value).startswith(f"{path}:3: ")
    assert reason in str(info.value)


def test_skip_invalid_skips_and_counts(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "mixed.jsonl", [post("t1_a", T0), "oops", "{}", post("t1_b", T0)])
    skipped: list[ReplayError] = []
    records = list(read_jsonl(path, skip_invalid=True, on_skip=skipped.append))
    assert [r.key for r in records] == ["t1_a", "t1_b"]
    assert [e.line_no for e in skipped] == [2, 3]


def test_simulator_output_round_trips(tmp_path: Path) -> None:
    events = Simulator(seed=5, start=T0).events_between(T0, T0 + 20)
    path = tmp_path / "sim.jsonl"
    assert write_jsonl(path, events) == len(events)
    records = list(read_jsonl(path))
    assert [(r.topic, r.key, r.value) for r in records] == [
        (e.topic, e.key, e.value) for e in events
    ]
    assert [r.event_time for r in records] == pytest.approx([e.event_time for e in events])


# -- pacing ---------------------------------------------------------------------------------


async def test_speed_one_keeps_the_original_gaps(paced_file: Path) -> None:
    sent, fake, clock = await run_replay(paced_file, speed=1.0)
    assert sent == 5 == len(fake.sent)
    assert clock.sleeps == [10.0, 15.0]  # nothing for the tie, nothing for the late record
    assert fake.calls == ["start", "flush", "stop"]


async def test_speed_ten_compresses_the_gaps(paced_file: Path) -> None:
    _, _, clock = await run_replay(paced_file, speed=10.0)
    assert clock.sleeps == [1.0, 1.5]


async def test_speed_none_never_sleeps(paced_file: Path) -> None:
    sent, _, clock = await run_replay(paced_file, speed=None)
    assert sent == 5 and clock.sleeps == []


async def test_fast_sends_in_event_time_order_so_every_partition_is_in_order(
    paced_file: Path,
) -> None:
    _, fake, _ = await run_replay(paced_file, speed=None)
    keys = [key for _, _, key in fake.sent]
    # the late record goes out in its place; equal times keep the file's order
    assert keys == [b"t1_a", b"t1_late", b"netflix", b"k-b", b"t1_c"]


async def test_paced_replay_keeps_the_file_order(paced_file: Path) -> None:
    _, fake, _ = await run_replay(paced_file, speed=10.0)
    assert [key for _, _, key in fake.sent][-1] == b"t1_late"


async def test_slow_sends_are_not_slept_twice(paced_file: Path) -> None:
    fake, clock = FakeProducer(), FakeClock(1000.0)
    original_send = fake.send

    async def slow_send(topic: str, value: bytes | None = None, key: bytes | None = None) -> Any:
        clock.now += 4  # each send takes 4 s of wall time
        return await original_send(topic, value, key)

    fake.send = slow_send  # type: ignore[method-assign]
    await replay("fake:9092", paced_file, 1.0, clock, clock.sleep, producer_factory=lambda b: fake)
    # Sent at +0 (now +4); due +10: sleep 6, sent (now +14); due +10: late, no sleep, sent
    # (now +18); due +25: sleep 7, not 15: the time spent sending counts.
    assert clock.sleeps == [6.0, 7.0]


async def test_replay_sends_values_and_keys_unchanged(paced_file: Path) -> None:
    _, fake, _ = await run_replay(paced_file, speed=1.0)  # paced: in the file's order
    topic, value, key = fake.sent[2]
    assert (topic, key) == (topics.REDDIT_DISCUSSIONS, b"k-b")
    assert json.loads(value) == post("t1_b", T0 + 10)  # event time not rewritten
    assert json.loads(fake.sent[1][1])["timestamp"] == "2023-11-14T22:13:30Z"


async def test_a_bad_file_fails_before_anything_is_sent(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "bad.jsonl", [post("t1_a", T0), post("t1_b", T0), "{not json"])
    fake = FakeProducer()
    with pytest.raises(ReplayError, match=r":3: not valid JSON"):
        await replay("fake:9092", path, speed=None, producer_factory=lambda b: fake)
    assert fake.sent == [] and fake.calls == []


async def test_skip_invalid_replays_the_good_lines(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "mixed.jsonl", [post("t1_a", T0), "{not json", post("t1_b", T0 + 1)]
    )
    sent, fake, _ = await run_replay(path, speed=None, skip_invalid=True)
    assert sent == 2 and [k for _, _, k in fake.sent] == [b"t1_a", b"t1_b"]


async def test_speed_must_be_positive(paced_file: Path) -> None:
    with pytest.raises(ValueError, match="speed"):
        await run_replay(paced_file, speed=0)
