"""CLASSIFIER_VERSION was VARCHAR(32), shorter than the shipped version string (33) and a
user model's (~41): `streamapp warehouse init` (and the sink, through the same
init_schema) widens a table made by an older release, once, and keeps its rows."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from streamapp.loaders.ddl import create_table_sql, widen_columns_sql
from streamapp.loaders.schema import POSTS
from tests.harness.warehouse import env_of, query, schema_settings

pytestmark = pytest.mark.integration

USER_VERSION = "intent-lr-2+user-labels-2026-12-05-a1b2c3"  # 41 characters like a user's


def declared(settings: Any) -> int:
    rows = query(
        settings,
        "SELECT CHARACTER_MAXIMUM_LENGTH FROM INFORMATION_SCHEMA.COLUMNS "
        "WHERE TABLE_NAME = 'POSTS' AND COLUMN_NAME = 'CLASSIFIER_VERSION' "
        "AND TABLE_SCHEMA = ?",
        (settings.schema_,),
    )
    return int(rows[0][0])


def init(settings: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "streamapp", "warehouse", "init"],
        env={**os.environ, **env_of(settings)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_init_widens_an_old_classifier_version_column(local_warehouse: Any) -> None:
    assert len(USER_VERSION) == 41
    settings = schema_settings(local_warehouse)
    old_ddl = create_table_sql(POSTS).replace(
        "CLASSIFIER_VERSION VARCHAR(128)", "CLASSIFIER_VERSION VARCHAR(32)"
    )
    assert old_ddl != create_table_sql(POSTS)
    query(settings, f"CREATE SCHEMA IF NOT EXISTS {settings.database}.{settings.schema_}")
    query(settings, old_ddl)
    query(settings, "INSERT INTO POSTS (EVENT_ID, CLASSIFIER_VERSION) VALUES ('t3_old', 'v1')")
    assert declared(settings) == 32

    init(settings)
    assert declared(settings) == 128
    query(
        settings,
        "INSERT INTO POSTS (EVENT_ID, CLASSIFIER_VERSION) VALUES ('t3_new', ?)",
        (USER_VERSION,),
    )
    rows = query(settings, "SELECT EVENT_ID, CLASSIFIER_VERSION FROM POSTS ORDER BY EVENT_ID")
    assert rows == [("t3_new", USER_VERSION), ("t3_old", "v1")]

    init(settings)  # idempotent: nothing left to widen, nothing lost
    assert declared(settings) == 128
    assert len(query(settings, "SELECT * FROM POSTS")) == 2


def test_only_shorter_varchar_columns_are_widened() -> None:
    lengths = {c.name: 16 for c in POSTS.all_columns}
    lengths |= {"CLASSIFIER_VERSION": 32, "EVENT_ID": 64, "TEXT": None, "SENTIMENT": None}
    alters = widen_columns_sql(POSTS, lengths)
    assert "ALTER TABLE POSTS ALTER COLUMN CLASSIFIER_VERSION SET DATA TYPE VARCHAR(128)" in alters
    assert not any("EVENT_ID" in a or " TEXT " in a or "SENTIMENT" in a for a in alters)
    assert widen_columns_sql(POSTS, {"CLASSIFIER_VERSION": 500}) == []  # never narrower


def test_init_adds_the_revision_column_to_old_platform_windows(local_warehouse: Any) -> None:
    """A PLATFORM_WINDOWS made before REVISION existed gets the column, its rows keep
    their values (REVISION NULL), and a window loaded again replaces its old row."""
    from streamapp.loaders import SnowflakeLoader, open_connection, to_row
    from streamapp.loaders.schema import PLATFORM_WINDOWS
    from tests.integration.test_warehouse_loader import closed_window

    settings = schema_settings(local_warehouse)
    old_ddl = create_table_sql(PLATFORM_WINDOWS).replace(",\n    REVISION NUMBER(10,0)", "")
    assert old_ddl != create_table_sql(PLATFORM_WINDOWS)
    query(settings, f"CREATE SCHEMA IF NOT EXISTS {settings.database}.{settings.schema_}")
    query(settings, old_ddl)
    query(
        settings,
        "INSERT INTO PLATFORM_WINDOWS (EVENT_ID, MENTIONS) VALUES ('max|1', 2), ('hulu|1', 3)",
    )

    init(settings)
    found = query(settings, "SELECT EVENT_ID, MENTIONS, REVISION FROM PLATFORM_WINDOWS ORDER BY 1")
    assert [(w, int(m), r) for w, m, r in found] == [("hulu|1", 3, None), ("max|1", 2, None)]
    loader = SnowflakeLoader(lambda: open_connection(settings), bulk=False)
    try:
        row = to_row(PLATFORM_WINDOWS, closed_window("max|1", 1, 5), "w", 0, 0)
        loader.commit(loader.stage(PLATFORM_WINDOWS, [row]))
    finally:
        loader.close()
    found = query(settings, "SELECT EVENT_ID, MENTIONS, REVISION FROM PLATFORM_WINDOWS ORDER BY 1")
    assert [(w, int(m), r) for w, m, r in found] == [("hulu|1", 3, None), ("max|1", 5, 1)]
    init(settings)  # idempotent
    assert len(query(settings, "SELECT * FROM PLATFORM_WINDOWS")) == 2
