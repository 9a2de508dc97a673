"""The dashboard process and the browser page the dashboard benchmark watches."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import BenchEnv, BenchError

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

# At every redraw of the mentions chart: (wall ms, events the chart counts).
RECORD_REDRAWS = """() => {
  const src = Bokeh.documents[0].get_model_by_name('mention_lines');
  const total = () => { let t = 0; for (const ys of src.data.ys) for (const y of ys) t += y; return t; };
  window.__redraws = [];
  src.connect(src.change, () => window.__redraws.push([Date.now(), total()]));
  return true;
}"""


@dataclass
class DashboardProcess:
    process: subprocess.Popen
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def rss_mb(self) -> float:
        with contextlib.suppress(OSError), open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_dashboard(
    env: BenchEnv, timeout: float = 60.0, code: Path | None = None
) -> DashboardProcess:
    """`streamapp dashboard` on a free port; `code`: another checkout's sources instead of
    the installed ones (the same bench, page and load against older code, side by side)."""
    from streamapp.embedded import free_port

    port = free_port()
    log_path = env.tmp / "dashboard.log"
    environ = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": env.bootstrap,
        "STREAMAPP_TOPIC_PREFIX": env.prefix,
        "STREAMAPP_APP_ID": f"bench-{env.run_id}-worker",
    }
    if code is not None:
        environ["PYTHONPATH"] = str(code)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamapp", "dashboard", "--port", str(port)],
            cwd=code,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    board = DashboardProcess(process, port, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"the dashboard exited:\n{log_path.read_text(errors='replace')}")
        try:
            # One request given the whole timeout: the first page can take seconds to
            # build on a loaded machine, and each retry would leave another session.
            with urllib.request.urlopen(board.url, timeout=timeout):
                return board
        except urllib.error.HTTPError:
            return board
        except OSError:
            time.sleep(0.3)
    board.stop()
    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
    raise BenchError(f"the dashboard did not answer in {timeout:.0f} s:\n{tail}")


class PageProbe:
    """Headless Chromium with the dashboard open and a redraw recorder installed."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.errors: list[str] = []
        self._pw: Any = None
        self._browser: Any = None
        self.page: Any = None
        self._cdp: Any = None

    async def __aenter__(self) -> PageProbe:
        from playwright.async_api import async_playwright

        self._pw = await async_playwright().start()
        self._browser = await self._pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS
        )
        self.page = await self._browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        await self.page.goto(self.url)
        await self.page.wait_for_function(
            "() => window.Bokeh && Bokeh.documents.length"
            " && Bokeh.documents[0].get_model_by_name('mention_lines')",
            timeout=30_000,
        )
        await self.page.evaluate(RECORD_REDRAWS)
        self._cdp = await self.page.context.new_cdp_session(self.page)
        await self._cdp.send("Performance.enable")
        return self

    async def busy_s(self) -> float:
        """Seconds the page's main thread has spent on tasks so far (script, style,
        layout, paint: Chromium's TaskDuration), for the page's share of a redraw's cost."""
        metrics = (await self._cdp.send("Performance.getMetrics"))["metrics"]
        return float(next(m["value"] for m in metrics if m["name"] == "TaskDuration"))

    async def __aexit__(self, *exc: object) -> None:
        await self._browser.close()
        await self._pw.stop()

    async def redraw_count(self) -> int:
        return int(await self.page.evaluate("() => window.__redraws.length"))

    async def wait_for_count(self, events: int, timeout: float) -> list[tuple[float, float]]:
        """Every redraw so far, once the chart counts `events` (or BenchError)."""
        deadline = time.monotonic() + timeout
        while True:
            redraws = await self.page.evaluate("() => window.__redraws")
            if redraws and redraws[-1][1] >= events:
                return [(float(t), float(n)) for t, n in redraws]
            if time.monotonic() > deadline:
                seen = redraws[-1][1] if redraws else 0
                raise BenchError(f"the page showed {seen:.0f} of {events} events after {timeout} s")
            await self.page.wait_for_timeout(200)
