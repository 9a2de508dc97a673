"""`streamapp replay FILE`: send a recorded JSONL file to the raw topics.

Each line is one JSON object: an envelope `{"topic": ..., "key": ..., "value": {...}}`
or a bare raw record (`kind` + `id` -> reddit-discussions, `keyword` + `interest` ->
streaming-trends). Every value is checked with the same strict parser the worker uses;
by default the whole file is checked before the first send, so a bad line stops the
replay before anything went out, with its line number.

Event times are never rewritten: the pipeline works in event time, so a replay gives
the windows and alerts the data would have given live. `speed` only sets the pace.

What a consumer sees: with `--fast` the records go out in event-time order (file order
among equal times; the file is read into memory for that), so every partition's records
are in event-time order however the file was written, and the worker's windows, late
events (none) and alerts are the same on every run, however fast it reads. A paced replay
keeps the file's order: a record older than one before it is sent at once, as a late
live record would arrive (and may be counted late, like one).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from streamapp import topics
from streamapp.records.raw import InvalidRecord, parse_reddit_post, parse_trend_point
from streamapp.records.viewing import parse_viewing_event
from streamapp.runtime.unreachable import start_client
from streamapp.sources.producer import ProducerFactory, deliver, encode_value, kafka_producer
from streamapp.sources.sim_events import SimEvent

log = logging.getLogger(__name__)

DELIVERY_BATCH = 500  # wait for delivery at least this often when sending flat out


class ReplayError(ValueError):
    """A line of a replay file that cannot be sent; the message names file and line."""

    def __init__(self, path: str, line_no: int, reason: str) -> None:
        super().__init__(f"{path}:{line_no}: {reason}")
        self.path, self.line_no, self.reason = path, line_no, reason


@dataclass(frozen=True)
class ReplayRecord:
    topic: str
    key: str
    value: dict[str, Any]
    event_time: float  # from the value: created_utc or timestamp
    line_no: int


def _open(path: str | os.PathLike[str]) -> IO[str]:
    if str(path).endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")  # noqa: SIM115 - closed by the caller's `with`


def _detect_topic(obj: dict[str, Any]) -> str | None:
    if "kind" in obj and "id" in obj:
        return topics.REDDIT_DISCUSSIONS
    if "keyword" in obj and "interest" in obj:
        return topics.STREAMING_TRENDS
    if "account" in obj and "type" in obj and "ts" in obj:
        return topics.VIEWING_EVENTS
    return None


def _record(obj: Any, line_no: int) -> ReplayRecord:
    """One parsed JSON line -> a checked record; raises InvalidRecord with the reason."""
    if not isinstance(obj, dict):
        raise InvalidRecord(f"expected a JSON object, got {type(obj).__name__}")
    if "topic" in obj and "value" in obj:
        topic, value, key = obj["topic"], obj["value"], obj.get("key")
        if topic not in topics.REPLAY_TOPICS:
            raise InvalidRecord(f"topic {topic!r} is not one of {', '.join(topics.REPLAY_TOPICS)}")
        if not isinstance(value, dict):
            raise InvalidRecord("envelope 'value' must be a JSON object")
        if key is not None and not isinstance(key, str):
            raise InvalidRecord("envelope 'key' must be a string")
    else:
        topic, value, key = _detect_topic(obj), obj, None
        if topic is None:
            raise InvalidRecord(
                'cannot tell the topic: expected {"topic", "key", "value"}, a Reddit post '
                '(with "kind" and "id"), a trend point (with "keyword" and "interest") or a'
                ' viewing event (with "account", "type" and "ts")'
            )
    raw = json.dumps(value)
    if topic == topics.REDDIT_DISCUSSIONS:
        post = parse_reddit_post(raw)
        return ReplayRecord(topic, key or post.id, value, post.created_utc, line_no)
    if topic == topics.VIEWING_EVENTS:
        viewing = parse_viewing_event(raw)
        return ReplayRecord(topic, key or viewing.account, value, viewing.epoch, line_no)
    point = parse_trend_point(raw)
    return ReplayRecord(topic, key or point.keyword, value, point.epoch, line_no)


def read_jsonl(
    path: str | os.PathLike[str],
    *,
    skip_invalid: bool = False,
    on_skip: Callable[[ReplayError], None] | None = None,
) -> Iterator[ReplayRecord]:
    """Records of a JSONL file (`.gz` too), in file order. Blank lines are ignored.

    A bad line raises `ReplayError` naming the line; with `skip_invalid=True` it is
    skipped instead and reported to `on_skip`.
    """
    name = str(path)
    with _open(path) as lines:
        for line_no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InvalidRecord(f"not valid JSON: {exc.msg} (column {exc.colno})") from exc
                record = _record(obj, line_no)
            except InvalidRecord as exc:
                error = ReplayError(name, line_no, str(exc))
                if not skip_invalid:
                    raise error from exc
                if on_skip is not None:
                    on_skip(error)
                continue
            yield record


def _check_file(path: str | os.PathLike[str]) -> None:
    for _ in read_jsonl(path):
        pass


def write_jsonl(path: str | os.PathLike[str], events: Iterable[SimEvent]) -> int:
    """Save simulator events as envelope lines that `read_jsonl` reads back."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for event in events:
            line = {"topic": event.topic, "key": event.key, "value": event.value}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
    return count


async def replay(
    bootstrap: str,
    path: str | os.PathLike[str],
    speed: float | None = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    *,
    skip_invalid: bool = False,
    check_first: bool = True,
    producer_factory: ProducerFactory = kafka_producer,
    topic_prefix: str = "",
) -> int:
    """Send a JSONL file's records to their topics; returns how many were sent.

    `speed=1.0` keeps the gaps between the records' own event times, `speed=10` makes
    them ten times shorter, `speed=None` sends as fast as the broker takes them, in
    event-time order (stable). When paced, a record older than one before it is sent at
    once (the file's order is kept).
    `check_first` reads the file once before sending (strict mode only).
    """
    if speed is not None and speed <= 0:
        raise ValueError(f"speed must be positive (or None for as fast as possible), got {speed}")
    skipped: list[ReplayError] = []

    def note_skip(error: ReplayError) -> None:
        skipped.append(error)
        if len(skipped) <= 10:
            log.warning("replay: skipping %s", error)

    if check_first and not skip_invalid:
        await asyncio.to_thread(_check_file, path)
    producer = producer_factory(bootstrap)
    await start_client(producer, bootstrap)  # or KafkaUnreachable, within CONNECT_TIMEOUT_S
    sent = 0
    pending: list[Awaitable[Any]] = []
    try:
        wall0 = clock()
        first: float | None = None
        horizon = 0.0
        records: Iterable[ReplayRecord] = read_jsonl(
            path, skip_invalid=skip_invalid, on_skip=note_skip
        )
        if speed is None:  # flat out: in event-time order, so each partition's order is too
            records = sorted(records, key=lambda r: r.event_time)
        for record in records:
            if speed is not None:
                if first is None:
                    first = horizon = record.event_time
                horizon = max(horizon, record.event_time)
                delay = wall0 + (horizon - first) / speed - clock()
                if delay > 0:
                    await deliver(pending)  # what is due goes out before we wait
                    await sleep(delay)
            key = record.key.encode("utf-8")
            value = encode_value(record.value)
            pending.append(await producer.send(topic_prefix + record.topic, value, key))
            sent += 1
            if len(pending) >= DELIVERY_BATCH:
                await deliver(pending)
        await deliver(pending)
        await producer.flush()
    finally:
        await producer.stop()
    log.info("replay: sent %d records from %s, skipped %d invalid lines", sent, path, len(skipped))
    return sent
