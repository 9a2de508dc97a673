"""Which offsets of each raw-topic partition have had their contributions delivered.

After a crash or a rebalance Kafka redelivers everything since the last commit. The
signals sent again are idempotent (keyed by event id), but window counts are sums:
counting an event twice could fake a surge. So the raw agents skip the contributions of
offsets recorded here. Offsets are kept as merged [first, last] ranges, not a single
high mark, because right after a rebalance records can arrive out of order (230 before
227): a high mark would wrongly skip the earlier ones.

A key `topic:partition` always lives in changelog partition `partition` (a micro-batch
mixes partitions, so Faust's "partition of the current event" would not do).
"""

from __future__ import annotations

from typing import Any

import faust

from streamapp.analytics.offset_ranges import Ranges


def source_key(topic: str, partition: int) -> str:
    return f"{topic}:{partition}"


def marks_value(ranges: Ranges, at: float) -> dict[str, Any]:
    """What the table stores per key: the delivered ranges and when they were written
    (a replacement worker looks for contributions sent after `at`, see agents/batches)."""
    return {"ranges": ranges, "at": at}


def read_marks(value: Any) -> tuple[Ranges, float | None]:
    """(ranges, written at); also reads the plain list of ranges stored before `at`."""
    if isinstance(value, dict):
        return value.get("ranges") or [], value.get("at")
    return value or [], None


class SourceOffsetTable(faust.Table):
    """A table whose keys end in `:<partition>`: written from micro-batches, where Faust's
    "partition of the current event" is not known (the region table uses it too)."""

    def partition_for_key(self, key: Any) -> int:
        return int(str(key).rsplit(":", 1)[1])


def define_partition_keyed(
    app: faust.App, name: str, partitions: int, help_text: str
) -> faust.Table:
    table = SourceOffsetTable(
        app,
        name=name,
        default=None,
        key_type=str,
        beacon=app.tables.beacon,
        partitions=partitions,
        help=help_text,
    )
    return app.tables.add(table)


def define_source_offsets(app: faust.App, name: str, partitions: int) -> faust.Table:
    return define_partition_keyed(
        app, name, partitions, "highest raw offset per partition whose contributions are delivered"
    )
