"""Bringing a warehouse's schema up to the specs: CREATE TABLE, and the ALTERs that add
the columns an older release lacks and widen the VARCHARs it made too short.

Run once per process by the first loader that connects (`SchemaGate`), and by
`streamapp warehouse init`; every statement is idempotent, so running it again on an
up-to-date warehouse changes nothing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from streamapp.loaders.identifiers import checked
from streamapp.loaders.offsets import OFFSETS_DDL, OFFSETS_TABLE
from streamapp.loaders.schema import TABLES, Column, TableSpec
from streamapp.loaders.views import VIEWS, create_view_sql

# `run(sql, params)` executes one statement (values bound, never formatted in) and
# returns its cursor.
Run = Callable[..., Any]


class SchemaGate:
    """Lets one of several loaders (one per table, in threads) create the schema, once:
    concurrent CREATE OR REPLACE VIEWs of the same views conflict."""

    def __init__(self, done: bool = False) -> None:
        self.lock = threading.Lock()
        self.done = done


def create_schema(run: Run, database: str | None = None, schema: str | None = None) -> list[str]:
    """Create (idempotently) the tables, the columns they lack, and the views; returns
    what was made sure of, in order."""
    done: list[str] = []
    if database and schema:
        run(f"CREATE DATABASE IF NOT EXISTS {checked(database)}")
        run(f"CREATE SCHEMA IF NOT EXISTS {checked(database)}.{checked(schema)}")
        run(f"USE SCHEMA {checked(database)}.{checked(schema)}")
    run(OFFSETS_DDL)
    done.append(OFFSETS_TABLE)
    for spec in TABLES:
        run(create_table_sql(spec))
        for alter in add_columns_sql(spec, _columns(run, spec.name)):
            run(alter)
        for alter in widen_columns_sql(spec, _lengths(run, spec.name)):
            run(alter)
        done.append(spec.name)
    for name, body in VIEWS.items():
        run(create_view_sql(checked(name), body))
        done.append(name)
    return done


def _columns(run: Run, table: str) -> set[str]:
    cur = run(
        "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_NAME = %s AND TABLE_SCHEMA = CURRENT_SCHEMA()",
        (table,),
    )
    return {str(row[0]).upper() for row in cur.fetchall()}


def _lengths(run: Run, table: str) -> dict[str, int | None]:
    cur = run(
        "SELECT COLUMN_NAME, CHARACTER_MAXIMUM_LENGTH FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_NAME = %s AND TABLE_SCHEMA = CURRENT_SCHEMA()",
        (table,),
    )
    return {
        str(name).upper(): None if length is None else int(length)
        for name, length in cur.fetchall()
    }


def create_table_sql(spec: TableSpec) -> str:
    assert "'" not in spec.comment, "table comments are SQL literals: no quotes"
    columns = [f"{c.name} {c.sql_type}" for c in spec.all_columns]
    columns[0] += " NOT NULL"
    columns.append("LOADED_AT TIMESTAMP_NTZ")
    columns.append("PRIMARY KEY (EVENT_ID)")
    body = ",\n    ".join(columns)
    return f"CREATE TABLE IF NOT EXISTS {spec.name} (\n    {body}\n) COMMENT = '{spec.comment}'"


def add_columns_sql(spec: TableSpec, existing: set[str]) -> list[str]:
    """ALTERs for the columns a table made by an older release lacks."""
    wanted = [*spec.all_columns, Column("LOADED_AT", "TIMESTAMP_NTZ", "")]
    return [
        f"ALTER TABLE {spec.name} ADD COLUMN IF NOT EXISTS {c.name} {c.sql_type}"
        for c in wanted
        if c.name not in existing
    ]


def varchar_length(sql_type: str) -> int | None:
    """n of `VARCHAR(n)`; None for any other type (a bare VARCHAR is Snowflake's maximum)."""
    match = re.fullmatch(r"VARCHAR\((\d+)\)", sql_type.strip().upper())
    return int(match.group(1)) if match else None


def widen_columns_sql(spec: TableSpec, lengths: dict[str, int | None]) -> list[str]:
    """ALTERs for the VARCHAR columns an older release made shorter than the spec says
    (`lengths`: the table's declared character lengths). Only ever wider: Snowflake
    refuses to shorten, and a shorter column would refuse rows loaded before."""
    alters = []
    for c in spec.all_columns:
        wanted = varchar_length(c.sql_type)
        have = lengths.get(c.name)
        if wanted is not None and have is not None and have < wanted:
            alters.append(
                f"ALTER TABLE {spec.name} ALTER COLUMN {c.name} SET DATA TYPE {c.sql_type}"
            )
    return alters
