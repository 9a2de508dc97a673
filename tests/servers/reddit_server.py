"""A loopback server speaking Reddit's OAuth token endpoint and listing JSON.

asyncpraw is pointed at it with `reddit_url` (token endpoint) and `oauth_url` (API), so
its own authentication, paging and parsing run. Faults are queued per request to the
listings: a status with optional `Retry-After`, a delay (timeout), or a malformed body.
"""

from __future__ import annotations

import base64
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.servers.faults import Fault, next_fault


def _reddit_error(status: int, headers: dict[str, str]) -> web.Response:
    return web.json_response({"message": "error", "error": status}, status=status, headers=headers)


@dataclass
class RedditServer:
    client_id: str = "test-client"
    client_secret: str = "test-secret"
    items: list[dict[str, Any]] = field(default_factory=list)  # kind "t3"/"t1" + data
    faults: deque[Fault] = field(default_factory=deque)
    token_requests: int = 0
    grants: list[str] = field(default_factory=list)  # grant_type of each token request
    listing_requests: list[str] = field(default_factory=list)
    auth_headers: list[str] = field(default_factory=list)
    request_times: list[float] = field(default_factory=list)  # monotonic, per listing request
    # What the X-Ratelimit-* headers announce (Reddit: 600 requests per 600 s window).
    ratelimit_remaining: float = 599.0
    ratelimit_reset: int = 300
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def add(
        self,
        kind: str,
        subreddit: str,
        created_utc: float,
        *,
        title: str = "a title",
        body: str = "",
        author: str | None = "someone",
        score: int = 1,
    ) -> str:
        """Adds a submission (kind "t3") or comment ("t1"); returns its fullname."""
        short = format(next(self._ids), "x").rjust(6, "0")
        data: dict[str, Any] = {
            "id": short,
            "name": f"{kind}_{short}",
            "subreddit": subreddit,
            "subreddit_name_prefixed": f"r/{subreddit}",
            "score": score,
            "created_utc": created_utc,
            "author": author if author is not None else "[deleted]",
            "permalink": f"/r/{subreddit}/comments/{short}/",
        }
        if kind == "t3":
            data.update(title=title, selftext=body, is_self=True, num_comments=0)
        else:
            data.update(body=body, link_id="t3_000001", parent_id="t3_000001")
        self.items.append({"kind": kind, "data": data})
        return data["name"]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/v1/access_token", self._token)
        for slash in ("", "/"):  # asyncpraw asks for `/r/a+b/new/`
            app.router.add_get("/r/{subs}/new" + slash, self._listing("t3"))
            app.router.add_get("/r/{subs}/comments" + slash, self._listing("t1"))
        return app

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return web.json_response({"error": 401, "message": "Unauthorized"}, status=401)
        form = await request.post()
        self.grants.append(str(form.get("grant_type")))
        if form.get("grant_type") == "password" and form.get("password") != "hunter2-pw":
            return web.json_response({"error": "invalid_grant"}, status=200)
        if form.get("grant_type") not in ("client_credentials", "password"):
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        return web.json_response(
            {"access_token": "tok-abc", "token_type": "bearer", "expires_in": 86400, "scope": "*"}
        )

    def _listing(self, kind: str):  # type: ignore[no-untyped-def]
        async def handler(request: web.Request) -> web.StreamResponse:
            self.listing_requests.append(str(request.rel_url))
            self.request_times.append(time.monotonic())
            self.auth_headers.append(request.headers.get("Authorization", ""))
            if request.headers.get("Authorization") != "bearer tok-abc":
                return web.json_response({"message": "Unauthorized", "error": 401}, status=401)
            failed = await next_fault(self.faults, _reddit_error)
            if failed is not None:
                return failed
            return self._page(request, kind)

        return handler

    def _page(self, request: web.Request, kind: str) -> web.Response:
        wanted = {s.lower() for s in request.match_info["subs"].split("+")}
        newest_first = sorted(
            (
                i
                for i in self.items
                if i["kind"] == kind and i["data"]["subreddit"].lower() in wanted
            ),
            key=lambda i: (i["data"]["created_utc"], i["data"]["name"]),
            reverse=True,
        )
        after = request.query.get("after")
        if after:
            names = [i["data"]["name"] for i in newest_first]
            newest_first = newest_first[names.index(after) + 1 :] if after in names else []
        limit = min(100, int(request.query.get("limit", "25")))
        page = newest_first[:limit]
        more = len(newest_first) > limit
        body = {
            "kind": "Listing",
            "data": {
                "after": page[-1]["data"]["name"] if more and page else None,
                "before": None,
                "dist": len(page),
                "children": page,
            },
        }
        headers = {
            "x-ratelimit-remaining": str(self.ratelimit_remaining),
            "x-ratelimit-used": str(max(1, int(600 - self.ratelimit_remaining))),
            "x-ratelimit-reset": str(self.ratelimit_reset),
        }
        return web.json_response(body, headers=headers)


async def start_site(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serves `app` on a free loopback port; returns the runner and the base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"
