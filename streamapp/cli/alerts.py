"""`streamapp alerts`: follow `streaming-alerts` for a person (or `--json` for scripts)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from aiokafka import AIOKafkaConsumer

from streamapp.cli.options import settings_from
from streamapp.kafka.security import client_options
from streamapp.notify.terminal import format_alert
from streamapp.runtime.unreachable import start_client
from streamapp.topics import STREAMING_ALERTS


async def tail_alerts(
    bootstrap: str,
    topic: str = STREAMING_ALERTS,
    as_json: bool = False,
    from_beginning: bool = False,
    limit: int | None = None,
    timeout_s: float | None = None,
) -> int:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,  # a viewer, not a member: it never commits or steals partitions
        auto_offset_reset="earliest" if from_beginning else "latest",
        **client_options(),  # KAFKA_SECURITY_PROTOCOL etc., as the worker connects
    )
    await start_client(consumer, bootstrap)  # or KafkaUnreachable, within CONNECT_TIMEOUT_S
    shown = 0
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    colour = sys.stdout.isatty() and not as_json
    try:
        while limit is None or shown < limit:
            if deadline is not None and time.monotonic() >= deadline:
                break
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    try:
                        alert = json.loads(record.value)
                    except (TypeError, ValueError):
                        print(f"(unreadable alert at offset {record.offset})", file=sys.stderr)
                        continue
                    print(json.dumps(alert) if as_json else format_alert(alert, colour), flush=True)
                    shown += 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    finally:
        await consumer.stop()
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    settings = settings_from(args)
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


def register(sub: argparse._SubParsersAction) -> None:
    alerts = sub.add_parser("alerts", help="tail the streaming-alerts topic")
    alerts.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    alerts.add_argument("--json", action="store_true", help="one JSON object per line")
    alerts.add_argument("--from-beginning", action="store_true")
    alerts.add_argument("--max", type=int, default=None, help="stop after N alerts")
    alerts.add_argument("--timeout", type=float, default=None, help="stop after N seconds")
    alerts.set_defaults(func=cmd_alerts)
