"""`streamapp up` as a user runs it: broker, worker and simulator, supervised."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from streamapp.embedded import free_port
from streamapp.local.child import port_in_use
from tests.harness.kafka import read_until
from tests.harness.worker import FAST_SETTINGS

pytestmark = pytest.mark.integration


class Output:
    """Collects a child's stdout lines in the background."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._pump, args=(process,), daemon=True)
        self._thread.start()

    def _pump(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if text in line:
                    return line
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not printed in {timeout}s:\n" + "\n".join(self.lines))


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def wait_healthy(port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(port):
            return
        time.sleep(0.3)
    raise AssertionError(f"worker on {port} not healthy in {timeout}s")


def posts_in_warehouse(data_dir) -> int | None:  # type: ignore[no-untyped-def]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamapp",
            "sql",
            "SELECT COUNT(*) AS N FROM POSTS",
            "--json",
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(done.stdout)[0]["N"] if done.returncode == 0 else None


def wait_for_posts_in_warehouse(data_dir, at_least: int, timeout: float = 60) -> int:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    count = None
    while time.monotonic() < deadline:
        count = posts_in_warehouse(data_dir)
        if count is not None and count >= at_least:
            return count
        time.sleep(1)
    raise AssertionError(f"the warehouse in {data_dir} has {count} posts, not {at_least}")


async def test_up_runs_supervises_and_stops_cleanly(tmp_path):
    broker_port, web_port, warehouse_port = free_port(), free_port(), free_port()
    data_dir = tmp_path / "data"
    env = {
        **os.environ,
        **FAST_SETTINGS,
        "STREAMAPP_KAFKA_CACHE": os.environ.get(
            "STREAMAPP_KAFKA_CACHE", os.path.expanduser("~/.cache/streamapp")
        ),
    }
    up = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamapp",
            "up",
            "--broker-port",
            str(broker_port),
            "--data-dir",
            str(data_dir),
            "--web-port",
            str(web_port),
            "--warehouse-port",
            str(warehouse_port),
            "--rate",
            "30",
            "--no-dashboard",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    out = Output(up)
    try:
        out.wait_for("Ctrl-C stops everything")
        assert f"kafka on 127.0.0.1:{broker_port}" in out.wait_for("  broker ")
        assert f"http://127.0.0.1:{web_port}/healthz" in out.wait_for("  worker-1")
        assert "30 posts/s" in out.wait_for("  simulator")
        wait_healthy(web_port)
        bootstrap = f"127.0.0.1:{broker_port}"
        signals = await read_until(bootstrap, "discussion-signals", lambda r: len(r) >= 50)
        assert len(signals) >= 50  # simulator -> broker -> worker -> signals
        assert "local warehouse" in out.wait_for("  warehouse ")
        assert "sink into the local warehouse" in out.wait_for("  sink ")
        loaded = wait_for_posts_in_warehouse(data_dir, at_least=20)

        # A worker that dies is restarted.
        pid = int(
            subprocess.check_output(
                ["pgrep", "-f", f"streamapp worker --web-port {web_port}"], text=True
            ).split()[0]
        )
        os.kill(pid, signal.SIGKILL)
        out.wait_for("worker-1 exited with code")
        out.wait_for("worker-1 restarted")
        wait_healthy(web_port)

        # Ctrl-C stops everything, in order, and frees the ports.
        os.killpg(up.pid, signal.SIGINT)
        assert up.wait(90) == 0
        out.wait_for("streamapp up: stopped.")
        assert not port_in_use(broker_port) and not port_in_use(web_port)
        assert not port_in_use(warehouse_port)

        # What the warehouse holds survives: serve the same data dir again and look.
        serve = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamapp",
                "warehouse",
                "serve",
                "--data-dir",
                str(data_dir),
                "--port",
                str(warehouse_port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert wait_for_posts_in_warehouse(data_dir, at_least=loaded) >= loaded
        finally:
            serve.terminate()
            serve.wait(30)
    finally:
        if up.poll() is None:  # a failed assertion: stop it as a user would, then hard
            os.killpg(up.pid, signal.SIGINT)
            try:
                up.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(up.pid, signal.SIGKILL)


def test_children_of_a_killed_up_do_not_outlive_it(tmp_path):
    """Even a SIGKILLed supervisor leaves nothing running (parent-death signal)."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from streamapp.local.spawn import spawn_logged; "
            "c = spawn_logged([sys.executable, '-c', 'import time; time.sleep(120)'], "
            f"Path({str(tmp_path / 'child.log')!r})); print(c.pid, flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    child_pid = int(parent.stdout.readline())
    os.kill(child_pid, 0)  # running
    parent.kill()
    parent.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(child_pid, signal.SIGKILL)
    raise AssertionError("the child outlived its SIGKILLed parent")
