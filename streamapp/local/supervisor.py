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
import sys
import time
from pathlib import Path

from streamapp import topics
from streamapp.config import (
    Settings,
)
from streamapp.local.child import Child, port_in_use
from streamapp.local.options import UpOptions
from streamapp.local.plan_text import plan_rows
from streamapp.notify.terminal import format_alert


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
        print("streamapp up: running")
        for name, where, log in plan_rows(self.options, self.settings, broker, self.children):
            print(f"  {name:<10} {where:<62} log: {log}")
        print("Alerts are printed below as they fire. Ctrl-C stops everything.")

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
