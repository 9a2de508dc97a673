"""Loopback receivers for `streamapp notify`: an HTTP server for webhooks, Slack and
Alertmanager's own webhook receiver, and an SMTP server (aiosmtpd).

The HTTP server answers every POST; a path's queued faults are served first (200, 429
with `Retry-After`, 500, or a delay past the client's timeout). Only requests answered
200 to a sender still connected are recorded as received: what the sender was told
was accepted. (A request whose sender died while the server was busy with it is recorded
as abandoned: the sender sends it again after its restart, as it must.)
"""

from __future__ import annotations

import asyncio
import email
import random
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from email.message import Message

from aiohttp import web

from tests.servers.faults import Fault, next_fault


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


def _error(status: int, headers: dict[str, str]) -> web.Response:
    return web.Response(text="error", status=status, headers=headers)


@dataclass
class Receiver:
    # Upper bound of a random wait before a normal answer (deliveries stay in flight).
    delay: float = 0.0
    always: dict[str, int] = field(default_factory=dict)  # path -> status answered always
    faults: dict[str, deque[Fault]] = field(default_factory=lambda: defaultdict(deque))
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)
    abandoned: list[Received] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(5))
    # While set, every request waits before it is answered (see `Gate`).
    gate: Gate = field(default_factory=lambda: Gate())

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._post)
        return app

    def on(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.read()
        path = request.path
        await self.gate.wait()
        if _gone(request.transport):
            self.abandoned.append(Received(path, dict(request.headers), body))
            return web.Response(text="gone")
        if path in self.always:
            self.refused.append((path, self.always[path]))
            return _error(self.always[path], {})
        failed = await next_fault(self.faults[path], _error)
        if failed is not None:
            self.refused.append((path, failed.status))
            return failed
        if self.delay:
            await asyncio.sleep(self.rng.uniform(0, self.delay))
            if _gone(request.transport):
                # The sender died while we were busy: it never saw an answer, so this is
                # not a delivery it was told about (it will send it again).
                self.abandoned.append(Received(path, dict(request.headers), body))
                return web.Response(text="gone")
        self.received.append(Received(path, dict(request.headers), body))
        return web.Response(text="ok")


def _gone(transport: asyncio.BaseTransport | None) -> bool:
    return transport is None or transport.is_closing()


class Gate:
    """Holds requests while closed: a test closes it, waits until every sender with work
    left is blocked in a request (none between an answer and its bookkeeping), kills the
    sender, and opens it again. Thread-safe: the servers run in their own threads."""

    def __init__(self) -> None:
        self._open = threading.Event()
        self._open.set()
        self.waiting = 0

    def close(self) -> None:
        self._open.clear()

    def open(self) -> None:
        self._open.set()

    async def wait(self) -> None:
        if self._open.is_set():
            return
        self.waiting += 1
        try:
            while not self._open.is_set():
                await asyncio.sleep(0.01)
        finally:
            self.waiting -= 1


class MailSink:
    """aiosmtpd handler: records each message; answers `451` to the first `transient`."""

    def __init__(self, transient: int = 0) -> None:
        self.messages: list[Message] = []
        self.transient = transient
        self.refused = 0
        self._lock = threading.Lock()
        self.gate = Gate()
        self.abandoned = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        await self.gate.wait()
        if _gone(server.transport):
            self.abandoned += 1
            return "421 sender gone"
        with self._lock:
            if self.refused < self.transient:
                self.refused += 1
                return "451 4.3.0 try again later"
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"
