"""Reddit collector: new submissions and comments from the configured subreddits (asyncpraw).

Both listings (`/r/a+b+c/new` and `/r/a+b+c/comments`) are newest first. The cursor keeps,
per listing, a *watermark* (the newest `created_utc` seen) and the ids seen within
`SLACK_S` of it. A round pages back until it passes `watermark - SLACK_S` (or Reddit's
1,000-item listing limit, which is logged as a possible gap) and sends, oldest first, what
it has not seen. The slack catches posts that appear in a listing a little after their
creation time (the spam filter, approvals). The first round sends only the newest page.

Rate limits: asyncprawcore reads Reddit's `X-Ratelimit-*` headers and sleeps before a
request when the budget is spent; a 429 becomes a `SourceError` with its `Retry-After`,
and the runner backs off. Authors are hashed here; names never leave this module.
"""

from __future__ import annotations

import json
from typing import Any

from streamapp.config import RedditSettings
from streamapp.records.raw import (
    RAW_SCHEMA_VERSION,
    InvalidRecord,
    hash_author,
    parse_reddit_post,
)
from streamapp.sources.backoff import parse_retry_after
from streamapp.sources.checkpoints import encode
from streamapp.sources.collector_runner import OutRecord, Round, SourceError, absorb_seen

SLACK_S = 900.0
FIRST_ROUND_LIMIT = 100
MAX_LISTING = 1000  # Reddit serves no further back than this
STREAMS = ("submissions", "comments")


def build_reddit(settings: RedditSettings) -> Any:
    """An asyncpraw client. Settings of ours override a praw.ini; unset ones leave it be."""
    import asyncpraw

    options: dict[str, Any] = {
        "client_id": settings.client_id,
        "client_secret": settings.client_secret.get_secret_value(),
        "user_agent": settings.user_agent,
        "check_for_updates": False,
    }
    if settings.username and settings.password is not None:
        options["username"] = settings.username
        options["password"] = settings.password.get_secret_value()
    if settings.oauth_url:
        options["oauth_url"] = settings.oauth_url
    if settings.reddit_url:
        options["reddit_url"] = settings.reddit_url
    return asyncpraw.Reddit(**options)


def post_record(stream: str, item: Any, salt: str) -> dict[str, Any]:
    """An asyncpraw Submission or Comment -> the `reddit-discussions` value."""
    author = getattr(item, "author", None)
    submission = stream == "submissions"
    return {
        "id": item.fullname,
        "kind": "submission" if submission else "comment",
        "subreddit": str(item.subreddit),
        "title": item.title if submission else None,
        "body": (item.selftext if submission else item.body) or "",
        "score": int(item.score or 0),
        "created_utc": float(item.created_utc),
        "author": hash_author(author.name, salt) if author is not None else None,
        "schema_version": RAW_SCHEMA_VERSION,
        # Reddit's path (`/r/<sub>/comments/<id>/...`): the link in an alert's examples.
        "permalink": _permalink(item),
    }


def _permalink(item: Any) -> str | None:
    path = getattr(item, "permalink", None)
    return path if isinstance(path, str) and path else None


