"""`streamapp worker`: one Faust worker (streamapp.app) against KAFKA_BOOTSTRAP_SERVERS."""

from __future__ import annotations

import argparse
from pathlib import Path

from streamapp.cli.options import settings_from, use_classifier_model


def cmd_worker(args: argparse.Namespace) -> int:
    from streamapp.app import create_app
    from streamapp.runtime.topic_plan import run_worker

    settings = settings_from(args)
    if args.data_dir:
        settings.pipeline.data_dir = Path(args.data_dir)
    if not use_classifier_model(settings, "worker"):
        return 2  # before any connection: no half-configured worker joins the group
    return run_worker(create_app(settings), settings, args.loglevel)


def register(sub: argparse._SubParsersAction) -> None:
    worker = sub.add_parser("worker", help="a Faust worker against KAFKA_BOOTSTRAP_SERVERS")
    worker.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    worker.add_argument("--web-port", type=int, help="health/web port (STREAMAPP_WEB_PORT)")
    worker.add_argument("--data-dir", help="STREAMAPP_DATA_DIR")
    worker.add_argument("--loglevel", default="info")
    worker.set_defaults(func=cmd_worker)
