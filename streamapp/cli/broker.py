"""`streamapp broker`: the embedded broker alone (Apache Kafka, or the pip-only tansu)."""

from __future__ import annotations

import argparse
from pathlib import Path

from streamapp.config import DEFAULT_BROKER_PORT, DEFAULT_DATA_DIR


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


def register(sub: argparse._SubParsersAction) -> None:
    broker = sub.add_parser("broker", help="run the embedded broker alone")
    broker.add_argument("--port", type=int, default=DEFAULT_BROKER_PORT)
    broker.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    broker.add_argument("--kind", choices=["auto", "kafka", "tansu"], default="auto")
    broker.set_defaults(func=cmd_broker)
