"""The bulk path into a stage table: one compressed CSV file per batch, `PUT` into a
temporary stage and `COPY INTO` the stage table.

Two statements and one upload per batch, whatever its size, where the multi-row INSERT
path sends a statement (and the warehouse parses it) per `ROWS_PER_INSERT` rows. What
follows the stage (de-duplicate, MERGE, compare-and-set of the offsets, one transaction)
is the same for both paths: see loaders/snowflake_loader.py.

The file's format is chosen so that Snowflake and the local warehouse read it alike:
every string enclosed in double quotes (an empty string stays one), NULL as an unquoted
`\\N`, numbers bare. A batch this format cannot carry exactly (a value that is neither
text nor a number, a string that reads as the NULL marker) goes through INSERTs instead:
`Unsuitable`.
"""

from __future__ import annotations

import gzip
import logging
import math
import os
import tempfile
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from streamapp.loaders.rows import SourceRow
from streamapp.loaders.schema import TableSpec

log = logging.getLogger(__name__)

NULL = "\\N"
# In SQL the backslash of the NULL marker is escaped: '\\N' is the two characters \N.
FILE_FORMAT = (
    "TYPE = CSV COMPRESSION = GZIP FIELD_OPTIONALLY_ENCLOSED_BY = '\"' "
    "EMPTY_FIELD_AS_NULL = FALSE NULL_IF = ('\\\\N')"
)
# Fast compression: the sink is CPU-bound long before the upload is.
GZIP_LEVEL = 1


class Unsuitable(ValueError):
    """This batch cannot be written to the file exactly; stage it with INSERTs."""


def _field(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, str):
        if value == NULL:
            raise Unsuitable("a string that reads as the NULL marker")
        return '"' + value.replace('"', '""') + '"'
    if isinstance(value, bool):  # before int: bool is an int
        raise Unsuitable("a boolean value")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    raise Unsuitable(f"a value of type {type(value).__name__}")


def csv_bytes(rows: Sequence[SourceRow]) -> bytes:
    """The rows as the gzipped CSV described above."""
    text = "".join(",".join(_field(v) for v in row.values) + "\n" for row in rows)
    return gzip.compress(text.encode("utf-8"), compresslevel=GZIP_LEVEL)


def stage_location(spec: TableSpec) -> str:
    """The session's temporary stage for a table's batch files."""
    return f"{spec.name}_LOAD"


def create_location_sql(spec: TableSpec) -> str:
    return f"CREATE TEMPORARY STAGE IF NOT EXISTS {stage_location(spec)}"


def copy_sql(spec: TableSpec, folder: str) -> str:
    # PURGE: the file is removed once loaded; a file left by a failed attempt sits in
    # its own folder, which no later COPY reads.
    return (
        f"COPY INTO {spec.stage_name} FROM @{stage_location(spec)}/{folder}/ "
        f"FILE_FORMAT = ({FILE_FORMAT}) ON_ERROR = ABORT_STATEMENT PURGE = TRUE"
    )


def bulk_stage(run: Callable[[str], Any], spec: TableSpec, rows: Sequence[SourceRow]) -> int:
    """Upload `rows` as one file and COPY it into the (empty) stage table; returns the
    rows COPY says it loaded. `run(sql)` executes one statement and returns its cursor."""
    data = csv_bytes(rows)  # raises Unsuitable before anything is sent
    folder = uuid.uuid4().hex
    with tempfile.TemporaryDirectory(prefix="streamapp-load-") as tmp:
        path = os.path.join(tmp, "batch.csv.gz")
        with open(path, "wb") as fh:
            fh.write(data)
        run(
            f"PUT 'file://{path}' @{stage_location(spec)}/{folder}/ "
            "AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = GZIP OVERWRITE = TRUE"
        )
    result = run(copy_sql(spec, folder)).fetchall()
    # One row per file: (file, status, rows_parsed, rows_loaded, ...).
    return sum(int(r[3]) for r in result if len(r) > 3 and str(r[3]).isdigit())


class BulkPath:
    """Whether a loader stages by the bulk path, and the session's stages. `enabled`
    None: try it on the first batch and keep it if it works (logged either way)."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = enabled
        self._locations: set[str] = set()

    def new_session(self) -> None:
        self._locations.clear()  # temporary stages end with their session

    def stage(
        self, run: Callable[[str], Any], spec: TableSpec, rows: Sequence[SourceRow]
    ) -> str | None:
        """None once `rows` are in the stage table; else why not ("" when only this batch
        does not suit the file), and the stage table is left empty for INSERTs."""
        if not rows:
            return None
        if self.enabled is False:
            return ""
        import snowflake.connector.errors as errors

        try:
            if spec.name not in self._locations:
                run(create_location_sql(spec))
                self._locations.add(spec.name)
            loaded = bulk_stage(run, spec, rows)
            if loaded == len(rows):
                if self.enabled is None:
                    log.info("%s: loading through the bulk path (PUT + COPY INTO)", spec.name)
                    self.enabled = True
                return None
            why = f"COPY loaded {loaded} of {len(rows)} rows"
        except Unsuitable as exc:
            log.info("%s: this batch goes through INSERTs: %s", spec.name, exc)
            return ""
        except errors.ProgrammingError as exc:  # refused; an outage raises on up
            why = str(exc)
        run(f"TRUNCATE TABLE {spec.stage_name}")
        return why

    def inserted(self, spec: TableSpec, why: str, *, found_refused_rows: bool) -> None:
        """After a batch the bulk path refused went through INSERTs: if they found no
        refused row, the data was good and this warehouse cannot take the bulk path."""
        if why and not found_refused_rows:
            log.warning(
                "%s: the bulk path is unavailable here (%s); loading with multi-row INSERTs",
                spec.name,
                why,
            )
            self.enabled = False