class RedditSource:
    name = "reddit"

    def __init__(
        self,
        settings: RedditSettings,
        author_salt: str,
        topic: str,
        *,
        first_round_limit: int = FIRST_ROUND_LIMIT,
    ) -> None:
        self.settings = settings
        self.salt = author_salt
        self.topic = topic
        self.first_round_limit = first_round_limit
        self._reddit: Any = None

    async def close(self) -> None:
        if self._reddit is not None:
            await self._reddit.close()
            self._reddit = None

    async def fetch(self, cursor: dict[str, Any]) -> Round:
        try:
            return await self._fetch(cursor)
        except SourceError:
            raise
        except Exception as exc:
            raise _as_source_error(exc) from None

    async def _fetch(self, cursor: dict[str, Any]) -> Round:
        if not self.settings.subreddit_list:
            raise SourceError("REDDIT_SUBREDDITS is empty: name at least one subreddit")
        if self._reddit is None:
            self._reddit = build_reddit(self.settings)
        subreddit = await self._reddit.subreddit("+".join(self.settings.subreddit_list))
        marks: dict[str, float] = dict(cursor.get("watermark") or {})
        floors: dict[str, float] = dict(cursor.get("floor") or {})
        seen: dict[str, float] = dict(cursor.get("seen") or {})
        records: list[OutRecord] = []
        notes: list[str] = []
        for stream in STREAMS:
            listing = subreddit.new if stream == "submissions" else subreddit.comments
            mark = marks.get(stream)
            # The first round's oldest item is a floor: later rounds do not reach behind it.
            horizon = None if mark is None else max(mark - SLACK_S, floors.get(stream, 0.0))
            limit = self.first_round_limit if mark is None else MAX_LISTING
            items, reached = [], mark is None
            async for item in listing(limit=limit):
                if horizon is not None and float(item.created_utc) < horizon:
                    reached = True
                    break
                items.append(item)
            if not reached and len(items) >= limit:
                notes.append(
                    f"{stream}: {limit} new items and the checkpoint not reached; "
                    "older ones are beyond Reddit's listing and may be missed"
                )
            for item in reversed(items):  # oldest first
                value = post_record(stream, item, self.salt)
                if value["id"] in seen:
                    continue
                try:
                    parse_reddit_post(encode(value))
                except InvalidRecord as exc:
                    notes.append(f"skipped {value['id']}: {exc}")
                    continue
                seen[value["id"]] = value["created_utc"]
                records.append(OutRecord(self.topic, value["id"], value, value["id"]))
            if items:
                newest = max(float(i.created_utc) for i in items)
                marks[stream] = max(newest, mark or newest)
                if mark is None and len(items) >= limit:
                    floors[stream] = min(float(i.created_utc) for i in items)
        cursor = {"watermark": marks, "floor": floors, "seen": _prune(seen, marks)}
        return Round(records, cursor, notes)

    absorb = staticmethod(absorb_seen)  # the cursor's `seen` holds what was sent

    def identity(self, key: bytes | None, value: bytes | None) -> tuple[str, float] | None:
        if key is None or value is None:
            return None
        try:
            created = float(json.loads(value).get("created_utc") or 0.0)
            return key.decode("utf-8"), created
        except (ValueError, AttributeError, TypeError):
            return None


def _prune(seen: dict[str, float], marks: dict[str, float]) -> dict[str, float]:
    """Keep the ids a later round could still meet (within the slack of their watermark)."""

    def keep(post_id: str, created: float) -> bool:
        mark = marks.get("submissions" if post_id.startswith("t3_") else "comments")
        return mark is None or created >= mark - SLACK_S

    return {pid: created for pid, created in seen.items() if keep(pid, created)}


def _as_source_error(exc: Exception) -> SourceError:
    """asyncprawcore's exceptions -> a SourceError whose message names no secret."""
    from asyncprawcore import exceptions as core

    if isinstance(exc, core.TooManyRequests):
        return SourceError(
            "Reddit answered 429 Too Many Requests",
            rate_limited=True,
            retry_after=parse_retry_after(exc.retry_after),
        )
    refused = isinstance(exc, core.ResponseException) and exc.response.status in (401, 403)
    if refused or isinstance(exc, core.OAuthException | core.InvalidToken | core.Forbidden):
        return SourceError(f"Reddit refused the credentials ({type(exc).__name__})")
    if isinstance(exc, core.BadJSON):
        return SourceError("Reddit's answer was not valid JSON")
    if isinstance(exc, core.ResponseException):
        return SourceError(f"Reddit answered HTTP {exc.response.status}")
    if isinstance(exc, core.RequestException):
        original = type(exc.original_exception).__name__
        return SourceError(f"request to Reddit failed ({original})")
    return SourceError(f"unexpected answer from Reddit ({type(exc).__name__}: {exc})")
