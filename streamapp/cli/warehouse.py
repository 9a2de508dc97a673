"""`streamapp warehouse init|serve`, `streamapp sql` and `streamapp sink`."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from streamapp.config import (
    DEFAULT_DATA_DIR,
    DEFAULT_WAREHOUSE_PORT,
    Settings,
    WarehouseSettings,
)
from streamapp.runtime.unreachable import CONNECT_TIMEOUT_S, Unreachable, call_within, held_logs


def warehouse_settings(data_dir: str | None) -> WarehouseSettings:
    """Snowflake from SNOWFLAKE_*; else (or with an explicit --data-dir) the local
    warehouse that `up` or `warehouse serve` runs in that data directory."""
    from streamapp.loaders.local_warehouse import read_endpoint

    configured = WarehouseSettings()
    if configured.configured and data_dir is None:
        return configured
    folder = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
    endpoint = read_endpoint(folder)
    if endpoint is None:
        if configured.configured:
            return configured
        raise SystemExit(
            "streamapp: no warehouse: set SNOWFLAKE_ACCOUNT/SNOWFLAKE_USER and a key or "
            f"password, or start the local one (`streamapp up` or `streamapp warehouse serve "
            f"--data-dir {folder}`); none is running in {folder}"
        )
    return endpoint.settings(configured.database, configured.schema_)


def _fail(exc: Exception) -> int:
    print(f"streamapp: {exc}", file=sys.stderr)
    return 1


def cmd_init(args: argparse.Namespace) -> int:
    from streamapp.loaders import SnowflakeLoader, WarehouseConfigError, open_connection

    settings = warehouse_settings(args.data_dir)
    loader = SnowflakeLoader(lambda: open_connection(settings), init_schema=False)
    try:
        done = loader.init_schema(settings.database, settings.schema_)
    except (WarehouseConfigError, RuntimeError) as exc:
        return _fail(exc)
    finally:
        loader.close()
    print(f"warehouse: {settings.database}.{settings.schema_} has {', '.join(done)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from streamapp.loaders.local_warehouse import serve

    print(
        f"warehouse: local Snowflake emulator on 127.0.0.1:{args.port}, data in "
        f"{Path(args.data_dir) / 'warehouse'}; Ctrl-C stops it",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        serve(Path(args.data_dir), args.port)
    return 0


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def print_table(columns: list[str], rows: list[tuple[Any, ...]], out: Any) -> None:
    cells = [["" if v is None else str(_plain(v)) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)), file=out)
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", file=out)


def _unreachable(settings: WarehouseSettings, data_dir: str | None, reason: str) -> Unreachable:
    """Where `sql` tried to connect, and which setting (or local endpoint) said so."""
    if settings.host:
        default_port = 443 if settings.protocol == "https" else 80
        address = f"{settings.host}:{settings.port or default_port}"
    else:
        address = f"{settings.account}.snowflakecomputing.com:443"
    if settings != WarehouseSettings():  # not the SNOWFLAKE_* ones: the local warehouse
        folder = data_dir or DEFAULT_DATA_DIR
        named_by = f"the local warehouse of {folder}"
        check = f"check that `streamapp up` or `streamapp warehouse serve --data-dir {folder}` runs"
    else:
        named_by = "SNOWFLAKE_HOST/SNOWFLAKE_PORT" if settings.host else "SNOWFLAKE_ACCOUNT"
        check = (
            "check that the warehouse is up, reachable from here and at the address in {setting}"
        )
    return Unreachable("the warehouse", address, named_by, reason, check)


def cmd_sql(args: argparse.Namespace) -> int:
    import snowflake.connector.errors as errors

    from streamapp.loaders import WarehouseConfigError, open_connection

    settings = warehouse_settings(args.data_dir)
    try:
        # The connector waits up to 60 s per attempt on a silent address: bound it here.
        with held_logs("snowflake.connector"):
            conn = call_within(
                lambda: open_connection(settings), CONNECT_TIMEOUT_S, on_late=lambda c: c.close()
            )
    except TimeoutError as exc:
        raise _unreachable(settings, args.data_dir, str(exc)) from None
    except errors.OperationalError as exc:  # no answer, refused, TLS: not a rejected login
        raise _unreachable(settings, args.data_dir, exc.msg or str(exc)) from None
    except (WarehouseConfigError, errors.Error) as exc:
        return _fail(exc)
    try:
        cur = conn.cursor()
        cur.execute(args.query)
        columns = [d[0] for d in cur.description or []]
        rows = cur.fetchall() if columns else []
    except errors.Error as exc:
        return _fail(exc)
    finally:
        conn.close()
    if args.json:
        json.dump(
            [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows],
            sys.stdout,
            indent=2,
        )
        print()
    elif args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows([[_plain(v) for v in row] for row in rows])
    else:
        print_table(columns, rows, sys.stdout)
    return 0


def cmd_sink(args: argparse.Namespace) -> int:
    from streamapp.runtime.topic_plan import run_worker
    from streamapp.sink_app import create_sink_app

    settings = Settings()
    if args.bootstrap:
        settings.kafka.bootstrap_servers = args.bootstrap
    if args.web_port:
        settings.pipeline.web_port = args.web_port
    settings.warehouse = warehouse_settings(args.data_dir)
    return run_worker(create_sink_app(settings), settings, args.loglevel)


def register(sub: Any) -> None:
    warehouse = sub.add_parser("warehouse", help="the warehouse: create the schema, or serve")
    wsub = warehouse.add_subparsers(dest="warehouse_command", required=True)
    init = wsub.add_parser("init", help="create tables and views (idempotent)")
    init.add_argument("--data-dir", help="use the local warehouse running in this data dir")
    init.set_defaults(func=cmd_init)
    serve = wsub.add_parser("serve", help="run the local warehouse (Snowflake emulator)")
    serve.add_argument("--port", type=int, default=DEFAULT_WAREHOUSE_PORT)
    serve.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    serve.set_defaults(func=cmd_serve)

    sql = sub.add_parser("sql", help="run a query against the warehouse")
    sql.add_argument("query")
    sql.add_argument("--data-dir", help="the local warehouse of this data dir (as `up`)")
    form = sql.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="a JSON list of row objects")
    form.add_argument("--csv", action="store_true", help="CSV with a header row")
    sql.set_defaults(func=cmd_sql)

    sink = sub.add_parser("sink", help="the warehouse sink: a Faust worker of its own group")
    sink.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    sink.add_argument("--web-port", type=int, help="health port (STREAMAPP_WEB_PORT)")
    sink.add_argument("--data-dir", help="use the local warehouse running in this data dir")
    sink.add_argument("--loglevel", default="info")
    sink.set_defaults(func=cmd_sink)
