"""What every process the harness runs shares: spawning it with its output in a log
file, checking it is alive, the log's tail, stopping it (SIGTERM, then SIGKILL), its
resident memory and a py-spy profiler on it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path


class HarnessError(RuntimeError):
    """A process the harness runs died, or was not ready in time (the log tail says why)."""


class Spawned:
    """The part of `Worker` and `Dashboard` that only deals with the child process.

    Subclasses hold `process`, `log_path` and `own_session` (a session of its own, so
    stopping it stops what it started too: the benchmarks' choice) and name it in `what`.
    """

    what = "process"
    process: subprocess.Popen | None
    log_path: Path | None
    own_session: bool

    def _spawn(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path | None) -> None:
        assert self.log_path is not None
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:  # the child keeps its own copy of the file
            self.process = subprocess.Popen(
                [sys.executable, *argv],
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=self.own_session,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None, f"the {self.what} was never started"
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise HarnessError(
                f"the {self.what} exited with code {self.process.returncode}\n{self.log_tail()}"
            )

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return f"(no {self.what} log)"
        text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return f"--- {self.log_path} (tail) ---\n" + "\n".join(text)

    def _signal(self, sig: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            if self.own_session:
                os.killpg(self.process.pid, sig)
            else:
                self.process.send_signal(sig)

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no last commit (what a crash or an OOM kill does)."""
        if self.running():
            self._signal(signal.SIGKILL)
            assert self.process is not None
            self.process.wait(10)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (a clean shutdown), then SIGKILL if it takes longer than `timeout`."""
        if not self.running():
            return
        assert self.process is not None
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            print(f"# {self.what} did not stop in {timeout:.0f} s: killing it", file=sys.stderr)
            self.kill()

    def rss_mb(self) -> float:
        return rss_mb(self.pid)

    def start_profiler(self, path: Path) -> subprocess.Popen:
        """py-spy sampling this process into *path* (collapsed stacks)."""
        return start_profiler(self.pid, path)


def rss_mb(pid: int) -> float:
    """Resident memory of process *pid* in MB (Linux's /proc)."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise HarnessError(f"no VmRSS for process {pid}")


def start_profiler(pid: int, path: Path, gil: bool = True) -> subprocess.Popen:
    """py-spy (pip install py-spy) sampling process *pid* into *path* (collapsed stacks);
    `gil`: only samples holding the GIL (CPU work, not waits). SIGINT makes it write."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return subprocess.Popen(
        [exe, "record", "--pid", str(pid), "--rate", "250", "--format", "raw"]
        + (["--gil"] if gil else [])
        + ["--output", str(path), "--nonblocking"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
