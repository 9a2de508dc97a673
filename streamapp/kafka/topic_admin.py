"""Create or verify topics before anything subscribes to them.

A consumer that subscribes to a topic the broker's metadata does not serve yet is given
no partitions of it ("Ignoring missing topic"), and Faust never asks again: the worker
looks ready and ignores its input for good. So the worker, the sink, `streamapp up` and
`streamapp topics` make every topic exist first, with the partitions, replication and
compaction it needs, and wait until the broker serves each partition.

Where creating is not allowed (managed clusters with ACLs or a create policy), what is
missing is reported by name and the caller exits non-zero instead of guessing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36
UNKNOWN_TOPIC_OR_PARTITION = 3
WAIT_SECONDS = 30.0  # for leaders, and for the broker to serve what was just created


@dataclass(frozen=True)
class TopicSpec:
    """One topic as a process needs it."""

    name: str
    partitions: int
    replication: int = 1
    config: Mapping[str, str] = field(default_factory=dict)
    # A table's changelog must have exactly its source's partition count (Faust refuses
    # to start otherwise); for other topics a different count only spreads work less.
    exact_partitions: bool = False


@dataclass(frozen=True)
class TopicReport:
    name: str
    status: str  # "ok", "created", "mismatch" (works, but not as configured), "missing"
    detail: str = ""
    partitions: int = 0  # as the cluster serves it (0: missing)

    @property
    def fatal(self) -> bool:
        return self.status == "missing" or (self.status == "mismatch" and "exactly" in self.detail)

    def line(self) -> str:
        return f"{self.status:<8} {self.name}" + (f"  ({self.detail})" if self.detail else "")


class TopicsNotReady(RuntimeError):
    """Topics a process needs are missing (creation not allowed) or unusable."""

    def __init__(self, reports: list[TopicReport]) -> None:
        self.reports = reports
        bad = [r.name for r in reports if r.fatal]
        listed = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        super().__init__(f"{len(bad)} topic(s) missing or unusable: {listed}")


async def _describe(admin: Any, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The topics of `names` that exist and are served. Asks for ALL topics: a metadata
    request that names a topic makes a broker with auto-create on create it, with the
    broker's defaults (not compacted, its default partition count)."""
    wanted = set(names)
    return {
        t["topic"]: t
        for t in await admin.describe_topics()
        if t["topic"] in wanted and t.get("error_code", 0) == 0 and t.get("partitions")
    }


def _verify(spec: TopicSpec, described: dict[str, Any], configs: dict[str, str]) -> TopicReport:
    partitions = described["partitions"]
    problems = []
    if len(partitions) != spec.partitions:
        need = "exactly " if spec.exact_partitions else ""
        problems.append(f"{len(partitions)} partitions, needs {need}{spec.partitions}")
    replicas = min(len(p.get("replicas", ())) for p in partitions)
    if replicas < spec.replication:
        problems.append(f"replication {replicas}, configured {spec.replication}")
    for key, wanted in spec.config.items():
        if key == "cleanup.policy" and key in configs and wanted not in configs[key]:
            problems.append(f"{key}={configs[key]}, needs {wanted}")
    return TopicReport(spec.name, "mismatch" if problems else "ok", "; ".join(problems))


async def _configs(admin: Any, names: list[str]) -> dict[str, dict[str, str]]:
    """cleanup.policy and friends per topic; empty where the broker will not say."""
    if not names:
        return {}
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    try:
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
        )
    except Exception as exc:  # a managed cluster may refuse DescribeConfigs
        log.info("could not read topic configs (%s); compaction not verified", exc)
        return {}
    found: dict[str, dict[str, str]] = {}
    for response in responses:
        for error_code, _msg, _type, name, entries in response.resources:
            if error_code == 0:
                found[name] = {entry[0]: entry[1] for entry in entries}
    return found


async def _create(admin: Any, specs: list[TopicSpec]) -> dict[str, str]:
    """Create `specs`; returns name -> why it could not be created (absent = fine)."""
    from aiokafka.admin import NewTopic
    from aiokafka.errors import for_code

    response = await admin.create_topics(
        [NewTopic(s.name, s.partitions, s.replication, topic_configs=dict(s.config)) for s in specs]
    )
    refused: dict[str, str] = {}
    for name, code, *rest in response.topic_errors:
        if code not in (0, TOPIC_ALREADY_EXISTS):
            message = rest[0] if rest and isinstance(rest[0], str) else ""
            refused[name] = f"not created: {for_code(code).__name__} {message}".strip()
    return refused


