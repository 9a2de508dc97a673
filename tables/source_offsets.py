"""The highest offset of each raw-topic partition whose contributions were delivered.

After a crash, Faust redelivers everything since the last commit. The signals it sends
again are idempotent (keyed by event id), but window counts are sums: counting an event
twice could fake a surge. So the raw agents skip the contributions of events at or below
this mark. A key `topic:partition` always lives in changelog partition `partition` (a
micro-batch mixes partitions, so Faust's "partition of the current event" would not do).
"""

from __future__ import annotations

from typing import Any

import faust


def source_key(topic: str, partition: int) -> str:
    return f"{topic}:{partition}"


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
