"""`streamapp topics create|check`: the topics the worker and the sink need, on their own.

What `streamapp worker` and `streamapp sink` do before they start, for the cases where it
belongs elsewhere: a Kubernetes Job or init container before the first pods, a CI step,
or an operator checking a managed cluster where the application may not create topics.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from streamapp.config import Settings

ROLES = ("worker", "sink")


def _specs(settings: Settings, roles: list[str]) -> list[Any]:
    from streamapp.runtime.topic_plan import topic_specs

    specs = []
    if "worker" in roles:
        from streamapp.app import create_app

        specs += topic_specs(create_app(settings), settings)
    if "sink" in roles:
        from streamapp.sink_app import create_sink_app

        specs += topic_specs(create_sink_app(settings), settings)
    return specs


def cmd_topics(args: argparse.Namespace) -> int:
    from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError

    from streamapp.kafka.security import client_options
    from streamapp.kafka.topic_admin import TopicsNotReady, ensure_topics
    from streamapp.runtime.unreachable import KafkaUnreachable

    # One line per topic and a verdict: not aiokafka's connection errors nor what building
    # the apps announces (the collectors' configuration).
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    logging.getLogger("agents").setLevel(logging.WARNING)
    settings = Settings()
    if args.bootstrap:
        settings.kafka.bootstrap_servers = args.bootstrap
    roles = list(ROLES) if args.role == "all" else [args.role]
    specs = _specs(settings, roles)
    servers = settings.kafka.bootstrap_servers
    try:
        reports = asyncio.run(
            ensure_topics(
                servers,
                specs,
                create=args.topics_command == "create",
                options=client_options(settings.kafka),
            )
        )
        failed = False
    except TopicsNotReady as exc:
        reports, failed = exc.reports, True
    except (KafkaConnectionError, KafkaTimeoutError, OSError, TimeoutError) as exc:
        raise KafkaUnreachable(servers, str(exc) or type(exc).__name__) from None  # one line
    for report in reports:
        print(report.line())
    missing = sum(r.fatal for r in reports)
    print(
        f"topics: {len(reports)} checked, {missing} missing or unusable"
        + ("" if missing else ", all served"),
        file=sys.stderr if failed else sys.stdout,
    )
    return 1 if failed else 0


def register(sub: Any) -> None:
    parser = sub.add_parser("topics", help="create or check the topics the worker and sink need")
    tsub = parser.add_subparsers(dest="topics_command", required=True)
    for name, text in (
        ("create", "create what is missing (where allowed), then verify every topic"),
        ("check", "verify only; exit 1 naming what is missing or unusable"),
    ):
        command = tsub.add_parser(name, help=text)
        command.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
        command.add_argument(
            "--for", dest="role", choices=[*ROLES, "all"], default="all", help="whose topics"
        )
        command.set_defaults(func=cmd_topics)