async def _wait_for_leaders(admin: Any, names: list[str]) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        described = await _describe(admin, names)
        waiting = [
            n
            for n in names
            if n not in described or any(p["leader"] < 0 for p in described[n]["partitions"])
        ]
        if not waiting:
            return described
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics without leaders after {WAIT_SECONDS:.0f} s: {waiting}")
        await asyncio.sleep(0.1)


async def _wait_until_served(
    bootstrap: str, counts: dict[str, int], options: Mapping[str, Any]
) -> None:
    """Metadata names a leader a moment before that broker serves the partition (it
    answers NOT_LEADER_OR_FOLLOWER meanwhile): ask every partition's end offset, which
    aiokafka retries quietly until the leaders answer."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.structs import TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **options)
    await consumer.start()
    try:
        partitions = [TopicPartition(n, p) for n, count in counts.items() for p in range(count)]
        await asyncio.wait_for(consumer.end_offsets(partitions), WAIT_SECONDS)
    finally:
        await consumer.stop()


async def partition_counts(
    bootstrap: str, names: Iterable[str], options: Mapping[str, Any] | None = None
) -> dict[str, int]:
    """How many partitions each of `names` has, for those that exist. Asked of the cluster
    each time: a consumer's own metadata knows only topics it has subscribed to or
    fetched from (aiokafka's `topics()` does not refresh what `partitions_for_topic`
    answers)."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **dict(options or {}))
    await admin.start()
    try:
        described = await _describe(admin, names)
    finally:
        await admin.close()
    return {name: len(topic["partitions"]) for name, topic in described.items()}


async def ensure_topics(
    bootstrap: str,
    specs: Iterable[TopicSpec],
    *,
    create: bool = True,
    options: Mapping[str, Any] | None = None,
) -> list[TopicReport]:
    """Make every spec exist (if `create`) and check it; returns one report per topic,
    once the broker serves every partition. Raises TopicsNotReady if any is missing or
    unusable, and aiokafka's connection errors if the cluster cannot be reached."""
    from aiokafka.admin import AIOKafkaAdminClient

    wanted = {s.name: s for s in specs}  # the last spec of a name wins
    if not wanted:
        return []
    options = dict(options or {})
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000, **options)
    await admin.start()
    try:
        names = list(wanted)
        described = await _describe(admin, names)
        absent = [wanted[n] for n in names if n not in described]
        refused = await _create(admin, absent) if create and absent else {}
        created = [s.name for s in absent if create and s.name not in refused]
        if created:
            described.update(await _wait_for_leaders(admin, created))
        configs = await _configs(admin, [n for n in names if n in described])
    finally:
        await admin.close()
    reports = []
    for name, spec in wanted.items():
        if name not in described:
            reason = refused.get(name, "does not exist" + ("" if create else "; not created"))
            reports.append(TopicReport(name, "missing", reason))
        else:
            report = _verify(spec, described[name], configs.get(name, {}))
            if name in created and report.status == "ok":
                report = TopicReport(name, "created")
            reports.append(replace(report, partitions=len(described[name]["partitions"])))
    for report in reports:
        if report.status == "mismatch":
            log.warning("topic %s: %s", report.name, report.detail)
    if any(r.fatal for r in reports):
        raise TopicsNotReady(reports)
    counts = {n: len(described[n]["partitions"]) for n in wanted}
    await _wait_until_served(bootstrap, counts, options)
    return reports


async def retry_until_reachable(
    attempt: Callable[[], Awaitable[Any]],
    servers: str,
    setting: str = "KAFKA_BOOTSTRAP_SERVERS",
    *,
    first_wait: float = 1.0,
    max_wait: float = 30.0,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> Any:
    """For long-running services: run `attempt` until Kafka answers, logging one line per
    failed attempt and backing off (doubling, capped). Other errors propagate."""
    from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError

    wait = first_wait
    tries = 0
    while True:
        tries += 1
        try:
            return await attempt()
        except (TimeoutError, KafkaConnectionError, KafkaTimeoutError, OSError) as exc:
            log.warning(
                "cannot reach Kafka at %s (%s), attempt %d: %s; retrying in %.0f s",
                servers,
                setting,
                tries,
                exc or type(exc).__name__,
                wait,
            )
            await sleep(wait)
            wait = min(wait * 2, max_wait)
