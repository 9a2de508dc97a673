"""The viewers' table: per-account-per-platform features and each partition's model.

Keys: `<account hash>|<platform>` -> the state of analytics/viewers/features.py, and
`__model__|<partition>` -> that partition's churn-model checkpoint. Every write is routed
to the changelog partition of the raw `viewing-events` partition the account lives on
(a micro-batch mixes partitions, so Faust's "partition of the current event" would not
do), and a partition's checkpoint and its accounts share that changelog partition, in
write order: the checkpoint of a batch is written before its states (engine.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import faust

MODEL_PREFIX = "__model__|"


def model_key(partition: int) -> str:
    return f"{MODEL_PREFIX}{partition}"


class ViewerStateTable(faust.Table):
    _route: int | None = None

    def partition_for_key(self, key: Any) -> int | None:
        if self._route is not None:
            return self._route
        return super().partition_for_key(key)

    def write(self, key: str, value: Any, partition: int) -> None:
        self._route = partition
        try:
            self[key] = value
        finally:
            self._route = None

    def remove(self, key: str, partition: int) -> None:
        self._route = partition
        try:
            del self[key]
        finally:
            self._route = None

    def accounts_of(self, partition: int) -> Iterator[tuple[str, dict[str, Any]]]:
        """The account states this worker holds for one raw partition."""
        for key, value in list(self.items()):
            if not key.startswith(MODEL_PREFIX) and value and value.get("p") == partition:
                yield key, value


def define_viewer_state(app: faust.App, partitions: int) -> ViewerStateTable:
    table = ViewerStateTable(
        app,
        name="viewer-state",
        default=None,
        key_type=str,
        beacon=app.tables.beacon,
        partitions=partitions,
        help="per-account features and the churn model per partition",
    )
    return app.tables.add(table)
