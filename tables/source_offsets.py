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

MAX_RANGES = 32  # older ranges lie far below the committed offset and are never asked


def source_key(topic: str, partition: int) -> str:
    return f"{topic}:{partition}"


def covers(ranges: list[list[int]] | None, offset: int) -> bool:
    return any(first <= offset <= last for first, last in ranges or ())


def add_offsets(ranges: list[list[int]] | None, offsets: set[int]) -> list[list[int]]:
    """Merge `offsets` into sorted, non-touching [first, last] ranges."""
    points = sorted(offsets)
    merged = sorted([list(r) for r in ranges or ()] + [[o, o] for o in points])
    out: list[list[int]] = []
    for first, last in merged:
        if out and first <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], last)
        else:
            out.append([first, last])
    return out[-MAX_RANGES:]


class SourceOffsetTable(faust.Table):
    def partition_for_key(self, key: Any) -> int:
        return int(str(key).rsplit(":", 1)[1])


def define_source_offsets(app: faust.App, name: str, partitions: int) -> faust.Table:
    table = SourceOffsetTable(
        app,
        name=name,
        default=None,
        key_type=str,
        beacon=app.tables.beacon,
        partitions=partitions,
        help="highest raw offset per partition whose contributions are delivered",
    )
    return app.tables.add(table)
