"""Exactly-once micro-batches into Snowflake (or the local emulator: same code path).

A batch is loaded in two steps, so the caller can dead-letter rejected rows *before*
the warehouse moves its offsets past them:

1. `stage(spec, rows)`: read the stored offsets and drop rows already loaded; put the
   rest into a typed temporary stage table, by the bulk path (one gzipped file, PUT +
   COPY: loaders/bulk_stage.py) where the warehouse has it, else by multi-row INSERTs
   (chosen on the first batch and logged). A batch the bulk path refuses goes through
   INSERTs: a chunk the warehouse refuses for its data is split until the refused rows
   are found; they come back as `rejected`.
2. `commit(staged)`: in one transaction, MERGE the stage into the target on EVENT_ID
   (the newest offset wins within the batch) and move each partition's row in
   KAFKA_OFFSETS with a compare-and-set (`... WHERE LAST_OFFSET = <what we read>`),
   so a worker that lost its partitions cannot move an offset back (loaders/offsets.py).
   If the set fails, the transaction is rolled back and `StaleOffsets` says so: stage
   again.

Values are always bound (qmark style: the server binds them), never formatted into
SQL; the identifiers that are part of SQL come from `loaders.schema` and the checked
settings.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from streamapp.loaders.bulk_stage import BulkPath
from streamapp.loaders.ddl import SchemaGate, create_schema
from streamapp.loaders.load_sql import create_stage_sql, insert_rows_sql, merge_sql
from streamapp.loaders.offsets import Partition, move_offsets, read_offsets
from streamapp.loaders.rows import SourceRow
from streamapp.loaders.schema import TableSpec

log = logging.getLogger(__name__)

# Rows per INSERT statement into the stage: a few thousand bound values per statement,
# far fewer round trips than one per row, and well inside Snowflake's statement limits.
ROWS_PER_INSERT = 200


class WarehouseUnavailable(RuntimeError):
    """The warehouse could not be reached or failed; try again later (nothing is lost)."""


@dataclass
class StagedBatch:
    spec: TableSpec
    rows: list[SourceRow]
    rejected: list[tuple[SourceRow, str]]
    skipped: int  # rows at or below the stored offset: loaded before
    expected: dict[Partition, int]  # stored offset per partition, as read
    ends: dict[Partition, int] = field(default_factory=dict)  # newest offset per partition


def is_data_error(exc: Exception) -> bool:
    """A statement refused for the data in it (SQLSTATE class 22 or 23), as opposed to a
    warehouse or network failure."""
    state = getattr(exc, "sqlstate", None) or ""
    return state.startswith(("22", "23"))


def _qmark(sql: str) -> str:
    return sql.replace("%s", "?")


class SnowflakeLoader:
    """Implements `loaders.BatchSink`. Blocking: call it from a thread, not the loop."""

    def __init__(
        self,
        connect: Callable[[], Any],
        init_schema: bool = True,
        schema_gate: SchemaGate | None = None,
        bulk: bool | None = None,
    ) -> None:
        self._connect = connect
        self._conn: Any = None
        self._staged_tables: set[str] = set()
        # bulk None: try the bulk path and keep it if it works; False: INSERTs only.
        self.bulk = BulkPath(bulk)
        # Create missing tables/columns on the first connection (idempotent), so a sink
        # started before `streamapp warehouse init` still has somewhere to load.
        self._schema = schema_gate or SchemaGate(done=not init_schema)

    # -- connection ----------------------------------------------------------------

    def _cursor(self) -> Any:
        if self._conn is None:
            try:
                self._conn = self._connect()
            except Exception as exc:
                raise WarehouseUnavailable(f"cannot connect to the warehouse: {exc}") from exc
            self._staged_tables.clear()
            self.bulk.new_session()
            with self._schema.lock:
                if not self._schema.done:
                    self.init_schema()
                    self._schema.done = True
        return self._conn.cursor()

    def _run(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        cur = self._cursor()
        try:
            cur.execute(_qmark(sql), params)
        except Exception as exc:
            self._on_error(exc)
            raise
        return cur

    def _on_error(self, exc: Exception) -> None:
        if is_data_error(exc):
            return
        import snowflake.connector.errors as errors

        if isinstance(exc, errors.ProgrammingError):
            return  # an SQL error: the connection itself is fine
        # Network, server or session failure: start over with a new connection.
        self.close()
        raise WarehouseUnavailable(f"warehouse call failed: {exc}") from exc

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # already broken; nothing more to release
                log.debug("closing a broken warehouse connection failed", exc_info=True)

    # -- schema --------------------------------------------------------------------

    def init_schema(self, database: str | None = None, schema: str | None = None) -> list[str]:
        """Create (idempotently) the tables, the columns they lack, and the views."""
        return create_schema(self._run, database, schema)

    # -- offsets -------------------------------------------------------------------

    def stored_offsets(self, spec: TableSpec, partitions: set[Partition]) -> dict[Partition, int]:
        """The last offset committed into `spec`'s table per partition (-1: none yet)."""
        return read_offsets(self._run, spec.name, partitions)

    # -- the two steps -------------------------------------------------------------

    def stage(self, spec: TableSpec, rows: Sequence[SourceRow]) -> StagedBatch:
        ends: dict[Partition, int] = {}
        for row in rows:
            key = (row.topic, row.partition)
            ends[key] = max(ends.get(key, -1), row.offset)
        expected = self.stored_offsets(spec, set(ends))
        fresh = [r for r in rows if r.offset > expected[(r.topic, r.partition)]]
        if spec.name not in self._staged_tables:
            self._run(create_stage_sql(spec))
            self._staged_tables.add(spec.name)
        self._run(f"TRUNCATE TABLE {spec.stage_name}")
        rejected: list[tuple[SourceRow, str]] = []
        bulk_refused = self.bulk.stage(self._run, spec, fresh)
        if bulk_refused is not None:
            for start in range(0, len(fresh), ROWS_PER_INSERT):
                self._insert_bisecting(spec, fresh[start : start + ROWS_PER_INSERT], rejected)
            self.bulk.inserted(spec, bulk_refused, found_refused_rows=bool(rejected))
        refused = {id(row) for row, _ in rejected}
        return StagedBatch(
            spec=spec,
            rows=[r for r in fresh if id(r) not in refused],
            rejected=rejected,
            skipped=len(rows) - len(fresh),
            expected=expected,
            ends={k: v for k, v in ends.items() if v > expected[k]},
        )

    def _insert_bisecting(
        self, spec: TableSpec, rows: list[SourceRow], rejected: list[tuple[SourceRow, str]]
    ) -> None:
        if not rows:
            return
        sql = insert_rows_sql(spec.stage_name, spec, len(rows))
        cur = self._cursor()
        try:
            cur.execute(_qmark(sql), [value for row in rows for value in row.values])
        except Exception as exc:
            self._on_error(exc)
            if not is_data_error(exc):
                raise
            if len(rows) == 1:
                rejected.append((rows[0], f"the warehouse refused the row: {exc}"))
                return
            # A chunk that half-landed before failing is harmless: the MERGE keeps one
            # row per event id, so a row staged twice is loaded once.
            middle = len(rows) // 2
            self._insert_bisecting(spec, rows[:middle], rejected)
            self._insert_bisecting(spec, rows[middle:], rejected)

    def upsert(self, spec: TableSpec, rows: Sequence[SourceRow]) -> int:
        """Rows that come from no Kafka offset (`streamapp forecast --warehouse`): staged
        and MERGEd by EVENT_ID in one transaction, so writing them again replaces them."""
        if spec.name not in self._staged_tables:
            self._run(create_stage_sql(spec))
            self._staged_tables.add(spec.name)
        self._run(f"TRUNCATE TABLE {spec.stage_name}")
        for start in range(0, len(rows), ROWS_PER_INSERT):
            chunk = rows[start : start + ROWS_PER_INSERT]
            sql = insert_rows_sql(spec.stage_name, spec, len(chunk))
            self._run(sql, [value for row in chunk for value in row.values])
        self._run("BEGIN TRANSACTION")
        try:
            self._run(merge_sql(spec))
            self._run("COMMIT")
        except BaseException:
            if self._conn is not None:
                with contextlib.suppress(Exception):  # the server rolls back a lost session
                    self._run("ROLLBACK")
            raise
        return len({row.event_id for row in rows})

    def commit(self, staged: StagedBatch) -> int:
        """MERGE and move the offsets in one transaction; returns the rows merged."""
        if not staged.ends:
            return 0
        spec = staged.spec
        self._run("BEGIN TRANSACTION")
        try:
            if staged.rows:
                self._run(merge_sql(spec))
            move_offsets(self._run, spec.name, staged.expected, staged.ends)
            self._run("COMMIT")
        except BaseException:
            if self._conn is not None:
                try:
                    self._run("ROLLBACK")
                except Exception:  # the connection is gone; the server rolls back
                    log.debug("rollback failed", exc_info=True)
            raise
        return len({row.event_id for row in staged.rows})
