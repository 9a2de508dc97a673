"""The dashboard's Panel server: one feed per process, one view per browser session.

Everything the page loads is served by this server (Bokeh's and Panel's bundled JS and
CSS under /static, our own login page): nothing comes from a CDN, so the dashboard works
on a machine without internet. With basic auth or OAuth on, Panel's auth provider guards
every handler, the websocket included: no cookie, no page and no session.
"""

from __future__ import annotations

import logging
import signal
from dataclasses import dataclass, field
from typing import Any

import panel as pn

from streamapp.config import DashboardSettings
from streamapp.panel_dashboard.feed import KafkaFeed
from streamapp.panel_dashboard.login_page import login_template
from streamapp.panel_dashboard.view import DashboardView

log = logging.getLogger(__name__)


class AuthConfigError(ValueError):
    """Auth asked for without what it needs (a cookie secret)."""


@dataclass
class DashboardServer:
    settings: DashboardSettings
    feed: KafkaFeed
    _server: Any = field(default=None, init=False)

    def _session(self) -> pn.viewable.Viewable:
        view = DashboardView(self.feed)
        view.refresh()
        # The batching: each session redraws from a periodic callback (a few times a
        # second), however many events arrived since the last one.
        pn.state.add_periodic_callback(view.refresh, period=self.settings.refresh_ms)
        return view.__panel__()

    def origins(self, port: int) -> list[str]:
        extra = [o.strip() for o in self.settings.allow_websocket_origin.split(",") if o.strip()]
        hosts = {self.settings.host, "127.0.0.1", "localhost"}
        return sorted(f"{host}:{port}" for host in hosts) + extra

    def auth_options(self) -> dict[str, Any]:
        return auth_options(self.settings)

    def build(self) -> Any:
        """The Panel (Bokeh/Tornado) server, not started yet."""
        port = self.settings.port
        self._server = pn.serve(
            {"/": self._session},
            port=port,
            address=self.settings.host,
            websocket_origin=self.origins(port),
            show=False,
            start=False,
            title="streamapp: streaming platforms, live",
            **self.auth_options(),
        )
        return self._server

    def run(self) -> None:
        """Serve until interrupted (the feed runs on the server's event loop)."""
        server = self._server or self.build()
        server.io_loop.add_callback(self.feed.start)
        server.start()
        # SIGTERM (from `streamapp up` or Kubernetes) stops the loop like Ctrl-C does.
        for sig in (signal.SIGINT, signal.SIGTERM):
            server.io_loop.asyncio_loop.add_signal_handler(sig, server.io_loop.stop)
        try:
            server.io_loop.start()
        finally:
            server.io_loop.run_sync(self.feed.stop)


def auth_options(settings: DashboardSettings) -> dict[str, Any]:
    """pn.serve's auth keywords; secrets are unwrapped here only, never logged."""
    basic, oauth = settings.basic_auth, settings.oauth_provider
    if not basic and not oauth:
        return {}
    if settings.cookie_secret is None or not settings.cookie_secret.get_secret_value():
        raise AuthConfigError(
            "the dashboard's login needs a cookie secret: give --cookie-secret or set "
            "STREAMAPP_DASHBOARD_COOKIE_SECRET (a long random string)"
        )
    options: dict[str, Any] = {"cookie_secret": settings.cookie_secret.get_secret_value()}
    if basic:
        options["basic_auth"] = basic.get_secret_value()
        options["login_template"] = str(login_template())
        return options
    options["oauth_provider"] = oauth
    if settings.oauth_key:
        options["oauth_key"] = settings.oauth_key
    if settings.oauth_secret:
        options["oauth_secret"] = settings.oauth_secret.get_secret_value()
    if settings.oauth_redirect_uri:
        options["oauth_redirect_uri"] = settings.oauth_redirect_uri
    if settings.oauth_encryption_key:
        options["oauth_encryption_key"] = settings.oauth_encryption_key.get_secret_value()
    return options
