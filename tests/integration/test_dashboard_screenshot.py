"""The picture in docs/dashboard.md: the dashboard after two minutes' worth of simulated
posts (the simulator at 40 posts/s for one minute: the same ~2,400 posts as 20 posts/s for
two, in half the suite's time).

Real parts throughout: the embedded Kafka, a worker, `streamapp simulate` (40 posts/s, a
Netflix piracy wave from the first seconds) and `streamapp dashboard`, in Chromium. The
screenshot lands in test-artifacts/dashboard-simulated.png; with
STREAMAPP_DOCS_SCREENSHOT=1 it also replaces docs/dashboard.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from panel_dashboard.palette import PLATFORM_COLOURS
from streamapp.analytics.platforms import PLATFORMS
from tests.integration.dashboard_process import ARTIFACTS, READ_PAGE
from tests.integration.pipeline import Worker, prepare_topics
from tests.integration.test_dashboard_browser import (  # noqa: F401 (fixtures)
    Watched,
    browser,
    dashboards,
    in_thread,
)

pytestmark = pytest.mark.integration
RUN_S = 60.0
RATE = 40  # posts/s
DOCS = Path(__file__).resolve().parents[2] / "docs" / "dashboard.png"


def test_the_page_after_two_minutes_of_the_simulator(
    kafka_broker,
    unique_topic_prefix,
    tmp_path,
    dashboards,  # noqa: F811
    browser,  # noqa: F811
):
    bootstrap, prefix = kafka_broker.bootstrap, unique_topic_prefix + "."
    in_thread(prepare_topics(bootstrap, prefix))
    worker = Worker(bootstrap, prefix, tmp_path / "worker", {}).start()
    simulator = None
    try:
        board = dashboards()
        worker.wait_ready()
        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "STREAMAPP_TOPIC_PREFIX": prefix}
        simulator = subprocess.Popen(
            [sys.executable, "-m", "streamapp", "simulate", "--rate", str(RATE),
             "--scenario", "piracy-wave:netflix@15/600", "--duration", str(RUN_S + 30)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        watched = Watched(browser.new_page(viewport={"width": 1600, "height": 1000}))
        watched.page.goto(board.url + "?range_s=300")
        started = time.monotonic()
        watched.wait_for(lambda s: len(s["mentions"]) >= 5, timeout=90)
        watched.page.wait_for_timeout(max(0.0, RUN_S - (time.monotonic() - started)) * 1000)
        seen = watched.page.evaluate(READ_PAGE)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "dashboard-simulated.png"
        watched.page.screenshot(path=str(shot), full_page=True)
        # Every platform drawn has its own colour, read from its line's renderer.
        colours = seen["line_colours"]
        names = {name: pid for pid, name in PLATFORMS.items()}
        assert len(colours) >= 5 and len(set(colours.values())) == len(colours), colours
        assert all(PLATFORM_COLOURS[names[n]] == c for n, c in colours.items()), colours
        assert seen["headline"]["posts"] > 1000  # about 40 posts/s for a minute
        if os.environ.get("STREAMAPP_DOCS_SCREENSHOT") == "1":
            shutil.copyfile(shot, DOCS)
        assert watched.errors == []
    finally:
        if simulator is not None and simulator.poll() is None:
            simulator.terminate()
            simulator.wait(10)
        worker.stop()
