"""Read back, from `platform-contributions` itself, what was delivered for some input lanes.

A worker that takes over a raw partition skips the offsets its predecessor marked as
delivered (streamapp/delivery/source_offsets.py). A predecessor killed outright can die after a
batch's contributions reached Kafka but before its mark did; those contributions carry
their own offsets, so reading the topic's recent tail tells the new owner exactly which
(offset, platform) pairs are already counted.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from aiokafka import TopicPartition

from streamapp.analytics.offset_ranges import Ranges, merge_ranges
from streamapp.kafka.security import client_options
from streamapp.kafka.topic_reads import group_less_reader, read_to_end

log = logging.getLogger(__name__)
Coverage = dict[str, dict[str, Ranges]]  # lane -> platform -> offset ranges


def fold_coverage(coverage: Coverage, value: Any, lanes: set[str]) -> None:
    """Add one contribution record's offsets for `lanes` into `coverage`."""
    if not isinstance(value, dict) or not isinstance(value.get("offsets"), dict):
        return  # a tick, or a contribution older than the offsets field
    platform = value.get("platform")
    for lane, ranges in value["offsets"].items():
        if lane in lanes and isinstance(platform, str):
            per_platform = coverage.setdefault(lane, {})
            per_platform[platform] = merge_ranges(per_platform.get(platform), ranges, limit=None)


class ContributionLog:
    def __init__(
        self,
        bootstrap: str,
        topic: str,
        partitions: int,
        security: dict[str, Any] | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.partitions = partitions  # the worker creates the topic with this many
        self.security = security if security is not None else client_options()

    async def read(self, lanes: set[str], since: float) -> Coverage:
        """Coverage for `lanes` from every contribution written since `since` (epoch s)."""
        started = time.monotonic()
        coverage: Coverage = {}
        records = 0

        def fold(record: Any) -> None:
            nonlocal records
            records += 1
            fold_coverage(coverage, _json(record.value), lanes)

        tps = [TopicPartition(self.topic, p) for p in range(self.partitions)]
        async with group_less_reader(self.bootstrap, self.security) as consumer:
            found = await consumer.offsets_for_times({tp: int(since * 1000) for tp in tps})
            starts = {tp: at.offset for tp, at in found.items() if at is not None}
            await read_to_end(consumer, starts, fold)
        log.info(
            "took over %s: read %d contributions since %.0f s ago in %.2f s",
            ", ".join(sorted(lanes)),
            records,
            max(0.0, time.time() - since),
            time.monotonic() - started,
        )
        return coverage


def _json(raw: bytes | None) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
