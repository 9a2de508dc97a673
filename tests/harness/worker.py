"""`streamapp worker` (or `streamapp sink`) in a child process, as a user or a Kubernetes
pod runs it: its settings in the environment, a free web port, its output in a log file."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.harness.kafka import PARTITIONS, app_id_for
from tests.harness.process import HarnessError, Spawned

ROOT = Path(__file__).resolve().parents[2]  # the checkout: what `tests.*` is imported from

# Windows of seconds and a quick group, so a test sees windows close and partitions move.
FAST_SETTINGS = {
    "STREAMAPP_WINDOW_SECONDS": "2",
    "STREAMAPP_ALLOWED_LATENESS_SECONDS": "3",
    "STREAMAPP_TICK_SECONDS": "0.5",
    "STREAMAPP_IDLE_PARTITION_SECONDS": "5",
    "STREAMAPP_COMMIT_INTERVAL_SECONDS": "0.5",
    "STREAMAPP_SESSION_TIMEOUT_SECONDS": "6",
    "STREAMAPP_HEARTBEAT_INTERVAL_SECONDS": "0.5",
    "STREAMAPP_ALERT_MIN_BASELINE_WINDOWS": "4",
    "STREAMAPP_PARTITIONS": str(PARTITIONS),
}


@dataclass
class Worker(Spawned):
    """`python -m streamapp worker`; `start()`, then `wait_ready()`, `get()`, `stop()`
    (SIGTERM) or `kill()` (SIGKILL)."""

    bootstrap: str
    prefix: str  # the topic prefix
    data_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    command: str = "worker"  # or "sink": the warehouse sink's worker
    # What runs `streamapp`: the module itself, or a test wrapper around it.
    launcher: tuple[str, ...] = ("-m", "streamapp")
    # Run in this directory with the default data directory (.streamapp, relative), as a
    # user who sets nothing does; the log stays in `data_dir`.
    cwd: Path | None = None
    app_id: str = ""  # default: `<prefix>app` (what `prepare_topics` creates topics for)
    log_path: Path | None = None  # default: `<data_dir>/worker-<web port>.log`
    # Settings under `extra_env`; the benchmarks run the product's defaults instead.
    settings: Mapping[str, str] = field(default_factory=lambda: FAST_SETTINGS)
    own_session: bool = False
    process: subprocess.Popen | None = None
    web_port: int = 0
    started_at: float = 0.0  # time.time() at spawn
    what = "worker"

    def start(self) -> Worker:
        from streamapp.embedded import free_port

        self.web_port = free_port()
        self.app_id = self.app_id or app_id_for(self.prefix)
        self.log_path = self.log_path or self.data_dir / f"worker-{self.web_port}.log"
        env = {
            **os.environ,
            **self.settings,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "STREAMAPP_TOPIC_PREFIX": self.prefix,
            "STREAMAPP_APP_ID": self.app_id,
            "STREAMAPP_WEB_PORT": str(self.web_port),
            "STREAMAPP_DATA_DIR": str(self.data_dir),
            **self.extra_env,
        }
        if self.cwd is not None:
            del env["STREAMAPP_DATA_DIR"]
            # The checkout stays importable from elsewhere (the test wrappers live in it).
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.started_at = time.time()
        # The CLI's default level on purpose: with "warning" or above Faust keeps the root
        # logger at DEBUG for its spinner, and every debug call costs a record.
        self._spawn([*self.launcher, self.command, "--loglevel", "info"], env, self.cwd)
        return self

    def get(self, path: str) -> tuple[int, dict[str, Any]]:
        """GET a path of the worker's web server: (status, JSON body)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}{path}", timeout=2) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Until /readyz answers 200; returns the seconds it took since spawn."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if self.get("/readyz")[0] == 200:
                    return time.time() - self.started_at
            except OSError:
                pass
            time.sleep(0.2)
        raise HarnessError(f"the worker was not ready after {timeout:.0f} s\n{self.log_tail()}")


def faulty_worker(
    bootstrap: str, prefix: str, data_dir: Path, fault: str, key: str, env: dict | None = None
) -> Worker:
    """A real worker with one fault injected (tests/harness/faulty_worker.py)."""
    launcher = ("-m", "tests.harness.faulty_worker", fault, key)
    return Worker(bootstrap, prefix, data_dir, env or {}, launcher=launcher)
