"""`streamapp dashboard` in a child process on a free port, and the headless Chromium
that the browser tests and the dashboard benchmark open it in."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness.kafka import app_id_for
from tests.harness.process import HarnessError, Spawned

# Debian's chromium (`apt-get install chromium`), driven by Playwright without its own
# browser download.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Buckets of seconds, so a test sees its few events spread over the charts.
FAST_SETTINGS = {"STREAMAPP_DASHBOARD_BUCKET_SECONDS": "2"}


@dataclass
class Dashboard(Spawned):
    """`streamapp dashboard` as a user runs it; `start()`, `wait_serving()`, `stop()`."""

    bootstrap: str
    prefix: str  # the topic prefix
    log_dir: Path
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    app_id: str = ""  # default: `<prefix>app`, the workers' (tests/harness/worker.py)
    # Run the dashboard from this checkout's sources instead of the installed ones (the
    # same bench, page and load against older code, side by side).
    code: Path | None = None
    settings: Mapping[str, str] = field(default_factory=lambda: FAST_SETTINGS)
    own_session: bool = False
    port: int = 0
    process: subprocess.Popen | None = None
    log_path: Path | None = None  # `<log_dir>/dashboard-<port>.log` once started
    what = "dashboard"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> Dashboard:
        from streamapp.embedded import free_port

        self.port = free_port()
        self.log_path = self.log_dir / f"dashboard-{self.port}.log"
        environ = {
            **os.environ,
            **self.settings,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "STREAMAPP_TOPIC_PREFIX": self.prefix,
            "STREAMAPP_APP_ID": self.app_id or app_id_for(self.prefix),
            **self.env,
        }
        if self.code is not None:
            environ["PYTHONPATH"] = str(self.code)
        argv = ["-m", "streamapp", "dashboard", "--port", str(self.port), *self.args]
        self._spawn(argv, environ, self.code)
        return self

    def wait_serving(
        self, timeout: float = 30.0, path: str = "liveness", request_timeout: float = 2.0
    ) -> None:
        """Until `path` answers (any status: a 404 or a login redirect is serving too).
        For the page itself give one request the whole timeout: the first page can take
        seconds to build on a loaded machine, and each retry would leave another session."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                with urllib.request.urlopen(self.url + path, timeout=request_timeout):
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.3)
        raise HarnessError(f"the dashboard did not answer in {timeout:.0f} s\n{self.log_tail()}")
