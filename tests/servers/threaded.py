"""Run an aiohttp app on loopback in a background thread (for servers a subprocess talks to)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import web

from tests.servers.reddit_server import start_site


@contextmanager
def serve_in_thread(
    app: web.Application,
) -> Iterator[tuple[str, Callable[[Callable[[], Any]], Any]]]:
    """Yields (base URL, call): `call(fn)` runs `fn` on the server's loop (safe mutation)."""
    loop = asyncio.new_event_loop()
    ready: dict[str, Any] = {}
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        runner, url = loop.run_until_complete(start_site(app))
        ready.update(runner=runner, url=url)
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=run, name="test-server", daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("test server did not start")

    def call(fn: Callable[[], Any]) -> Any:
        async def wrapped() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(wrapped(), loop).result(10)

    try:
        yield ready["url"], call
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
