"""Warehouse loaders: plain rows in, exactly-once micro-batches out (no Faust here).

The public face the sink agent uses: `BatchSink` (the seam; `SnowflakeLoader` is the
real one, tests have an in-memory fake), `to_row`, the table specs and the errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from loaders.connection import WarehouseConfigError, connect_kwargs, open_connection
from loaders.ddl import SchemaGate
from loaders.identifiers import InvalidIdentifier, checked
from loaders.offsets import StaleOffsets
from loaders.rows import RowError, SourceRow, to_row
from loaders.schema import TABLES, TABLES_BY_NAME, TableSpec
from loaders.snowflake_loader import SnowflakeLoader, StagedBatch, WarehouseUnavailable


class BatchSink(Protocol):
    """Where micro-batches go. Blocking calls: run them off the event loop."""

    def stage(self, spec: TableSpec, rows: Sequence[SourceRow]) -> StagedBatch: ...

    def commit(self, staged: StagedBatch) -> int: ...

    def close(self) -> None: ...


__all__ = [
    "TABLES",
    "TABLES_BY_NAME",
    "BatchSink",
    "InvalidIdentifier",
    "RowError",
    "SchemaGate",
    "SnowflakeLoader",
    "SourceRow",
    "StagedBatch",
    "StaleOffsets",
    "TableSpec",
    "WarehouseConfigError",
    "WarehouseUnavailable",
    "checked",
    "connect_kwargs",
    "open_connection",
    "to_row",
]
