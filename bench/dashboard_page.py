"""The browser page the dashboard benchmark watches (the dashboard process and the
browser's set-up: tests/harness/dashboard.py)."""

from __future__ import annotations

import time
from typing import Any

from bench.common import BenchError
from tests.harness.dashboard import CHROMIUM, CHROMIUM_FLAGS

# At every redraw of the mentions chart: (wall ms, events the chart counts).
RECORD_REDRAWS = """() => {
  const src = Bokeh.documents[0].get_model_by_name('mention_lines');
  const total = () => { let t = 0; for (const ys of src.data.ys) for (const y of ys) t += y; return t; };
  window.__redraws = [];
  src.connect(src.change, () => window.__redraws.push([Date.now(), total()]));
  return true;
}"""


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
