"""`streamapp dashboard`: the live Panel dashboard (a reader of the topics, never the worker).

Panel and Bokeh are imported inside the handler, so `streamapp --help` stays quick.
"""

from __future__ import annotations

import argparse
import sys

from pydantic import SecretStr

from streamapp.config import DEFAULT_DASHBOARD_PORT, Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help=f"serve the live dashboard (http://127.0.0.1:{DEFAULT_DASHBOARD_PORT}/ by default)",
    )
    parser.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    parser.add_argument("--host", help="address to listen on (STREAMAPP_DASHBOARD_HOST)")
    parser.add_argument(
        "--port", type=int, help=f"port (STREAMAPP_DASHBOARD_PORT, {DEFAULT_DASHBOARD_PORT})"
    )
    parser.add_argument(
        "--basic-auth",
        metavar="PASSWORD_OR_JSON_FILE",
        help="require a login: one password, or a JSON file of {user: password} "
        "(STREAMAPP_DASHBOARD_BASIC_AUTH; the variable keeps it out of `ps`)",
    )
    parser.add_argument(
        "--cookie-secret", help="signs the login cookie (STREAMAPP_DASHBOARD_COOKIE_SECRET)"
    )
    parser.add_argument(
        "--oauth-provider",
        help="a Panel OAuth provider, e.g. github (key and secret: STREAMAPP_DASHBOARD_OAUTH_*)",
    )
    parser.set_defaults(func=cmd_dashboard)


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings()
    board = settings.dashboard
    if args.bootstrap:
        settings.kafka.bootstrap_servers = args.bootstrap
    if args.host:
        board.host = args.host
    if args.port is not None:
        board.port = args.port
    if args.basic_auth:
        board.basic_auth = SecretStr(args.basic_auth)
    if args.cookie_secret:
        board.cookie_secret = SecretStr(args.cookie_secret)
    if args.oauth_provider:
        board.oauth_provider = args.oauth_provider
    return settings


def cmd_dashboard(args: argparse.Namespace) -> int:
    from streamapp.kafka.security import client_options
    from streamapp.panel_dashboard.feed import KafkaFeed
    from streamapp.panel_dashboard.server import AuthConfigError, DashboardServer
    from streamapp.panel_dashboard.state import DashboardState

    settings = settings_from(args)
    board = settings.dashboard
    state = DashboardState(bucket_s=board.bucket_seconds, history_s=board.history_seconds)
    feed = KafkaFeed(
        bootstrap=settings.kafka.bootstrap_servers,
        state=state,
        topic_prefix=settings.pipeline.topic_prefix,
        worker_group=settings.pipeline.app_id,
        kafka_options=client_options(settings.kafka),
    )
    server = DashboardServer(board, feed)
    try:
        server.build()
    except AuthConfigError as exc:
        print(f"streamapp dashboard: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the port is taken
        print(
            f"streamapp dashboard: cannot listen on {board.host}:{board.port}: {exc}",
            file=sys.stderr,
        )
        return 2
    login = " (login required)" if board.basic_auth or board.oauth_provider else ""
    print(
        f"dashboard: http://{board.host}:{board.port}/{login}, "
        f"reading {settings.kafka.bootstrap_servers}; Ctrl-C stops it",
        flush=True,
    )
    server.run()  # returns on Ctrl-C or SIGTERM (its own signal handlers)
    return 0
