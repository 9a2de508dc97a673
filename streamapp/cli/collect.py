"""`streamapp collect trends|reddit --once`: one round from a real source, printed.

For checking credentials, keywords and subreddits before a worker collects for real.
Each record goes to stdout as a replay envelope (`{"topic", "key", "value"}`), so the
output can be kept and fed to `streamapp replay`; a summary goes to stderr. Nothing is
sent to Kafka and no checkpoint is touched.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any, TextIO


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "collect", help="fetch one round from Google Trends or Reddit and print it (--once)"
    )
    parser.add_argument("source", choices=["trends", "reddit"])
    parser.add_argument("--once", action="store_true", help="fetch one round and print it")
    parser.add_argument("--limit", type=int, default=10, help="reddit: newest items per listing")
    parser.set_defaults(func=cmd_collect)


def cmd_collect(args: argparse.Namespace) -> int:
    if not args.once:
        print(
            "streamapp collect: the collectors run inside `streamapp worker` (on the leader) "
            "when configured; use --once to fetch one round here",
            file=sys.stderr,
        )
        return 2
    from streamapp.config import Settings

    return asyncio.run(collect_once(args.source, Settings(), sys.stdout, sys.stderr, args.limit))


async def collect_once(
    source_name: str, settings: Any, out: TextIO, err: TextIO, limit: int = 10
) -> int:
    from streamapp.sources.collector_runner import SourceError
    from streamapp.sources.factory import endpoint

    source = _source(source_name, settings, limit, err)
    if source is None:
        return 2
    try:
        result = await source.fetch({})
    except SourceError as exc:
        print(
            f"streamapp collect {source_name}: {exc}; {endpoint(source_name, settings)}", file=err
        )
        return 1
    finally:
        await source.close()
    for note in result.notes:
        print(f"streamapp collect {source_name}: {note}", file=err)
    for record in result.records:
        envelope = {"topic": record.topic, "key": record.key, "value": record.value}
        print(json.dumps(envelope, ensure_ascii=False), file=out)
    print(f"streamapp collect {source_name}: {len(result.records)} records", file=err)
    return 0


def _source(name: str, settings: Any, limit: int, err: TextIO) -> Any:
    from streamapp.sources.factory import build_source, missing_settings

    missing = missing_settings(name, settings)
    if missing is not None:
        print(f"streamapp collect {name}: {missing}", file=err)
        return None
    # Trends: one round needs no pause between groups beyond Google's own limits.
    return build_source(name, settings, first_round_limit=limit)
