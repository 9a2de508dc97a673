"""The per-session Panel view fed by a fake feed, the auth options and the command line."""

from __future__ import annotations

import re

import numpy as np
import pytest
from pydantic import SecretStr

from streamapp.analytics.platforms import PLATFORMS
from streamapp.cli import build_parser
from streamapp.cli.dashboard import settings_from
from streamapp.config import DashboardSettings
from streamapp.panel_dashboard import records
from streamapp.panel_dashboard.login_page import login_template
from streamapp.panel_dashboard.server import AuthConfigError, auth_options
from streamapp.panel_dashboard.state import DashboardState
from streamapp.panel_dashboard.view import DashboardView

NOW = 1_800_000_000.0


class FakeFeed:
    """What the server's Kafka feed offers a view: the shared state."""

    def __init__(self) -> None:
        self.now = NOW
        self.state = DashboardState(bucket_s=5, clock=lambda: self.now)


@pytest.fixture
def feed() -> FakeFeed:
    return FakeFeed()


def post(t: float, platform: str = "netflix", intents: tuple[str, ...] = ()) -> records.Signal:
    return records.Signal(t, (platform,), frozenset(intents), 0.3, None, None)


def test_a_refresh_shows_what_the_feed_brought(feed):
    view = DashboardView(feed, clock=lambda: feed.now)
    view.refresh()
    assert view.mentions.data["platform"] == []
    for i in range(40):
        feed.state.apply_signal(post(NOW - 20 + i * 0.5, "netflix", ("piracy",) if i < 5 else ()))
    feed.state.apply_alert(
        {
            "alert_id": "x1",
            "rule": "piracy_surge",
            "platform": "netflix",
            "status": "firing",
            "severity": "critical",
            "message": "Netflix: piracy posts at 5.00",
            "fired_epoch": NOW,
        }
    )
    assert view.refresh() is True
    assert view.mentions.data["label"] == ["Netflix"]
    assert sum(view.mentions.data["ys"][0]) == 40
    assert sum(view.piracy.data["ys"][0]) == 5
    assert view.alerts.data["rule"] == ["piracy_surge"]
    assert view.alerts.data["colour"] == ["#c62828"]
    assert "signals: newest" in view.badges.object
    assert view.freshness.data["messages"][0] == 40


def test_each_platform_is_its_own_line_with_its_own_colour_and_legend_entry(feed):
    view = DashboardView(feed, clock=lambda: feed.now)
    feed.state.apply_signal(post(NOW - 10, "netflix"))
    feed.state.apply_signal(post(NOW - 10, "youtube_tv"))
    view.refresh()
    items = view.mentions_fig.legend[0].items
    assert len(items) == 10 and view.mentions_fig.legend[0].click_policy == "hide"
    shown = {i.label.value: i.renderers[0].glyph.line_color for i in items if i.visible}
    assert shown == {"Netflix": "#D55E00", "YouTube TV": "#882255"}
    # every entry hides only its own platform: one renderer each, filtered to its rows
    assert len({id(i.renderers[0]) for i in items}) == 10
    assert {i.renderers[0].view.filter.group for i in items} == set(PLATFORMS)


def test_a_burst_of_events_is_one_redraw_not_one_per_event(feed):
    view = DashboardView(feed, clock=lambda: feed.now)
    view.refresh()
    for i in range(5000):
        feed.state.apply_signal(post(NOW - 1 + i / 10_000))
    redraws = sum(view.refresh() for _ in range(10))  # ten ticks of the periodic callback
    assert redraws == 1
    assert sum(view.mentions.data["ys"][0]) == 5000


def test_a_redraw_sends_only_the_sources_that_changed(feed):
    view = DashboardView(feed, clock=lambda: feed.now)
    feed.state.apply_signal(post(NOW - 10, "netflix", ("piracy",)))
    view.refresh()
    mentions, piracy, headline = view.mentions.data, view.piracy.data, view.headline.object
    assert isinstance(mentions["ys"][0], np.ndarray)  # one binary buffer, not a JSON list
    feed.state.apply_signal(post(NOW - 9, "netflix"))  # a post of no intent, same step
    assert view.refresh() is True
    assert view.mentions.data is not mentions and sum(view.mentions.data["ys"][0]) == 2
    assert view.piracy.data is piracy  # the same numbers: not serialised, sent nor drawn
    assert view.headline.object != headline  # the headline's posts moved to 2


def test_filters_narrow_every_view(feed):
    view = DashboardView(feed, clock=lambda: feed.now)
    feed.state.apply_signal(post(NOW - 100, "netflix"))
    feed.state.apply_signal(post(NOW - 1000, "hulu"))
    view.platforms = ["hulu"]
    view.range_s = 3600
    view.refresh()
    assert view.mentions.data["label"] == ["Hulu"]
    view.range_s = 300  # the hulu post is 1000 s old: out of range
    view.refresh()
    assert view.mentions.data["label"] == []
    assert view.share.data["platform"] == []


def test_forecast_bands_appear_when_forecasts_exist(feed):
    view = DashboardView(feed, clock=lambda: feed.now)
    view.refresh()
    assert view.forecast_note.visible and view.forecasts.data["label"] == []
    points = tuple((NOW + 60 * k, 10.0, 8.0, 12.0) for k in range(3))
    feed.state.apply_forecast(records.Forecast("netflix", "mentions", "prophet", NOW, points))
    view.refresh()
    assert view.forecasts.data["label"] == ["Netflix mentions (prophet)"]
    assert not view.forecast_note.visible and view.forecast_pane.visible
    view.forecast_metric = "interest"  # counts and 0-100 interest are never on one axis
    view.refresh()
    assert view.forecasts.data["label"] == [] and "interest" in view.forecast_note.object


def test_the_layout_renders_to_bokeh_models(feed):
    model = DashboardView(feed).__panel__().get_root()
    names = {m.name for m in model.references() if m.name}
    assert {"mention_lines", "alerts", "freshness", "switching", "forecasts"} <= names


def test_auth_needs_a_cookie_secret_and_ships_an_offline_login_page():
    assert auth_options(DashboardSettings()) == {}
    with pytest.raises(AuthConfigError, match="cookie secret"):
        auth_options(DashboardSettings(basic_auth=SecretStr("pw")))
    options = auth_options(
        DashboardSettings(basic_auth=SecretStr("pw"), cookie_secret=SecretStr("c" * 32))
    )
    assert options["basic_auth"] == "pw" and options["login_template"] == str(login_template())
    page = login_template().read_text()
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing from outside
    assert 'name="username"' in page and 'name="password"' in page
    oauth = auth_options(
        DashboardSettings(
            oauth_provider="github",
            oauth_key="k",
            oauth_secret=SecretStr("s"),
            cookie_secret=SecretStr("c"),
        )
    )
    assert oauth["oauth_provider"] == "github" and oauth["oauth_secret"] == "s"


def test_command_line_options_override_the_environment(monkeypatch):
    monkeypatch.setenv("STREAMAPP_DASHBOARD_PORT", "7000")
    args = build_parser().parse_args(["dashboard", "--basic-auth", "pw", "--cookie-secret", "c"])
    settings = settings_from(args)
    assert settings.dashboard.port == 7000
    assert settings.dashboard.basic_auth.get_secret_value() == "pw"
    assert "pw" not in repr(settings.dashboard)  # secrets stay masked
    args = build_parser().parse_args(["dashboard", "--port", "5100"])
    assert settings_from(args).dashboard.port == 5100
