"""`streamapp brief --since 24h [--html out.html]`: a one-page summary of the period from
the topics (docs/brief.md): alerts fired and resolved, share of mentions and interest per
platform and its change, the top switching flows, piracy and cancellation trends,
forecast against actual. Printed; `--html` also writes it as one HTML page."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path
from typing import Any

from streamapp.config import Settings

UNITS = {"m": 60, "h": 3600, "d": 86400}


def parse_since(text: str) -> float:
    """`24h`, `90m`, `7d` -> seconds; ArgumentTypeError for anything else."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([mhd])\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(
            f"expected a duration such as 24h, 90m or 7d, got {text!r}"
        )
    return float(match.group(1)) * UNITS[match.group(2)]


def cmd_brief(args: argparse.Namespace) -> int:
    from streamapp.brief import render
    from streamapp.brief.read import make_brief

    settings = Settings()
    if args.bootstrap:
        settings.kafka.bootstrap_servers = args.bootstrap
    brief = asyncio.run(make_brief(settings, args.since))
    print(render.text(brief))
    if args.html:
        try:
            Path(args.html).write_text(render.page(brief), encoding="utf-8")
        except OSError as exc:
            print(f"streamapp brief: cannot write {args.html}: {exc.strerror}", file=sys.stderr)
            return 1
        print(f"written: {args.html}", file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser("brief", help="a one-page summary of the last day (or --since)")
    parser.add_argument(
        "--since", type=parse_since, default=parse_since("24h"), help="the period: 24h, 90m, 7d"
    )
    parser.add_argument("--html", help="also write the brief as one HTML page to this file")
    parser.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    parser.set_defaults(func=cmd_brief)
