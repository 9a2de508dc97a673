"""`streamapp replay FILE`: recorded JSON Lines back onto the raw topics."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from streamapp.cli.options import settings_from


def cmd_replay(args: argparse.Namespace) -> int:
    from streamapp.sources.replay import ReplayError, replay

    settings = settings_from(args)
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


def register(sub: argparse._SubParsersAction) -> None:
    replay = sub.add_parser("replay", help="send recorded JSON Lines to the raw topics")
    replay.add_argument("file")
    replay.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    replay.add_argument("--speed", type=float, default=1.0, help="1 = original pace, 10 = 10x")
    replay.add_argument("--fast", action="store_true", help="as fast as possible")
    replay.set_defaults(func=cmd_replay)
