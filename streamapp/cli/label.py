"""`streamapp label export`: recent posts from `discussion-signals`, ready to label.

    streamapp label export [--limit 200] [--scan 5000] [--format jsonl|csv] [--out FILE]

Reads the last `--scan` records of `discussion-signals` (spread over its partitions, outside
any consumer group, so it never moves a worker's offsets), classifies each post again with
the model in use (STREAMAPP_CLASSIFIER_MODEL or the shipped one), and writes the `--limit`
posts the model is least sure of, least confident first, as JSON Lines or CSV with the
model's guess pre-filled and ``reviewed`` false (see `streamapp.analytics.label_sample`).
Correct them, set reviewed to true, then `streamapp train --shipped FILE`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from streamapp.topics import DISCUSSION_SIGNALS


async def recent_signals(
    bootstrap: str, topic: str, scan: int, timeout_s: float = 30.0
) -> list[dict]:
    """The last `scan` records of `topic` (about scan/partitions from each), decoded."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from streamapp.kafka.security import client_options
    from streamapp.kafka.topic_reads import read_to_end
    from streamapp.runtime.unreachable import start_client

    # Subscribed at first only so that the start fetches this topic's metadata (its
    # partitions); then unsubscribed, and the partitions are read by assignment.
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        **client_options(),
    )
    await start_client(consumer, bootstrap)  # or KafkaUnreachable, naming the setting
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise LookupError(f"topic {topic} does not exist on {bootstrap}")
        consumer.unsubscribe()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        firsts = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        each = max(1, -(-scan // len(tps)))
        starts = {tp: max(firsts[tp], ends[tp] - each) for tp in tps}
        out: list[dict] = []

        def keep(record: Any) -> None:
            try:
                value = json.loads(record.value)
            except (TypeError, ValueError):
                return  # not a signal: nothing to label
            if isinstance(value, dict):
                out.append(value)

        await read_to_end(consumer, starts, keep, timeout_s)
        return out
    finally:
        await consumer.stop()


def cmd_label_export(args: argparse.Namespace) -> int:
    from streamapp.analytics.label_sample import least_confident, to_csv
    from streamapp.cli.options import use_classifier_model
    from streamapp.config import Settings

    settings = Settings()
    if args.bootstrap:
        settings.kafka.bootstrap_servers = args.bootstrap
    if not use_classifier_model(settings, "label export"):
        return 2
    topic = settings.pipeline.topic_prefix + DISCUSSION_SIGNALS
    bootstrap = settings.kafka.bootstrap_servers
    try:
        signals = asyncio.run(recent_signals(bootstrap, topic, args.scan, args.timeout))
    except (LookupError, TimeoutError) as exc:
        print(f"streamapp label export: {exc}", file=sys.stderr)
        return 1
    rows = least_confident(signals, args.limit)
    fmt = args.format or ("csv" if args.out and args.out.suffix.lower() == ".csv" else "jsonl")
    text = to_csv(rows) if fmt == "csv" else "".join(json.dumps(r) + "\n" for r in rows)
    if args.out is None or str(args.out) == "-":
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    print(
        f"label export: {len(rows)} of {len(signals)} recent signals from {topic}, "
        f"least confident first ({fmt})",
        file=sys.stderr,
    )
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    label = sub.add_parser("label", help="export recent posts to label for `streamapp train`")
    actions = label.add_subparsers(dest="label_command", required=True)
    export = actions.add_parser(
        "export",
        help="recent discussion-signals as JSON Lines or CSV, least confident first",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    export.add_argument("--limit", type=_positive, default=200, help="posts to write (200)")
    export.add_argument(
        "--scan", type=_positive, default=5000, help="recent signals to choose from (5000)"
    )
    export.add_argument("--format", choices=["jsonl", "csv"], help="default: from --out, or jsonl")
    export.add_argument("--out", type=Path, help="file to write (default: stdout)")
    export.add_argument("--timeout", type=float, default=30.0, help="read timeout, seconds")
    export.set_defaults(func=cmd_label_export)
