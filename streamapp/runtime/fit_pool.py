"""Where forecast fits run: a child process (the default) or a thread of the worker.

A Prophet fit is seconds of CPU in pandas, Stan and Python. In a thread it holds the
GIL in bursts against the event loop, and pandas and Prophet stay in the worker's
memory for good (about 120 MB, docs/benchmarks.md "Soak"). In a child process the loop
only pickles the history over and the forecasts back, and the child runs at a lower CPU
priority, so on a busy machine the stream goes first.

The child is started with "spawn", never "fork": a Faust worker has threads and open
sockets, and a forked copy would inherit locks held by other threads. One child, kept
between fits (its imports are paid once); a child that dies (an OOM kill, a crash)
breaks its pool: `FitRunner` logs one warning, the next fit gets a new pool, and the
fits that were lost raise `FitLost` (the forecaster retries them at their next turn).
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, TypeVar

log = logging.getLogger(__name__)

FitIn = Literal["process", "thread"]
T = TypeVar("T")
# Added to the child's nice value: the worker's loop is served first when CPUs are short.
CHILD_NICENESS = 10
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class FitLost(RuntimeError):
    """The fit process died before this fit's result came back."""


def _child_start(parent: int) -> None:
    """In the fit process, before its first fit. The worker owns the child's lifetime
    (it kills it at shutdown): a Ctrl-C or a SIGTERM sent to the whole process group
    must not kill it mid-fit and leave the worker to log a broken pool while stopping.
    A worker killed outright takes the child with it (Linux), which would otherwise wait
    for work forever: it holds its own end of the task queue, so it never reads EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.nice(CHILD_NICENESS)
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the worker died before the line above took effect
        os._exit(1)


class FitRunner:
    """Runs blocking fit functions off the event loop, in `where` ("process" or
    "thread"). Functions and arguments must pickle in "process" mode."""

    def __init__(self, where: FitIn = "process") -> None:
        if where not in ("process", "thread"):
            raise ValueError(f"forecast fits run in 'process' or 'thread', not {where!r}")
        self.where = where
        self.closed = False
        # Made at the first fit: a process pool's queues start multiprocessing's
        # resource tracker, which a worker that never fits does not need.
        self._pool: Executor | None = None

    def _new_pool(self) -> Executor:
        if self.where == "thread":
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="forecast-fit")
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_child_start,
            initargs=(os.getpid(),),
        )

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self.closed:
            raise FitLost("the forecast fit runner is closed")
        if self._pool is None:
            self._pool = self._new_pool()
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
        except BrokenProcessPool as exc:
            # Every fit queued in the dead pool lands here; the first one replaces it.
            if pool is self._pool and not self.closed:
                log.warning(
                    "the forecast fit process died (%s); starting a new one, the lost "
                    "fits run again at their platforms' next refit",
                    exc,
                )
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            raise FitLost(str(exc)) from None

    def child_pids(self) -> list[int]:
        """The fit processes alive now (none in "thread" mode or before the first fit)."""
        return [p.pid for p in _live_children(self._pool)]

    def close(self) -> None:
        """At worker shutdown: queued fits are cancelled and a fit under way is killed
        (a fit holds no state, and a Prophet fit could hold shutdown for seconds)."""
        self.closed = True
        pool, self._pool = self._pool, None
        if pool is None:
            return
        children = _live_children(pool)
        pool.shutdown(wait=False, cancel_futures=True)
        for child in children:
            child.kill()  # SIGKILL: the child ignores SIGTERM (see _child_start)


def _live_children(pool: Executor | None) -> list[Any]:
    # ProcessPoolExecutor keeps its children in `_processes` (pid -> Process); the
    # standard library has no public accessor before Python 3.14 (terminate_workers).
    processes = getattr(pool, "_processes", None) or {}
    return [p for p in list(processes.values()) if p.is_alive()]
