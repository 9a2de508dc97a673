"""`streamapp simulate`: a seeded, realistic stream of posts, searches and viewers."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from streamapp.cli.options import settings_from


def cmd_simulate(args: argparse.Namespace) -> int:
    from streamapp.sources.producer import compressed_clock, run_simulator
    from streamapp.sources.simulator import Scenario, Simulator
    from streamapp.sources.viewers.simulator import ViewerSimulator

    settings = settings_from(args)
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


def register(sub: argparse._SubParsersAction) -> None:
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
