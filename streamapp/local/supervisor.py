"""`streamapp up`: the embedded broker, worker(s) and simulator as supervised children.

Children run in their own sessions (the terminal's Ctrl-C reaches only us), so we stop
them in order: the simulator first, then the workers (they commit and leave the group),
then the broker. A worker that dies is restarted with a growing back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from streamapp import topics
from streamapp.config import (
    DEFAULT_BROKER_PORT,
    DEFAULT_DASHBOARD_PORT,
    DEFAULT_DATA_DIR,
    DEFAULT_WAREHOUSE_PORT,
    DEFAULT_WEB_PORT,
    Settings,
)
from streamapp.local.spawn import spawn_logged
from streamapp.notify.terminal import format_alert

MAX_BACKOFF_S = 30.0
HEALTHY_AFTER_S = 60.0  # a child that lived this long starts again from the short back-off


@dataclass
class UpOptions:
    broker_port: int = DEFAULT_BROKER_PORT
    data_dir: Path = DEFAULT_DATA_DIR
    simulator: bool = True
    dashboard: bool = True
    dashboard_port: int = DEFAULT_DASHBOARD_PORT
    warehouse: bool = True
    warehouse_port: int = DEFAULT_WAREHOUSE_PORT
    workers: int = 1
    worker_web_port: int = DEFAULT_WEB_PORT
    rate: float = 20.0
    scenarios: list[str] = field(default_factory=list)
    accounts: int = 2000  # simulated viewers; 0 = none
    broker_kind: str = "auto"


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    restart: bool = True
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    next_start: float = 0.0

    def start(self) -> None:
        self.process = spawn_logged(self.argv, self.log_path, env=self.env)
        self.started_at = time.monotonic()

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def schedule_restart(self) -> float:
        lived = time.monotonic() - self.started_at
        self.restarts = 0 if lived > HEALTHY_AFTER_S else self.restarts + 1
        delay = min(MAX_BACKOFF_S, 2.0 ** max(self.restarts - 1, 0))
        self.next_start = time.monotonic() + delay
        self.process = None
        return delay

    def stop(self, timeout: float) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Supervisor:
    def __init__(self, options: UpOptions, settings: Settings | None = None) -> None:
        self.options = options
        self.settings = settings or Settings()
        self.children: list[Child] = []
        self.stopping = asyncio.Event()

    def _child_env(self, bootstrap: str, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            KAFKA_BOOTSTRAP_SERVERS=bootstrap,
            STREAMAPP_DATA_DIR=str(self.options.data_dir),
            STREAMAPP_PARTITIONS=str(self.settings.pipeline.partitions),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def _plan(self, bootstrap: str) -> list[Child]:
        logs = self.options.data_dir / "logs"
        me = [sys.executable, "-m", "streamapp"]
        children = self._warehouse_children(bootstrap, me, logs)
        for i in range(self.options.workers):
            port = self.options.worker_web_port + i
            children.append(
                Child(
                    f"worker-{i + 1}",
                    [*me, "worker", "--web-port", str(port)],
                    self._child_env(bootstrap, STREAMAPP_WEB_PORT=str(port)),
                    logs / f"worker-{i + 1}.log",
                )
            )
        # With Reddit credentials the real collector feeds the worker: no simulator.
        if self.options.simulator and not self.settings.reddit.configured:
            argv = [*me, "simulate", "--rate", str(self.options.rate)]
            for scenario in self.options.scenarios:
                argv += ["--scenario", scenario]
            if self.options.accounts:
                argv += ["--accounts", str(self.options.accounts)]
            else:
                argv.append("--no-viewers")
            children.append(Child("simulator", argv, self._child_env(bootstrap), logs / "sim.log"))
        if self.options.dashboard:
            argv = [*me, "dashboard", "--port", str(self.options.dashboard_port)]
            env = self._child_env(bootstrap)
            children.append(Child("dashboard", argv, env, logs / "dashboard.log"))
        # Alert delivery (docs/notify.md), when some destination is configured.
        if self.settings.notify.configured:
            env = self._child_env(bootstrap)
            children.append(Child("notify", [*me, "notify"], env, logs / "notify.log"))
        return children

    def _warehouse_children(self, bootstrap: str, me: list[str], logs: Path) -> list[Child]:
        """The local warehouse (unless SNOWFLAKE_ACCOUNT points at a real one) and the
        sink that loads it, in its own consumer group."""
        if not self.options.warehouse:
            return []
        from streamapp.loaders.local_warehouse import LocalEndpoint

        children = []
        warehouse_env: dict[str, str] = {}
        if not self.settings.warehouse.configured:
            port = self.options.warehouse_port
            argv = [*me, "warehouse", "serve", "--port", str(port)]
            argv += ["--data-dir", str(self.options.data_dir)]
            children.append(Child("warehouse", argv, self._child_env(bootstrap), logs / "wh.log"))
            warehouse_env = LocalEndpoint("127.0.0.1", port).environment()
        sink_port = str(self.options.worker_web_port + 100)
        env = self._child_env(bootstrap, STREAMAPP_WEB_PORT=sink_port, **warehouse_env)
        children.append(
            Child("sink", [*me, "sink", "--web-port", sink_port], env, logs / "sink.log")
        )
        return children

    def run(self) -> int:
        try:
            return asyncio.run(self._run())
        except KeyboardInterrupt:
            return 130

    async def _run(self) -> int:
        from streamapp.embedded.broker import start_broker
        from streamapp.kafka.topic_admin import ensure_topics

        opts = self.options
        if port_in_use(opts.broker_port):
            print(
                f"streamapp up: port {opts.broker_port} is already in use; "
                "pick another with --broker-port",
                file=sys.stderr,
            )
            return 2
        if (
            opts.warehouse
            and not self.settings.warehouse.configured
            and port_in_use(opts.warehouse_port)
        ):
            print(
                f"streamapp up: port {opts.warehouse_port} (the local warehouse) is already in "
                "use; pick another with --warehouse-port, or --no-warehouse",
                file=sys.stderr,
            )
            return 2
        if opts.dashboard and port_in_use(opts.dashboard_port):
            print(
                f"streamapp up: port {opts.dashboard_port} (the dashboard) is already in use; "
                "pick another with --dashboard-port, or --no-dashboard",
                file=sys.stderr,
            )
            return 2
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stopping.set)
        print(f"streamapp up: starting the embedded broker on 127.0.0.1:{opts.broker_port} ...")
        broker = await asyncio.to_thread(
            start_broker, opts.broker_port, opts.data_dir / "broker", opts.broker_kind
        )
        try:
            # Faust only here: `up --help` stays quick. The worker would create these
            # itself; doing it first lets the simulator start at once.
            from streamapp.app import create_app
            from streamapp.runtime.topic_plan import topic_specs

            specs = topic_specs(create_app(self.settings), self.settings)
            await ensure_topics(broker.bootstrap, specs)
            self.children = self._plan(broker.bootstrap)
            for child in self.children:
                child.start()
            self._print_plan(broker)
            return await self._watch(broker)
        finally:
            print("streamapp up: stopping ...")
            for child in reversed(self.children):
                await asyncio.to_thread(child.stop, 30.0)
            await asyncio.to_thread(broker.stop)
            print("streamapp up: stopped.")

    def _print_plan(self, broker) -> None:  # type: ignore[no-untyped-def]
        rows = [("broker", f"{broker.kind} on {broker.bootstrap}", str(broker.log_path))]
        for child in self.children:
            if child.name.startswith("worker"):
                port = child.env["STREAMAPP_WEB_PORT"]
                where = f"faust worker, health http://127.0.0.1:{port}/healthz"
            elif child.name == "warehouse":
                where = (
                    f"local warehouse 127.0.0.1:{self.options.warehouse_port}: "
                    f"streamapp sql 'SELECT ...' --data-dir {self.options.data_dir}"
                )
            elif child.name == "sink":
                target = (
                    f"Snowflake account {self.settings.warehouse.account}"
                    if self.settings.warehouse.configured
                    else "the local warehouse"
                )
                port = child.env["STREAMAPP_WEB_PORT"]
                where = f"warehouse sink into {target}, health :{port}/healthz"
            elif child.name == "notify":
                where = "alert delivery to the STREAMAPP_NOTIFY_* destinations"
            elif child.name == "dashboard":
                host = self.settings.dashboard.host
                where = f"live dashboard http://{host}:{self.options.dashboard_port}/"
            else:
                where = (
                    f"{self.options.rate:g} posts/s, scenarios: {self.options.scenarios or 'none'}"
                )
            rows.append((child.name, where, str(child.log_path)))
        rows.extend(self._collector_rows())
        print("streamapp up: running")
        for name, where, log in rows:
            print(f"  {name:<10} {where:<62} log: {log}")
        print("Alerts are printed below as they fire. Ctrl-C stops everything.")

    def _collector_rows(self) -> list[tuple[str, str, str]]:
        reddit, trends = self.settings.reddit, self.settings.trends
        log = str(self.options.data_dir / "logs" / "worker-1.log")
        rows = []
        if reddit.configured:
            subs = len(reddit.subreddit_list)
            where = f"real collector in the worker (leader), {subs} subreddits"
            rows.append(("reddit", where, log))
        elif self.options.simulator:
            rows.append(("reddit", "no REDDIT_CLIENT_ID/SECRET given: the simulator runs", "-"))
        if trends.enabled:
            rows.append(("trends", f"Google Trends in the worker (leader), geo {trends.geo}", log))
        return rows

    async def _watch(self, broker) -> int:  # type: ignore[no-untyped-def]
        tail = asyncio.create_task(self._print_alerts(broker.bootstrap))
        try:
            while not self.stopping.is_set():
                if not broker.alive():
                    print("streamapp up: the broker exited; see its log", file=sys.stderr)
                    return 1
                self._restart_dead_children()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), timeout=0.5)
            return 0
        finally:
            tail.cancel()

    def _restart_dead_children(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.process is None:
                if now >= child.next_start:
                    child.start()
                    print(f"streamapp up: {child.name} restarted (restart #{child.restarts})")
                continue
            code = child.exited()
            if code is None:
                continue
            if not child.restart:
                continue
            delay = child.schedule_restart()
            print(
                f"streamapp up: {child.name} exited with code {code}; restarting in {delay:.0f}s "
                f"(log: {child.log_path})",
                file=sys.stderr,
            )

    async def _print_alerts(self, bootstrap: str) -> None:
        from aiokafka import AIOKafkaConsumer

        from streamapp.kafka.security import client_options

        consumer = AIOKafkaConsumer(
            self.settings.pipeline.topic_prefix + topics.STREAMING_ALERTS,
            bootstrap_servers=bootstrap,
            auto_offset_reset="latest",
            **client_options(self.settings.kafka),
        )
        try:
            await consumer.start()
            async for record in consumer:
                try:
                    print(format_alert(json.loads(record.value), sys.stdout.isatty()), flush=True)
                except ValueError:
                    continue
        except asyncio.CancelledError:
            pass
        finally:
            await consumer.stop()
