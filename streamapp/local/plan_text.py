"""What `streamapp up` prints when everything runs: one row per part, where to reach it
and where its log is (the README shows this output)."""

from __future__ import annotations

from typing import Any

from streamapp.config import Settings
from streamapp.local.child import Child
from streamapp.local.options import UpOptions


def plan_rows(
    options: UpOptions, settings: Settings, broker: Any, children: list[Child]
) -> list[tuple[str, str, str]]:
    """(name, where, log) of every part `up` runs, the broker first, then the collectors."""
    rows = [("broker", f"{broker.kind} on {broker.bootstrap}", str(broker.log_path))]
    for child in children:
        if child.name.startswith("worker"):
            port = child.env["STREAMAPP_WEB_PORT"]
            where = f"faust worker, health http://127.0.0.1:{port}/healthz"
        elif child.name == "warehouse":
            where = (
                f"local warehouse 127.0.0.1:{options.warehouse_port}: "
                f"streamapp sql 'SELECT ...' --data-dir {options.data_dir}"
            )
        elif child.name == "sink":
            target = (
                f"Snowflake account {settings.warehouse.account}"
                if settings.warehouse.configured
                else "the local warehouse"
            )
            port = child.env["STREAMAPP_WEB_PORT"]
            where = f"warehouse sink into {target}, health :{port}/healthz"
        elif child.name == "notify":
            where = "alert delivery to the STREAMAPP_NOTIFY_* destinations"
        elif child.name == "dashboard":
            host = settings.dashboard.host
            where = f"live dashboard http://{host}:{options.dashboard_port}/"
        else:
            where = f"{options.rate:g} posts/s, scenarios: {options.scenarios or 'none'}"
        rows.append((child.name, where, str(child.log_path)))
    rows.extend(collector_rows(options, settings))
    return rows


def collector_rows(options: UpOptions, settings: Settings) -> list[tuple[str, str, str]]:
    reddit, trends = settings.reddit, settings.trends
    log = str(options.data_dir / "logs" / "worker-1.log")
    rows = []
    if reddit.configured:
        subs = len(reddit.subreddit_list)
        where = f"real collector in the worker (leader), {subs} subreddits"
        rows.append(("reddit", where, log))
    elif options.simulator:
        rows.append(("reddit", "no REDDIT_CLIENT_ID/SECRET given: the simulator runs", "-"))
    if trends.enabled:
        rows.append(("trends", f"Google Trends in the worker (leader), geo {trends.geo}", log))
    return rows
