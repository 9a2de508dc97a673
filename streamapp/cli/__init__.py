"""The `streamapp` command. Each subcommand is one part of the system; `up` runs them all.

Every module of this package but `options` is one command: it has `register(subparsers)`,
and keeps its heavy imports (pandas, Prophet, Panel, the Snowflake connector) inside its
handler, so `streamapp --help` stays quick. Nothing else in streamapp imports this package.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

# In the order `streamapp --help` lists them.
COMMANDS: tuple[str, ...] = (
    "up",
    "broker",
    "worker",
    "simulate",
    "replay",
    "classify",
    "alerts",
    "backtest",
    "forecast",
    "dashboard",
    "collect",
    "warehouse",
    "topics",
    "notify",
    "brief",
    "classifier",
    "drivers",
    "catalogue",
    "recommend",
    "label",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="streamapp", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"streamapp.cli.{name}").register(sub)
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

    from streamapp.kafka.security import KafkaSecurityError
    from streamapp.runtime.unreachable import KafkaUnreachable, Unreachable

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
