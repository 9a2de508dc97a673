"""The local warehouse (`streamapp warehouse serve`, fakesnow over DuckDB) as a child
process, settings for a schema no one else uses, and queries against it."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streamapp.config import WarehouseSettings
from streamapp.loaders import SnowflakeLoader, open_connection
from streamapp.loaders.local_warehouse import LocalEndpoint, start_process
from tests.harness.process import HarnessError


def schema_settings(
    endpoint: LocalEndpoint, schema: str | None = None, network_timeout: float | None = None
) -> WarehouseSettings:
    """The local warehouse, in `schema` (default: one no other test uses). The timeout
    is the local warehouse's own (it answers at once or not at all) unless given."""
    # The database is given, so that a SNOWFLAKE_DATABASE of the environment does not
    # move the tests.
    database = WarehouseSettings.model_fields["database"].default
    schema = schema or f"T_{uuid.uuid4().hex[:10].upper()}"
    return endpoint.settings(database, schema, network_timeout)


def env_of(settings: WarehouseSettings) -> dict[str, str]:
    """The SNOWFLAKE_* environment that points a process at `settings`."""
    endpoint = LocalEndpoint(str(settings.host), int(settings.port or 0))
    return {
        **endpoint.environment(),
        "SNOWFLAKE_NETWORK_TIMEOUT": f"{settings.network_timeout:g}",
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
            raise HarnessError(str(exc)) from exc
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
