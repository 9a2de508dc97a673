"""The real collectors, built in one place for the worker and for `streamapp collect`.

Both build a source from the same settings, so a new option of a source, or a new
source, is wired once. The worker runs the sources that are switched on
(`worker_sources`: Reddit with credentials, Trends when enabled); `streamapp collect`
builds the one it is asked for after `missing_settings` found nothing lacking.
Each source's module is imported only when it is built (asyncpraw is heavy).
"""

from __future__ import annotations

from typing import Any

from streamapp import topics

SOURCE_NAMES = ("reddit", "trends")


def worker_sources(settings: Any) -> list[str]:
    """The sources a worker runs: Reddit once it has credentials, Trends once enabled."""
    names = []
    if settings.reddit.configured:
        names.append("reddit")
    if settings.trends.enabled:
        names.append("trends")
    return names


def missing_settings(name: str, settings: Any) -> str | None:
    """What `name` lacks before it can fetch anything, naming the variables; None: nothing."""
    if name == "reddit" and not settings.reddit.configured:
        return (
            "no credentials; set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET (and REDDIT_USER_AGENT)"
        )
    if name == "trends" and not settings.trends.keyword_list:
        return "STREAMAPP_TRENDS_KEYWORDS is empty"
    return None


def build_source(
    name: str, settings: Any, *, topic_prefix: str = "", first_round_limit: int | None = None
) -> Any:
    """The collector `name` writing to its raw topic (behind `topic_prefix`).

    `first_round_limit`: Reddit's newest items per listing on a first round (its own
    default when None)."""
    if name == "reddit":
        from streamapp.sources.reddit import RedditSource

        salt = settings.pipeline.author_salt.get_secret_value()
        options = {} if first_round_limit is None else {"first_round_limit": first_round_limit}
        return RedditSource(
            settings.reddit, salt, topic_prefix + topics.REDDIT_DISCUSSIONS, **options
        )
    if name == "trends":
        from streamapp.sources.trends import TrendsSource

        return TrendsSource(settings.trends, topic_prefix + topics.STREAMING_TRENDS)
    raise ValueError(f"unknown source {name!r}; one of {', '.join(SOURCE_NAMES)}")


def poll_seconds(name: str, settings: Any) -> float:
    """How often the worker runs a round of `name`."""
    section = settings.reddit if name == "reddit" else settings.trends
    return float(section.poll_seconds)


def endpoint(name: str, settings: Any) -> str:
    """Where the source asks, and the settings that say so (for a failure line)."""
    if name == "reddit":
        reddit = settings.reddit
        urls = [url for url in (reddit.reddit_url, reddit.oauth_url) if url]
        where = " and ".join(urls) or "asyncpraw's defaults"
        return f"endpoints: {where} (REDDIT_URL, REDDIT_OAUTH_URL)"
    return f"endpoint: {settings.trends.base_url} (STREAMAPP_TRENDS_BASE_URL)"
