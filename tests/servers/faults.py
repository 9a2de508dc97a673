"""Injected faults, shared by the protocol servers: a status (with `Retry-After`), a
delay, or a body served as-is. Each server says what its error answers look like."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web


@dataclass
class Fault:
    status: int = 200
    retry_after: str | None = None
    delay: float = 0.0
    body: bytes | None = None  # served as-is (e.g. not JSON)


async def next_fault(
    faults: deque[Fault], error: Callable[[int, dict[str, str]], web.Response]
) -> web.Response | None:
    """The answer the next queued fault calls for, or None to answer normally."""
    if not faults:
        return None
    fault = faults.popleft()
    if fault.delay:
        await asyncio.sleep(fault.delay)
    if fault.body is not None:
        return web.Response(body=fault.body, content_type="application/json")
    if fault.status != 200:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        return error(fault.status, headers)
    return None
