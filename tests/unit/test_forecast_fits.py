"""Forecast fits in a child process (streamapp/runtime/fit_pool.py): real spawned processes,
killed for real, and the forecaster refitting after its fit process died."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from streamapp.analytics.forecasting import default_models
from streamapp.analytics.forecasting.drivers import Driver
from streamapp.analytics.forecasting.frequency import Frequency
from streamapp.analytics.forecasting.live import LiveConfig, fit_platform
from streamapp.analytics.forecasting.live_drivers import live_context
from streamapp.config import Settings
from streamapp.runtime.fit_pool import FitLost, FitRunner
from streamapp.tables.forecast_state import DemandForecaster
from tests.fakes import FakeTable, FakeTopic, closed_window

WARNING = "the forecast fit process died"


def where_am_i() -> tuple[int, int]:
    return os.getpid(), os.getpriority(os.PRIO_PROCESS, 0)


def die() -> None:
    os._exit(3)  # like an OOM kill: no exception, no result, the process is gone


@dataclass(frozen=True)
class MarkedModel:
    """A baseline whose first call says (with a file) that a fit has begun in the child,
    then takes `seconds`: long enough for the test to kill the child mid-fit. Calls
    after the mark exists are quick."""

    mark: str
    seconds: float
    name: str = "marked"

    def forecast(
        self, stamps: Sequence[datetime], values: Sequence[float], horizon: int, freq: Frequency
    ) -> list[float]:
        mark = Path(self.mark)
        if not mark.exists():
            mark.touch()
            time.sleep(self.seconds)
        return [float(values[-1])] * horizon


async def wait_for(check, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_fit_runs_in_a_lower_priority_child_and_its_arguments_pickle():
    runner = FitRunner("process")
    try:
        pid, nice = await runner.run(where_am_i)
        assert pid != os.getpid() and runner.child_pids() == [pid]
        assert nice > os.getpriority(os.PRIO_PROCESS, 0)
        # what the forecaster sends: history, config, every default model (Prophet's
        # too) and a driver context with an event, and the forecasts coming back
        cfg = LiveConfig(window_seconds=60.0, horizon=5, origins=2)
        points = [[i * 60.0, 20 + i % 5, 50.0] for i in range(40)]
        event = Driver(date(1970, 1, 1), date(1970, 1, 1), "netflix", "price_change", 1.0)
        context = live_context([event], "netflix", "US", "UTC")
        args = (points, cfg, default_models(with_prophet=True), context)
        assert pickle.loads(pickle.dumps(args)) == args  # Prophet's models too
        models = default_models(with_prophet=False)  # a quick fit in the child
        forecasts = await runner.run(fit_platform, points, cfg, models, context)
        assert forecasts == fit_platform(points, cfg, models, context)
        assert (await runner.run(where_am_i))[0] == pid, "one child, kept between fits"
    finally:
        runner.close()


async def test_a_dead_child_is_one_warning_and_the_next_fit_gets_a_new_one(caplog):
    runner = FitRunner("process")
    try:
        first, _ = await runner.run(where_am_i)
        # the dying fit and one queued behind it are both lost: one warning, not two
        dying = asyncio.ensure_future(runner.run(die))
        queued = asyncio.ensure_future(runner.run(where_am_i))
        with caplog.at_level(logging.WARNING, logger="streamapp.runtime.fit_pool"):
            for lost in (dying, queued):
                with pytest.raises(FitLost):
                    await lost
        assert sum(WARNING in r.getMessage() for r in caplog.records) == 1
        second, _ = await runner.run(where_am_i)
        assert second != first
    finally:
        runner.close()


async def test_close_kills_a_fit_under_way_without_waiting_for_it(tmp_path, caplog):
    runner = FitRunner("process")
    mark = tmp_path / "begun"
    slow = MarkedModel(str(mark), seconds=60.0)
    cfg = LiveConfig(window_seconds=60.0, horizon=2, origins=1, min_history=20)
    points = [[i * 60.0, 20, None] for i in range(30)]
    fit = asyncio.ensure_future(runner.run(fit_platform, points, cfg, (slow,)))
    await wait_for(mark.exists)
    [child] = runner.child_pids()
    began = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="streamapp.runtime.fit_pool"):
        runner.close()
        with pytest.raises(FitLost):
            await fit
    assert time.monotonic() - began < 10, "close waited for the 60 s fit"
    await wait_for(lambda: _zombie(child))
    assert not any(WARNING in r.getMessage() for r in caplog.records), "closing is no fault"
    with pytest.raises(FitLost):
        await runner.run(where_am_i)


async def test_a_worker_killed_outright_takes_its_fit_process_with_it():
    # a stand-in worker: one fit in its child, then it waits to be killed
    script = (
        "import asyncio, os\n"
        "from streamapp.runtime.fit_pool import FitRunner\n"
        "async def main():\n"
        "    print(await FitRunner('process').run(os.getpid), flush=True)\n"
        "    await asyncio.sleep(120)\n"
        "asyncio.run(main())\n"
    )
    worker = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(worker.stdout.readline), 60)
        child = int(line)
        assert child != worker.pid and not _zombie(child)
    finally:
        worker.kill()  # SIGKILL: no shutdown code runs in the worker
        worker.wait()
    await wait_for(lambda: _zombie(child), timeout=10)


def _zombie(pid: int) -> bool:
    """Gone, or dead and not yet reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


async def test_the_forecaster_refits_at_its_next_turn_after_its_fit_process_is_killed(
    tmp_path, caplog
):
    settings = Settings()
    settings.forecast.min_history = 20
    settings.forecast.horizon = 2
    settings.forecast.origins = 1
    settings.forecast.refit_seconds = 300
    assert settings.forecast.fit_in == "process", "the default"
    now = [1_000_000.0]  # the forecaster's wall clock, moved by the test
    mark = tmp_path / "begun"
    topics = SimpleNamespace(forecasts=FakeTopic("forecasts"), alerts=FakeTopic("alerts"))
    table = FakeTable()
    forecaster = DemandForecaster(
        table, topics, settings, lambda: now[0], models=(MarkedModel(str(mark), seconds=3.0),)
    )
    try:
        for i in range(20):  # the 20th window launches the first refit
            await forecaster.on_window(closed_window(i, 20))
        assert forecaster.fitting
        await wait_for(mark.exists)
        [child] = forecaster.fits.child_pids()
        with caplog.at_level(logging.WARNING, logger="streamapp.runtime.fit_pool"):
            os.kill(child, signal.SIGKILL)  # mid-fit, as the kernel's OOM killer would
            await forecaster.drain()
        assert sum(WARNING in r.getMessage() for r in caplog.records) == 1
        assert not topics.forecasts.sent and not forecaster.ready
        # the agent goes on: windows are taken, nothing of the history is lost
        await forecaster.on_window(closed_window(20, 20))
        assert len(table["netflix"]["points"]) == 21 and not forecaster.fitting
        # the platform's next turn: a new child, and this fit comes through
        now[0] += settings.forecast.refit_seconds
        await forecaster.on_window(closed_window(21, 20))
        assert forecaster.fitting
        await forecaster.drain()
        assert forecaster.fits.child_pids() not in ([], [child])
        assert sorted(v.metric for _, v, _ in topics.forecasts.sent) == ["interest", "mentions"]
        await forecaster.on_window(closed_window(22, 20))
        assert table["netflix"]["forecasts"]["mentions"]["model"] == "marked"
        assert len(table["netflix"]["points"]) == 23
    finally:
        forecaster.close()
