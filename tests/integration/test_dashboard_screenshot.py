"""The picture in docs/dashboard.md: the dashboard after the simulator ran for two
minutes (`--rate 20 --duration 120`, a Netflix piracy wave from 30 s), played at double
speed (`--speed 2`): two minutes of simulated time, dated up to now, in one minute of the
suite's time.

Real parts throughout: the embedded Kafka, a worker, `streamapp simulate` and `streamapp
dashboard`, in Chromium. The screenshot lands in test-artifacts/dashboard-simulated.png;
with STREAMAPP_DOCS_SCREENSHOT=1 it also replaces docs/dashboard.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from streamapp.analytics.platforms import PLATFORMS
from streamapp.panel_dashboard.palette import PLATFORM_COLOURS
from tests.harness.kafka import prepare_topics
from tests.harness.worker import Worker
from tests.integration.dashboard_page import ARTIFACTS, READ_PAGE
from tests.integration.test_dashboard_browser import (  # noqa: F401 (fixtures)
    Watched,
    browser,
    dashboards,
    in_thread,
)

pytestmark = pytest.mark.integration
SIMULATED_S = 120.0  # the two minutes of the simulator
SPEED = 2.0  # played in one minute
RATE = 20  # posts/s, `streamapp simulate`'s default
DOCS = Path(__file__).resolve().parents[2] / "docs" / "dashboard.png"
# Seconds from the first to the last step of the mentions chart holding a post.
POSTED_SPAN = """() => {
  const d = Bokeh.documents[0].get_model_by_name('mention_lines').data;
  let first = Infinity, last = -Infinity;
  d.xs.forEach((xs, i) => Array.from(d.ys[i]).forEach((y, k) => {
    if (y > 0) { first = Math.min(first, xs[k]); last = Math.max(last, xs[k]); } }));
  return (last - first) / 1000;
}"""


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
             "--scenario", "piracy-wave:netflix@30/600", "--duration", str(SIMULATED_S),
             "--speed", str(SPEED)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        watched = Watched(browser.new_page(viewport={"width": 1600, "height": 1000}))
        watched.page.goto(board.url + "?range_s=300")
        watched.wait_for(lambda s: len(s["mentions"]) >= 5, timeout=90)
        # Until the page holds the two simulated minutes (steps of 2 s): the simulator's
        # clock meets the wall clock at their end, one minute after it started.
        span = watched.wait_for(
            lambda s: s >= SIMULATED_S - 6, timeout=SIMULATED_S / SPEED + 60, script=POSTED_SPAN
        )
        assert span <= SIMULATED_S + 4  # dated up to now, not beyond
        seen = watched.page.evaluate(READ_PAGE)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "dashboard-simulated.png"
        watched.page.screenshot(path=str(shot), full_page=True)
        # Every platform drawn has its own colour, read from its line's renderer.
        colours = seen["line_colours"]
        names = {name: pid for pid, name in PLATFORMS.items()}
        assert len(colours) >= 5 and len(set(colours.values())) == len(colours), colours
        assert all(PLATFORM_COLOURS[names[n]] == c for n, c in colours.items()), colours
        # 20 posts/s for two simulated minutes: ~2,400 posts (those naming a platform).
        assert seen["headline"]["posts"] > 1200
        if os.environ.get("STREAMAPP_DOCS_SCREENSHOT") == "1":
            shutil.copyfile(shot, DOCS)
        assert watched.errors == []
    finally:
        if simulator is not None and simulator.poll() is None:
            simulator.terminate()
            simulator.wait(10)
        worker.stop()
