"""A table written from micro-batches that mix partitions.

Faust sends a table write to the changelog partition of the event being processed. A
micro-batch mixes partitions, and a handler that writes once at the end of its batch has
no "current event" that fits every key, so each write here names its changelog
partition.
"""

from __future__ import annotations

from typing import Any

import faust


class RoutedTable(faust.Table):
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
