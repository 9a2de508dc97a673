"""The embedded default warehouse: fakesnow's Snowflake-compatible HTTP server over
DuckDB files in `<data dir>/warehouse`, so data survives restarts.

The sink, `streamapp sql` and anything else talk to it through the real Snowflake
connector (host/port/protocol=http), exactly as they would to Snowflake. Where it is
listening is written to `endpoint.json` beside the data, for `streamapp sql --data-dir`.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streamapp.config import WarehouseSettings

log = logging.getLogger(__name__)

ENDPOINT_FILE = "endpoint.json"
# fakesnow accepts any credentials; these only satisfy the connector.
LOCAL_ACCOUNT = "local"
LOCAL_USER = "streamapp"
LOCAL_PASSWORD = "local"


@dataclass(frozen=True)
class LocalEndpoint:
    host: str
    port: int

    def environment(self) -> dict[str, str]:
        """The SNOWFLAKE_* variables that point a process at this warehouse."""
        return {
            "SNOWFLAKE_ACCOUNT": LOCAL_ACCOUNT,
            "SNOWFLAKE_USER": LOCAL_USER,
            "SNOWFLAKE_PASSWORD": LOCAL_PASSWORD,
            "SNOWFLAKE_HOST": self.host,
            "SNOWFLAKE_PORT": str(self.port),
            "SNOWFLAKE_PROTOCOL": "http",
            # A local server answers at once or not at all: fail fast and retry.
            "SNOWFLAKE_NETWORK_TIMEOUT": "10",
        }

    def settings(
        self, database: str, schema: str, network_timeout: float | None = None
    ) -> WarehouseSettings:
        """What `environment()` says, as settings, for `database`.`schema`."""
        from pydantic import SecretStr

        from streamapp.config import WarehouseSettings

        env = self.environment()
        return WarehouseSettings(
            account=env["SNOWFLAKE_ACCOUNT"],
            user=env["SNOWFLAKE_USER"],
            password=SecretStr(LOCAL_PASSWORD),
            host=self.host,
            port=self.port,
            protocol=env["SNOWFLAKE_PROTOCOL"],
            network_timeout=network_timeout or float(env["SNOWFLAKE_NETWORK_TIMEOUT"]),
            database=database,
            schema_=schema,
        )


def warehouse_dir(data_dir: Path) -> Path:
    return data_dir / "warehouse"


def read_endpoint(data_dir: Path) -> LocalEndpoint | None:
    try:
        data = json.loads((warehouse_dir(data_dir) / ENDPOINT_FILE).read_text())
        return LocalEndpoint(str(data["host"]), int(data["port"]))
    except (OSError, ValueError, KeyError):
        return None


def _allow_merge_in_transactions() -> None:
    """fakesnow 0.12.1 runs a MERGE through a temporary table, and records that table's
    (absent) comment in its own metadata database. Inside BEGIN ... COMMIT that second
    write fails (DuckDB lets a transaction write to one database only), so a MERGE could
    not share a transaction with the offset update, as it does on Snowflake. We skip
    recording empty comments; comments that were given are still recorded."""
    import fakesnow.info_schema as info_schema

    record_comment = info_schema.insert_table_comment_sql
    if getattr(record_comment, "streamapp_patched", False):
        return

    def insert_table_comment_sql(catalog: str, schema: str, table: str, comment: object) -> str:
        if comment in (None, "None"):
            return "SELECT 1"
        return record_comment(catalog, schema, table, comment)  # type: ignore[arg-type]

    insert_table_comment_sql.streamapp_patched = True  # type: ignore[attr-defined]
    info_schema.insert_table_comment_sql = insert_table_comment_sql


# A transaction whose client went away (a SIGKILLed sink mid-commit) would hold its
# locks forever: fakesnow has no session expiry. Snowflake aborts such a detached
# transaction once it blocks another one and has been idle for 5 minutes; the local
# warehouse does the same after this many idle seconds.
DETACHED_ABORT_SECONDS = 10.0


class DetachedTransactionReaper:
    """Rolls back the open transaction of a session idle for `idle_after` seconds.

    A middleware records when each session (its token) was last busy; a thread looks
    once a second. Both take one lock, so a session is never rolled back while one of
    its requests runs."""

    def __init__(self, sessions: dict[str, Any], idle_after: float) -> None:
        self.sessions = sessions
        self.idle_after = idle_after
        self.lock = threading.Lock()
        self.last_seen: dict[str, float] = {}
        self.busy: dict[str, int] = {}

    async def middleware(self, request: Any, call_next: Any) -> Any:
        token = (request.headers.get("Authorization") or "")[17:-1]
        with self.lock:
            self.busy[token] = self.busy.get(token, 0) + 1
        try:
            return await call_next(request)
        finally:
            with self.lock:
                self.busy[token] -= 1
                self.last_seen[token] = time.monotonic()

    def reap_once(self) -> int:
        aborted = 0
        now = time.monotonic()
        with self.lock:
            for token, conn in list(self.sessions.items()):
                if self.busy.get(token) or now - self.last_seen.get(token, now) < self.idle_after:
                    continue
                try:
                    conn._duck_conn.rollback()  # raises when no transaction is open
                except Exception:
                    continue
                conn._in_transaction = False
                aborted += 1
                log.warning(
                    "aborted a transaction idle for %.0fs (its client went away)", self.idle_after
                )
        return aborted

    def run_forever(self) -> None:
        while True:
            time.sleep(1.0)
            self.reap_once()


def serve(data_dir: Path, port: int, host: str = "127.0.0.1") -> None:
    """Run the local warehouse in the foreground until SIGINT/SIGTERM."""
    import fakesnow.server
    import uvicorn
    from fakesnow.instance import FakeSnow

    root = warehouse_dir(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    # One DuckDB instance for every session, with the database files under `root`
    # (fakesnow's per-session FAKESNOW_DB_PATH would open the same file twice).
    fakesnow.server.shared_fs = FakeSnow(db_path=root)
    _allow_merge_in_transactions()
    from starlette.middleware.base import BaseHTTPMiddleware

    reaper = DetachedTransactionReaper(fakesnow.server.sessions, DETACHED_ABORT_SECONDS)
    fakesnow.server.app.add_middleware(BaseHTTPMiddleware, dispatch=reaper.middleware)
    threading.Thread(target=reaper.run_forever, name="reaper", daemon=True).start()
    for name in ("uvicorn.access", "fakesnow"):
        logging.getLogger(name).setLevel(logging.WARNING)
    endpoint = root / ENDPOINT_FILE
    endpoint.write_text(json.dumps({"host": host, "port": port, "pid": os.getpid()}))
    try:
        uvicorn.run(fakesnow.server.app, host=host, port=port, log_level="warning")
    finally:
        endpoint.unlink(missing_ok=True)


def start_process(data_dir: Path, port: int, log_path: Path | None = None) -> subprocess.Popen:
    """`streamapp warehouse serve` as a child process; returns once it answers.
    Raises RuntimeError (with the log's path) if it exits or does not answer in time."""
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamapp",
            "warehouse",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    if log_path:
        log.close()  # type: ignore[union-attr]
    deadline = time.monotonic() + 60
    while read_endpoint(data_dir) is None or not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait(10)
            raise RuntimeError(f"the local warehouse did not start (log: {log_path or '-'})")
        time.sleep(0.2)
    return process


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
