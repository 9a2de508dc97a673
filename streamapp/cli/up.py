"""`streamapp up`: the embedded broker, warehouse, worker(s), sink, simulator and dashboard
as supervised children (streamapp.local.supervisor)."""

from __future__ import annotations

import argparse
from pathlib import Path

from streamapp.cli.options import use_classifier_model
from streamapp.config import (
    DEFAULT_BROKER_PORT,
    DEFAULT_DASHBOARD_PORT,
    DEFAULT_DATA_DIR,
    DEFAULT_WAREHOUSE_PORT,
    DEFAULT_WEB_PORT,
    Settings,
)


def cmd_up(args: argparse.Namespace) -> int:
    from streamapp.local.options import UpOptions
    from streamapp.local.supervisor import Supervisor

    # Each worker would refuse a bad model at its start, and be restarted for ever: say it once.
    if not use_classifier_model(Settings(), "up"):
        return 2
    options = UpOptions(
        broker_port=args.broker_port,
        data_dir=Path(args.data_dir),
        simulator=not args.no_simulator,
        dashboard=not args.no_dashboard,
        dashboard_port=args.dashboard_port,
        warehouse=not args.no_warehouse,
        warehouse_port=args.warehouse_port,
        workers=args.workers,
        worker_web_port=args.web_port or DEFAULT_WEB_PORT,
        rate=args.rate,
        scenarios=args.scenario or [],
        accounts=0 if args.no_viewers else args.accounts,
        broker_kind=args.broker,
    )
    return Supervisor(options).run()


def register(sub: argparse._SubParsersAction) -> None:
    up = sub.add_parser("up", help="run broker, worker and simulator together (embedded default)")
    up.add_argument("--broker-port", type=int, default=DEFAULT_BROKER_PORT)
    up.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    up.add_argument("--no-simulator", action="store_true", help="do not start the simulator")
    up.add_argument("--no-dashboard", action="store_true", help="do not start the dashboard")
    up.add_argument(
        "--dashboard-port", type=int, default=DEFAULT_DASHBOARD_PORT, help="the dashboard's port"
    )
    up.add_argument(
        "--no-warehouse", action="store_true", help="no local warehouse and no warehouse sink"
    )
    up.add_argument(
        "--warehouse-port",
        type=int,
        default=DEFAULT_WAREHOUSE_PORT,
        help="the local warehouse's port",
    )
    up.add_argument("--workers", type=int, default=1, help="Faust worker processes")
    up.add_argument(
        "--web-port", type=int, default=None, help=f"first worker's web port ({DEFAULT_WEB_PORT})"
    )
    up.add_argument("--rate", type=float, default=20.0, help="simulated posts per second")
    up.add_argument("--scenario", action="append", help="e.g. price-hike:netflix (repeatable)")
    up.add_argument("--accounts", type=int, default=2000, help="simulated viewer accounts")
    up.add_argument("--no-viewers", action="store_true", help="simulate no viewing events")
    up.add_argument("--broker", choices=["auto", "kafka", "tansu"], default="auto")
    up.set_defaults(func=cmd_up)
