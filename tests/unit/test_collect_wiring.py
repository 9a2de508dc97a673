"""Which collectors a worker runs, and what `up` says about them (no network here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamapp.app import create_app
from streamapp.config import RedditSettings, Settings, TrendsSettings
from streamapp.local.options import UpOptions
from streamapp.local.plan_text import collector_rows
from streamapp.local.supervisor import Supervisor
from streamapp.sources.trends import platform_for_keyword


def collector_timers(app) -> set[str]:  # type: ignore[no-untyped-def]
    # Faust keeps app tasks and timers in `_app_tasks`, wrapped (functools.wraps) by name.
    names = {getattr(t, "__name__", "") for t in app._app_tasks}
    return names & {"collect_reddit", "collect_trends"}


@pytest.fixture(autouse=True)
def no_collector_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "STREAMAPP_TRENDS_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env


def test_the_default_worker_runs_no_collector() -> None:
    app = create_app(Settings())
    assert collector_timers(app) == set()
    assert not getattr(app, "health_reporters", [])


def test_configured_sources_get_leader_only_timers_and_a_health_report() -> None:
    settings = Settings(
        reddit=RedditSettings(client_id="id", client_secret="secret"),
        trends=TrendsSettings(enabled=True),
    )
    app = create_app(settings)
    assert collector_timers(app) == {"collect_reddit", "collect_trends"}
    assert len(app.health_reporters) == 1


def test_reddit_needs_both_id_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDDIT_CLIENT_ID", "abc")
    assert not Settings().reddit.configured
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "xyz")
    settings = Settings()
    assert settings.reddit.configured and "xyz" not in repr(settings)
    assert settings.reddit.subreddit_list[:2] == ["cordcutters", "netflix"]


def test_up_says_whether_the_simulator_or_the_real_collector_feeds_the_worker() -> None:
    bootstrap = "127.0.0.1:1"
    plain = Supervisor(UpOptions(), Settings())
    assert "simulator" in {c.name for c in plain._plan(bootstrap)}
    assert "simulator runs" in collector_rows(plain.options, plain.settings)[0][1]
    real = Supervisor(
        UpOptions(), Settings(reddit=RedditSettings(client_id="id", client_secret="secret"))
    )
    assert "simulator" not in {c.name for c in real._plan(bootstrap)}
    assert "real collector in the worker" in collector_rows(real.options, real.settings)[0][1]


@pytest.mark.parametrize(
    ("keyword", "platform"),
    [
        ("netflix", "netflix"),
        ("hbo max", "max"),
        ("Disney Plus", "disney_plus"),
        ("cancel netflix", None),
        ("free streaming", None),
        ("netflix vs hulu", None),
    ],
)
def test_trend_keywords_map_to_platforms(keyword: str, platform: str | None) -> None:
    assert platform_for_keyword(keyword) == platform
