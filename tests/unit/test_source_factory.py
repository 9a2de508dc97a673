"""One factory builds the real collectors for the worker and for `streamapp collect`."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamapp import topics
from streamapp.config import PipelineSettings, RedditSettings, Settings, TrendsSettings
from streamapp.sources.factory import (
    build_source,
    endpoint,
    missing_settings,
    poll_seconds,
    worker_sources,
)
from streamapp.sources.reddit import FIRST_ROUND_LIMIT, RedditSource
from streamapp.sources.trends import TrendsSource


@pytest.fixture(autouse=True)
def no_collector_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "STREAMAPP_TRENDS_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env


def configured() -> Settings:
    return Settings(
        reddit=RedditSettings(client_id="id", client_secret="secret", poll_seconds=42),
        trends=TrendsSettings(enabled=True, keywords="netflix,hulu", poll_seconds=900),
        pipeline=PipelineSettings(author_salt="pepper"),
    )


def test_the_worker_runs_only_what_is_switched_on() -> None:
    assert worker_sources(Settings()) == []
    assert worker_sources(configured()) == ["reddit", "trends"]
    only_trends = Settings(trends=TrendsSettings(enabled=True))
    assert worker_sources(only_trends) == ["trends"]


def test_sources_write_to_their_prefixed_topics_with_the_settings_given() -> None:
    settings = configured()
    reddit = build_source("reddit", settings, topic_prefix="staging.")
    assert isinstance(reddit, RedditSource)
    assert reddit.topic == "staging." + topics.REDDIT_DISCUSSIONS
    assert reddit.salt == "pepper" and reddit.first_round_limit == FIRST_ROUND_LIMIT
    trends = build_source("trends", settings)
    assert isinstance(trends, TrendsSource)
    assert trends.topic == topics.STREAMING_TRENDS and trends.keywords == ["netflix", "hulu"]
    assert (poll_seconds("reddit", settings), poll_seconds("trends", settings)) == (42, 900)


def test_collect_once_sets_reddit_first_round_limit() -> None:
    reddit = build_source("reddit", configured(), first_round_limit=3)
    assert reddit.first_round_limit == 3


def test_what_a_source_lacks_names_the_variables() -> None:
    bare = Settings(trends=TrendsSettings(keywords=" , "))
    assert "REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET" in (missing_settings("reddit", bare) or "")
    assert missing_settings("trends", bare) == "STREAMAPP_TRENDS_KEYWORDS is empty"
    settings = configured()
    assert missing_settings("reddit", settings) is None
    assert missing_settings("trends", settings) is None


def test_an_unknown_source_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown source 'mastodon'; one of reddit, trends"):
        build_source("mastodon", configured())


def test_endpoints_name_the_settings_that_move_them() -> None:
    settings = Settings(reddit=RedditSettings(oauth_url="oauth.example"))
    assert endpoint("reddit", settings) == "endpoints: oauth.example (REDDIT_URL, REDDIT_OAUTH_URL)"
    assert endpoint("trends", settings).endswith("(STREAMAPP_TRENDS_BASE_URL)")
