"""`streamapp notify`: deliver `streaming-alerts` to Alertmanager, webhooks, Slack and
e-mail, exactly once per (alert, status, destination) (docs/notify.md).

Exit 2 with one line for settings that cannot deliver anything (no destination, a webhook
without its signing secret, an e-mail destination without sender or recipients); exit 1
with one line when Kafka cannot be reached at start (streamapp/runtime/unreachable.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from streamapp.config import Settings


def cmd_notify(args: argparse.Namespace) -> int:
    from streamapp.kafka.topic_admin import TopicsNotReady
    from streamapp.notify.destinations import NotifyConfigError, destinations_from
    from streamapp.notify.service import run_notify

    settings = Settings()
    if args.bootstrap:
        settings.kafka.bootstrap_servers = args.bootstrap
    try:
        destinations = destinations_from(settings.notify)
    except (NotifyConfigError, ValueError) as exc:
        print(f"streamapp notify: invalid settings: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(run_notify(settings, destinations))
    except TopicsNotReady as exc:
        print(f"streamapp notify: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "notify", help="deliver streaming-alerts to Alertmanager, webhooks, Slack and e-mail"
    )
    parser.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    parser.set_defaults(func=cmd_notify)
