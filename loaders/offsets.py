"""The offsets ledger: per target table and partition, the last Kafka offset committed
into the warehouse (`KAFKA_OFFSETS`).

A batch's rows and its offsets move in one transaction, and the offsets move by
compare-and-set (`... WHERE LAST_OFFSET = <what we read>`), so a loader that lost its
partitions to another cannot move an offset back, and a row at or below the stored
offset is known to be loaded already.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Partition = tuple[str, int]  # (topic, partition)

OFFSETS_TABLE = "KAFKA_OFFSETS"
OFFSETS_DDL = f"""CREATE TABLE IF NOT EXISTS {OFFSETS_TABLE} (
    TARGET_TABLE VARCHAR(255) NOT NULL,
    TOPIC VARCHAR(255) NOT NULL,
    PARTITION NUMBER(10,0) NOT NULL,
    LAST_OFFSET NUMBER(20,0) NOT NULL,
    UPDATED_AT TIMESTAMP_NTZ,
    PRIMARY KEY (TARGET_TABLE, TOPIC, PARTITION)
) COMMENT = 'Per partition, the last Kafka offset committed into each target table'"""


class StaleOffsets(RuntimeError):
    """Another loader moved an offset since we read it; stage the batch again."""


def read_offsets(
    run: Callable[..., Any], table: str, partitions: set[Partition]
) -> dict[Partition, int]:
    """The last offset committed into `table` per partition (-1: none yet). Creates the
    missing ledger rows, so the compare-and-set always has a row. `run(sql, params)`
    executes one statement and returns its cursor."""
    stored: dict[Partition, int] = {}
    for topic, partition in sorted(partitions):
        run(
            f"INSERT INTO {OFFSETS_TABLE} (TARGET_TABLE, TOPIC, PARTITION, LAST_OFFSET, "
            "UPDATED_AT) SELECT %s, %s, %s, -1, CURRENT_TIMESTAMP()::TIMESTAMP_NTZ "
            f"WHERE NOT EXISTS (SELECT 1 FROM {OFFSETS_TABLE} WHERE TARGET_TABLE = %s "
            "AND TOPIC = %s AND PARTITION = %s)",
            (table, topic, partition, table, topic, partition),
        )
        cur = run(
            f"SELECT MAX(LAST_OFFSET) FROM {OFFSETS_TABLE} "
            "WHERE TARGET_TABLE = %s AND TOPIC = %s AND PARTITION = %s",
            (table, topic, partition),
        )
        stored[(topic, partition)] = int(cur.fetchone()[0])
    return stored


def move_offsets(
    run: Callable[..., Any],
    table: str,
    expected: dict[Partition, int],
    ends: dict[Partition, int],
) -> None:
    """Move each partition's offset from what was read (`expected`) to `ends`; inside the
    caller's transaction. Raises `StaleOffsets` when another loader moved one meanwhile."""
    for (topic, partition), end in sorted(ends.items()):
        cur = run(
            f"UPDATE {OFFSETS_TABLE} SET LAST_OFFSET = %s, "
            "UPDATED_AT = CURRENT_TIMESTAMP()::TIMESTAMP_NTZ "
            "WHERE TARGET_TABLE = %s AND TOPIC = %s AND PARTITION = %s "
            "AND LAST_OFFSET = %s AND LAST_OFFSET < %s",
            (end, table, topic, partition, expected[(topic, partition)], end),
        )
        if not cur.rowcount:
            raise StaleOffsets(
                f"{table}: {topic}[{partition}] moved past "
                f"{expected[(topic, partition)]} while this batch was staged"
            )
