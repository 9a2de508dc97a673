"""One supervised child process of `streamapp up`: started with its log, restarted with
a growing back-off that starts short again once the child has run for a while (a worker
that crashes at once is not restarted in a tight loop; one that ran for an hour and then
died is back within a second)."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from streamapp.local.spawn import spawn_logged

MAX_BACKOFF_S = 30.0
HEALTHY_AFTER_S = 60.0  # a child that lived this long starts again from the short back-off


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
