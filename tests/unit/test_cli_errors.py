"""Settings that cannot work stop a command with one clear line, no traceback, no secret."""

from __future__ import annotations

import pytest

from streamapp.cli import main


def test_a_setting_of_the_wrong_type_names_itself(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("STREAMAPP_PARTITIONS", "many")
    assert main(["worker"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("streamapp worker: invalid settings:") and "partitions" in err


def test_unsafe_kafka_security_is_refused_without_echoing_the_password(  # type: ignore[no-untyped-def]
    monkeypatch, capsys
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "loader")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "hunter2-secret")
    assert main(["worker"]) == 2
    err = capsys.readouterr().err
    assert "KAFKA_ALLOW_SASL_PLAINTEXT" in err and "hunter2-secret" not in err


def test_sql_without_any_warehouse_says_how_to_get_one(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SNOWFLAKE_ACCOUNT", raising=False)
    with pytest.raises(SystemExit, match="no warehouse"):
        main(["sql", "SELECT 1", "--data-dir", str(tmp_path)])
