"""Helpers for the warehouse tests: settings for one test's own schema, and queries."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from streamapp.config import WarehouseSettings
from streamapp.loaders import SnowflakeLoader, open_connection
from streamapp.loaders.local_warehouse import LOCAL_PASSWORD, LocalEndpoint, start_process


def schema_settings(endpoint: LocalEndpoint, schema: str | None = None) -> WarehouseSettings:
    """The local warehouse, in a schema no other test uses."""
    return WarehouseSettings(
        account="local",
        user="streamapp",
        password=SecretStr(LOCAL_PASSWORD),
        host=endpoint.host,
        port=endpoint.port,
        protocol="http",
        network_timeout=10,
        database="STREAMAPP",
        schema_=schema or f"T_{uuid.uuid4().hex[:10].upper()}",
    )


def env_of(settings: WarehouseSettings) -> dict[str, str]:
    """The SNOWFLAKE_* environment that points a process at `settings`."""
    return {
        "SNOWFLAKE_ACCOUNT": str(settings.account),
        "SNOWFLAKE_USER": str(settings.user),
        "SNOWFLAKE_PASSWORD": LOCAL_PASSWORD,
        "SNOWFLAKE_HOST": str(settings.host),
        "SNOWFLAKE_PORT": str(settings.port),
        "SNOWFLAKE_PROTOCOL": "http",
        "SNOWFLAKE_NETWORK_TIMEOUT": "10",
        "SNOWFLAKE_DATABASE": settings.database,
        "SNOWFLAKE_SCHEMA": settings.schema_,
    }


def loader_for(settings: WarehouseSettings, bulk: bool | None = None) -> SnowflakeLoader:
    """bulk None: the sink's own choice (the bulk path where it works); False: INSERTs."""
    return SnowflakeLoader(lambda: open_connection(settings), bulk=bulk)


def query(settings: WarehouseSettings, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    conn = open_connection(settings)
    try:
        cur = conn.cursor()
        cur.execute(sql, params)
        return cur.fetchall()
    finally:
        conn.close()


@dataclass
class WarehouseServer:
    """`streamapp warehouse serve` in a child process; stop and start it to make the
    warehouse unreachable for a while (its data stays in `data_dir`)."""

    data_dir: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> LocalEndpoint:
        return LocalEndpoint("127.0.0.1", self.port)

    def start(self) -> WarehouseServer:
        try:
            self.process = start_process(self.data_dir, self.port, self.data_dir / "serve.log")
        except RuntimeError as exc:
            pytest.fail(str(exc))
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None
