"""Warehouse loaders: plain rows in, exactly-once micro-batches out (no Faust here).

The public face the sink agent uses: `BatchSink` (the seam; `SnowflakeLoader` is the
real one, tests have an in-memory fake), `to_row`, the table specs and the errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from streamapp.loaders.connection import WarehouseConfigError, connect_kwargs, open_connection
from streamapp.loaders.ddl import SchemaGate
from streamapp.loaders.identifiers import InvalidIdentifier, checked
from streamapp.loaders.offsets import StaleOffsets
from streamapp.loaders.rows import RowError, SourceRow, to_row
from streamapp.loaders.schema import TABLES, TABLES_BY_NAME, TableSpec
from streamapp.loaders.snowflake_loader import SnowflakeLoader, StagedBatch, WarehouseUnavailable


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
