"""The statements of one load: the typed stage table, the multi-row INSERTs that fill it,
and the MERGE that moves it into the target (idempotent on EVENT_ID)."""

from __future__ import annotations

from streamapp.loaders.identifiers import checked
from streamapp.loaders.schema import TableSpec


def create_stage_sql(spec: TableSpec) -> str:
    # Typed like the target, so a value the warehouse cannot take fails here, row by
    # row, before the transaction (see SnowflakeLoader.stage).
    body = ", ".join(f"{c.name} {c.stage_type}" for c in spec.all_columns)
    return f"CREATE TEMPORARY TABLE IF NOT EXISTS {spec.stage_name} ({body})"


def insert_rows_sql(table: str, spec: TableSpec, rows: int) -> str:
    """A multi-row INSERT with a bound placeholder per value: one statement per chunk."""
    names = ", ".join(c.name for c in spec.all_columns)
    row = "(" + ", ".join(["%s"] * len(spec.all_columns)) + ")"
    return f"INSERT INTO {table} ({names}) VALUES " + ", ".join([row] * rows)


def merge_sql(spec: TableSpec) -> str:
    """MERGE the stage into the target: the newest offset wins within the batch, and a
    row already in the target is updated in place, never duplicated. With `spec.newest`,
    the highest value of that column wins first, in the batch and over the target."""
    source = ", ".join(
        f"PARSE_JSON({c.name}) AS {c.name}" if c.is_json else c.name for c in spec.all_columns
    )
    names = [c.name for c in spec.all_columns]
    updates = ", ".join(f"{n} = s.{n}" for n in names[1:])
    inserts = ", ".join(names)
    values = ", ".join(f"s.{n}" for n in names)
    order, matched = "KAFKA_OFFSET DESC", "WHEN MATCHED"
    if spec.newest is not None:
        newest = checked(spec.newest)
        order = f"{newest} DESC NULLS LAST, {order}"
        matched += f" AND (t.{newest} IS NULL OR t.{newest} <= s.{newest})"
    return (
        f"MERGE INTO {spec.name} t USING (\n"
        f"  SELECT {source} FROM {spec.stage_name}\n"
        f"  QUALIFY ROW_NUMBER() OVER (PARTITION BY EVENT_ID ORDER BY {order}) = 1\n"
        ") s ON t.EVENT_ID = s.EVENT_ID\n"
        f"{matched} THEN UPDATE SET {updates}, LOADED_AT = CURRENT_TIMESTAMP()::TIMESTAMP_NTZ\n"
        f"WHEN NOT MATCHED THEN INSERT ({inserts}, LOADED_AT) "
        f"VALUES ({values}, CURRENT_TIMESTAMP()::TIMESTAMP_NTZ)"
    )
