"""A loopback stand-in for Slack's Web API (`chat.postMessage`, `chat.update`), for
`streamapp notify`'s bot-token destination.

It answers as Slack does: HTTP 200 with `{"ok": true, "channel": <id>, "ts": ...}`, or
HTTP 200 with `{"ok": false, "error": <code>}` (`invalid_auth` for a wrong bearer token,
`channel_not_found` for an unknown channel, `message_not_found` for an edit of a ts it
never gave); queued faults per method come first (429 with `Retry-After`, 500, a delay, or
an `ok: false` body). `chat.update` wants the channel's id, as Slack's does. Every
request's headers are kept, so a test can look for the token where it must not be.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.servers.faults import Fault, next_fault


def _answer(payload: dict[str, Any]) -> web.Response:
    return web.json_response(payload)


def _error(status: int, headers: dict[str, str]) -> web.Response:
    return web.json_response({"ok": False, "error": "http"}, status=status, headers=headers)


def slack_error(code: str) -> Fault:
    """A fault answered with HTTP 200, as Slack answers most of its failures."""
    return Fault(body=json.dumps({"ok": False, "error": code}).encode())


@dataclass
class SlackApi:
    token: str
    channels: dict[str, str] = field(default_factory=lambda: {"#alerts": "C0ALERTS"})
    faults: dict[str, deque[Fault]] = field(default_factory=lambda: defaultdict(deque))
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # ts -> message
    posts: list[dict[str, Any]] = field(default_factory=list)  # accepted postMessage bodies
    edits: list[dict[str, Any]] = field(default_factory=list)  # accepted update bodies
    headers: list[dict[str, str]] = field(default_factory=list)
    abandoned: int = 0
    delay: float = 0.0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self._call)
        return app

    def replies(self, ts: str) -> list[dict[str, Any]]:
        return [p for p in self.posts if p.get("thread_ts") == ts]

    def top_level(self) -> list[dict[str, Any]]:
        return [p for p in self.posts if not p.get("thread_ts")]

    async def _call(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.headers.append(dict(request.headers))
        body = json.loads(await request.read())
        failed = await next_fault(self.faults[method], _error)
        if failed is not None:
            return failed
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _answer({"ok": False, "error": "invalid_auth"})
        if self.delay:
            await asyncio.sleep(self.delay)
        if request.transport is None or request.transport.is_closing():
            self.abandoned += 1  # the sender died waiting: it never saw the answer
            return _answer({"ok": False, "error": "gone"})
        if method == "chat.postMessage":
            return self._post(body)
        if method == "chat.update":
            return self._update(body)
        return _answer({"ok": False, "error": "unknown_method"})

    def _post(self, body: dict[str, Any]) -> web.Response:
        channel = body.get("channel", "")
        channel = self.channels.get(channel, channel)
        if channel not in self.channels.values():
            return _answer({"ok": False, "error": "channel_not_found"})
        thread = body.get("thread_ts")
        if thread is not None and thread not in self.messages:
            return _answer({"ok": False, "error": "thread_not_found"})
        ts = f"{1_800_000_000 + len(self.posts)}.{len(self.posts):06d}"
        message = {**body, "channel": channel, "ts": ts}
        self.messages[ts] = message
        self.posts.append(message)
        return _answer({"ok": True, "channel": channel, "ts": ts, "message": message})

    def _update(self, body: dict[str, Any]) -> web.Response:
        if body.get("channel") not in self.channels.values():
            return _answer({"ok": False, "error": "channel_not_found"})  # a name: not an id
        original = self.messages.get(str(body.get("ts")))
        if original is None or original["channel"] != body["channel"]:
            return _answer({"ok": False, "error": "message_not_found"})
        original.update({k: v for k, v in body.items() if k in ("text", "attachments")})
        self.edits.append(body)
        return _answer({"ok": True, "channel": body["channel"], "ts": body["ts"]})
