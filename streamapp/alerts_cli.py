"""`streamapp alerts`: follow `streaming-alerts` for a person (or `--json` for scripts)."""

from __future__ import annotations

import asyncio
import json
import sys
import time

from aiokafka import AIOKafkaConsumer

from streamapp.kafka_security import client_options
from streamapp.topics import STREAMING_ALERTS
from streamapp.unreachable import start_client

COLOURS = {"critical": "\033[31m", "warning": "\033[33m", "info": "\033[32m"}


def format_alert(alert: dict[str, object], colour: bool = False) -> str:
    status = str(alert.get("status", "?")).upper()
    severity = str(alert.get("severity", "?"))
    line = (
        f"{alert.get('fired_at')} {status:<8} {severity:<8} {alert.get('rule')} "
        f"{alert.get('platform')}: {alert.get('message')} [{alert.get('alert_id')}]"
    )
    if colour and severity in COLOURS:
        return f"{COLOURS[severity]}{line}\033[0m"
    return line


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
