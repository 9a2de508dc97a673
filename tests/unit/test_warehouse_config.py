"""Rows, identifiers, SQL shapes and connection settings of the warehouse loader."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from streamapp.config import WarehouseSettings
from streamapp.loaders import InvalidIdentifier, RowError, WarehouseConfigError, checked, to_row
from streamapp.loaders.connection import connect_kwargs
from streamapp.loaders.ddl import add_columns_sql
from streamapp.loaders.load_sql import merge_sql
from streamapp.loaders.schema import (
    ALERTS,
    PLATFORM_WINDOWS,
    POSTS,
    TABLES,
    TRENDS,
)


def test_rows_normalise_timestamps_and_carry_json_and_lineage() -> None:
    row = to_row(
        POSTS,
        {"event_id": "t3_x", "event_time": "2025-11-21T10:00:00+02:00", "platforms": ["max"]},
        "signals",
        2,
        41,
    )
    values = dict(zip([c.name for c in POSTS.all_columns], row.values, strict=True))
    assert values["CREATED_AT"] == "2025-11-21 08:00:00.000000"  # UTC, no zone: NTZ
    assert json.loads(values["PLATFORMS"]) == ["max"]
    assert values["INTENTS"] is None
    assert (values["KAFKA_TOPIC"], values["KAFKA_PARTITION"], values["KAFKA_OFFSET"]) == (
        "signals",
        2,
        41,
    )
    # Something that is no timestamp is left for the warehouse to refuse (with its reason).
    odd = to_row(POSTS, {"event_id": "t3_y", "event_time": "soon"}, "s", 0, 0)
    assert "soon" in odd.values


def test_derived_event_ids_make_reloads_idempotent() -> None:
    point = {"keyword": "hbo max", "geo": "US", "timestamp": 1_763_700_000}
    assert to_row(TRENDS, point, "t", 0, 0).event_id == "hbo max|US|2025-11-21 04:40:00.000000"
    alert = {"alert_id": "abc", "status": "resolved"}
    assert to_row(ALERTS, alert, "a", 0, 0).event_id == "abc:resolved"


def test_a_record_without_its_key_or_not_an_object_is_a_row_error() -> None:
    with pytest.raises(RowError, match="no 'event_id'"):
        to_row(POSTS, {"kind": "comment"}, "s", 0, 0)
    with pytest.raises(RowError, match="expected a JSON object"):
        to_row(POSTS, ["t3_x"], "s", 0, 0)


@pytest.mark.parametrize("bad", ["", "1abc", "a b", "x;DROP TABLE POSTS", 'quo"ted', "a" * 256])
def test_identifiers_outside_the_allow_list_are_refused(bad: str) -> None:
    with pytest.raises(InvalidIdentifier):
        checked(bad)
    with pytest.raises(InvalidIdentifier):
        connect_kwargs(
            WarehouseSettings(account="a", user="u", password=SecretStr("p"), database=bad)
        )


def test_generated_sql_binds_values_and_names_every_column() -> None:
    for spec in TABLES:
        sql = merge_sql(spec)
        assert "%s" not in sql and "?" not in sql  # no values inside: they go to the stage
        for column in spec.all_columns:
            assert f"s.{column.name}" in sql


def test_window_rows_carry_their_revision_and_older_records_are_first_closes() -> None:
    names = [c.name for c in PLATFORM_WINDOWS.all_columns]

    def revision(record: dict) -> object:
        row = to_row(PLATFORM_WINDOWS, {"window_id": "max|60.000", **record}, "w", 0, 7)
        assert row.event_id == "max|60.000"
        return dict(zip(names, row.values, strict=True))["REVISION"]

    assert revision({"revision": 3}) == 3
    assert revision({"revision": 0}) == 0
    assert revision({}) == 0  # sent before windows had revisions


def test_the_highest_revision_wins_in_a_batch_and_over_the_table() -> None:
    sql = merge_sql(PLATFORM_WINDOWS)
    assert "ORDER BY REVISION DESC NULLS LAST, KAFKA_OFFSET DESC" in sql
    # an older revision never replaces a newer one; a row from before the column did
    assert "WHEN MATCHED AND (t.REVISION IS NULL OR t.REVISION <= s.REVISION) THEN" in sql
    assert "REVISION" not in merge_sql(POSTS)  # elsewhere the newest offset wins
    # a table made before the column existed gets it (its rows: NULL)
    existing = {c.name for c in PLATFORM_WINDOWS.all_columns if c.name != "REVISION"}
    assert add_columns_sql(PLATFORM_WINDOWS, existing | {"LOADED_AT"}) == [
        "ALTER TABLE PLATFORM_WINDOWS ADD COLUMN IF NOT EXISTS REVISION NUMBER(10,0)"
    ]


def _pem(passphrase: bytes | None) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def test_key_pair_from_a_file_with_a_passphrase(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rsa_key.p8"
    path.write_bytes(_pem(b"s3cret-phrase"))
    settings = WarehouseSettings(
        account="xy12345.eu-west-1",
        user="LOADER",
        private_key_path=path,
        private_key_passphrase=SecretStr("s3cret-phrase"),
        password=SecretStr("ignored-when-a-key-is-given"),
        role="LOADER_ROLE",
        warehouse="LOAD_WH",
    )
    kwargs = connect_kwargs(settings)
    assert isinstance(kwargs["private_key"], bytes) and "password" not in kwargs
    assert kwargs["paramstyle"] == "qmark"
    assert (kwargs["role"], kwargs["warehouse"]) == ("LOADER_ROLE", "LOAD_WH")
    assert "host" not in kwargs  # the connector derives <account>.snowflakecomputing.com


def test_key_pair_from_the_environment_and_errors_that_keep_secrets() -> None:
    pem = _pem(None).decode()
    kwargs = connect_kwargs(WarehouseSettings(account="a", user="u", private_key=SecretStr(pem)))
    assert isinstance(kwargs["private_key"], bytes)

    wrong = WarehouseSettings(
        account="a",
        user="u",
        private_key=SecretStr(_pem(b"right").decode()),
        private_key_passphrase=SecretStr("wrong-passphrase"),
    )
    with pytest.raises(WarehouseConfigError) as caught:
        connect_kwargs(wrong)
    assert "SNOWFLAKE_PRIVATE_KEY" in str(caught.value)
    assert "wrong-passphrase" not in str(caught.value) and "PRIVATE KEY-----" not in str(
        caught.value
    )
    settings_repr = repr(wrong)
    assert "wrong-passphrase" not in settings_repr and "BEGIN" not in settings_repr


def test_missing_settings_say_what_to_set() -> None:
    with pytest.raises(WarehouseConfigError, match="SNOWFLAKE_ACCOUNT"):
        connect_kwargs(WarehouseSettings())
    with pytest.raises(WarehouseConfigError, match="SNOWFLAKE_PASSWORD"):
        connect_kwargs(WarehouseSettings(account="a", user="u"))
