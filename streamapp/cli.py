"""The `streamapp` command. Each subcommand is one part of the system; `up` runs them all."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
import time
from pathlib import Path

from streamapp.config import (
    DEFAULT_BROKER_PORT,
    DEFAULT_DASHBOARD_PORT,
    DEFAULT_DATA_DIR,
    DEFAULT_WAREHOUSE_PORT,
    DEFAULT_WEB_PORT,
    Settings,
)

# Subcommands that live in their own modules: each has `register(subparsers)` and keeps
# its heavy imports (pandas, Prophet, Panel, the Snowflake connector) inside its handlers,
# so `streamapp --help` stays quick.
COMMAND_MODULES: tuple[str, ...] = (
    "streamapp.forecast_cli",
    "streamapp.forecast_file_cli",
    "streamapp.dashboard_cli",
    "streamapp.collect_cli",
    "streamapp.warehouse_cli",
    "streamapp.topics_cli",
    "streamapp.notify_cli",
    "streamapp.brief_cli",
    "streamapp.classifier_cli",
    "streamapp.drivers_cli",
    "streamapp.catalogue_cli",
    "streamapp.recommend_cli",
    "streamapp.label_cli",
)


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings()
    if getattr(args, "bootstrap", None):
        settings.kafka.bootstrap_servers = args.bootstrap
    if getattr(args, "web_port", None):
        settings.pipeline.web_port = args.web_port
    return settings


def cmd_up(args: argparse.Namespace) -> int:
    from streamapp.supervisor import Supervisor, UpOptions

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


def cmd_broker(args: argparse.Namespace) -> int:
    from streamapp.embedded.broker import start_broker

    broker = start_broker(args.port, Path(args.data_dir) / "broker", kind=args.kind)
    print(f"broker: {broker.kind} on {broker.bootstrap} (log: {broker.log_path}); Ctrl-C stops it")
    try:
        broker.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        broker.stop()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from streamapp.app import create_app
    from streamapp.topic_plan import run_worker

    settings = _settings(args)
    if args.data_dir:
        settings.pipeline.data_dir = Path(args.data_dir)
    if not use_classifier_model(settings, "worker"):
        return 2  # before any connection: no half-configured worker joins the group
    return run_worker(create_app(settings), settings, args.loglevel)


def use_classifier_model(settings: Settings, command: str) -> bool:
    """Load the intent model named by STREAMAPP_CLASSIFIER_MODEL (or the shipped one) now;
    False, with one line on stderr saying which file and why, if it cannot be used."""
    from streamapp.analytics.intent_model import ModelError
    from streamapp.analytics.model_file import MODEL_ENV, use_model

    try:
        use_model(settings.pipeline.classifier_model)
    except ModelError as exc:
        print(f"streamapp {command}: {MODEL_ENV}: {exc}", file=sys.stderr)
        return False
    return True


def cmd_simulate(args: argparse.Namespace) -> int:
    from streamapp.sources.producer import compressed_clock, run_simulator
    from streamapp.sources.simulator import Scenario, Simulator
    from streamapp.sources.viewers.simulator import ViewerSimulator

    settings = _settings(args)
    try:
        scenarios = [Scenario.parse(text) for text in args.scenario or []]
    except ValueError as exc:
        print(f"streamapp simulate: {exc}", file=sys.stderr)
        return 2
    salt = settings.pipeline.author_salt.get_secret_value()
    if args.accounts < 1:
        print("streamapp simulate: --accounts must be at least 1", file=sys.stderr)
        return 2
    if args.speed <= 0 or (args.speed != 1 and args.duration is None):
        print("streamapp simulate: --speed must be positive and needs --duration", file=sys.stderr)
        return 2
    viewers = None
    if not args.no_viewers:
        viewers = ViewerSimulator(args.seed, args.accounts, scenarios, salt=salt)
    sim = Simulator(
        seed=args.seed, rate=args.rate, scenarios=scenarios, author_salt=salt, viewers=viewers
    )
    bootstrap = settings.kafka.bootstrap_servers
    who = "no viewers" if viewers is None else f"{args.accounts} viewers"
    print(
        f"simulate: {args.rate} posts/s and {who} to {bootstrap},"
        f" scenarios: {args.scenario or 'none'}"
    )
    clock = time.time if args.speed == 1 else compressed_clock(args.duration, args.speed)
    try:
        sent = asyncio.run(
            run_simulator(
                bootstrap,
                sim,
                duration_s=args.duration,
                clock=clock,
                topic_prefix=settings.pipeline.topic_prefix,
            )
        )
    except KeyboardInterrupt:
        return 0
    print(f"simulate: sent {sent} events")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from streamapp.sources.replay import ReplayError, replay

    settings = _settings(args)
    speed = None if args.fast else args.speed
    try:
        sent = asyncio.run(
            replay(
                settings.kafka.bootstrap_servers,
                Path(args.file),
                speed=speed,
                topic_prefix=settings.pipeline.topic_prefix,
            )
        )
    except (ReplayError, OSError) as exc:
        print(f"streamapp replay: {exc}", file=sys.stderr)
        return 2
    print(f"replay: sent {sent} records from {args.file}")
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from streamapp.classify_cli import classify_lines

    return classify_lines(sys.stdin, sys.stdout, sys.stderr)


def cmd_alerts(args: argparse.Namespace) -> int:
    from streamapp.alerts_cli import tail_alerts
    from streamapp.topics import STREAMING_ALERTS

    settings = _settings(args)
    return asyncio.run(
        tail_alerts(
            settings.kafka.bootstrap_servers,
            topic=settings.pipeline.topic_prefix + STREAMING_ALERTS,
            as_json=args.json,
            from_beginning=args.from_beginning,
            limit=args.max,
            timeout_s=args.timeout,
        )
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="streamapp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

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

    broker = sub.add_parser("broker", help="run the embedded broker alone")
    broker.add_argument("--port", type=int, default=DEFAULT_BROKER_PORT)
    broker.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    broker.add_argument("--kind", choices=["auto", "kafka", "tansu"], default="auto")
    broker.set_defaults(func=cmd_broker)

    worker = sub.add_parser("worker", help="a Faust worker against KAFKA_BOOTSTRAP_SERVERS")
    worker.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    worker.add_argument("--web-port", type=int, help="health/web port (STREAMAPP_WEB_PORT)")
    worker.add_argument("--data-dir", help="STREAMAPP_DATA_DIR")
    worker.add_argument("--loglevel", default="info")
    worker.set_defaults(func=cmd_worker)

    simulate = sub.add_parser("simulate", help="produce a realistic simulated stream")
    simulate.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    simulate.add_argument("--rate", type=float, default=20.0, help="posts per second")
    simulate.add_argument("--scenario", action="append", help="e.g. price-hike:netflix")
    simulate.add_argument("--seed", type=int, default=7)
    simulate.add_argument("--duration", type=float, default=None, help="seconds (default: forever)")
    simulate.add_argument(
        "--accounts", type=int, default=2000, help="simulated viewer accounts (viewing-events)"
    )
    simulate.add_argument("--no-viewers", action="store_true", help="no viewing events")
    simulate.add_argument(
        "--speed", type=float, default=1.0,
        help="play --duration simulated seconds this many times faster, dated up to now",
    )  # fmt: skip
    simulate.set_defaults(func=cmd_simulate)

    replay = sub.add_parser("replay", help="send recorded JSON Lines to the raw topics")
    replay.add_argument("file")
    replay.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    replay.add_argument("--speed", type=float, default=1.0, help="1 = original pace, 10 = 10x")
    replay.add_argument("--fast", action="store_true", help="as fast as possible")
    replay.set_defaults(func=cmd_replay)

    classify = sub.add_parser("classify", help="classify JSON Lines from stdin")
    classify.set_defaults(func=cmd_classify)

    alerts = sub.add_parser("alerts", help="tail the streaming-alerts topic")
    alerts.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    alerts.add_argument("--json", action="store_true", help="one JSON object per line")
    alerts.add_argument("--from-beginning", action="store_true")
    alerts.add_argument("--max", type=int, default=None, help="stop after N alerts")
    alerts.add_argument("--timeout", type=float, default=None, help="stop after N seconds")
    alerts.set_defaults(func=cmd_alerts)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command not in ("worker", "sink"):  # Faust configures a worker's logging
        logging.basicConfig(
            level=os.environ.get("STREAMAPP_LOG_LEVEL", "INFO"),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
    # The Snowflake connector announces every connection at INFO; keep the output ours.
    logging.getLogger("snowflake.connector").setLevel(logging.WARNING)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    from pydantic import ValidationError

    from streamapp.kafka_security import KafkaSecurityError
    from streamapp.unreachable import KafkaUnreachable, Unreachable

    try:
        return int(args.func(args) or 0)
    except (KafkaSecurityError, ValidationError) as exc:
        # Settings that cannot work: say which and why, without a traceback. (Neither
        # error carries a secret: SecretStr fields are never echoed.)
        print(f"streamapp {args.command}: invalid settings: {exc}", file=sys.stderr)
        return 2
    except Unreachable as exc:
        # The broker or warehouse did not answer: one line naming it and its setting.
        if isinstance(exc, KafkaUnreachable) and getattr(args, "bootstrap", None):
            exc.setting = "--bootstrap"  # it overrode KAFKA_BOOTSTRAP_SERVERS
        print(f"streamapp {args.command}: {exc}", file=sys.stderr)
        return 1
