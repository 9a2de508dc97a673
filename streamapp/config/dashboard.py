"""The live dashboard, `streamapp dashboard`: where it listens, what it remembers and
who may open it (`STREAMAPP_DASHBOARD_*`).
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from streamapp.config.defaults import DEFAULT_DASHBOARD_PORT, env_section


class DashboardSettings(BaseSettings):
    """The live dashboard, `streamapp dashboard` (`STREAMAPP_DASHBOARD_*`)."""

    model_config = env_section("STREAMAPP_DASHBOARD_")

    host: str = "127.0.0.1"
    port: int = Field(default=DEFAULT_DASHBOARD_PORT, ge=0, le=65535)
    # Extra `host:port` origins allowed to open the websocket (behind a proxy), comma-separated.
    allow_websocket_origin: str = ""
    # What the dashboard remembers and redraws: memory stays flat, whatever the event rate.
    history_seconds: float = Field(default=6 * 3600.0, gt=0)
    bucket_seconds: float = Field(default=5.0, gt=0)
    refresh_ms: int = Field(default=250, ge=50)
    # A password for any user name, or the path of a JSON file {"user": "password"}.
    basic_auth: SecretStr | None = None
    # Signs the login cookie; required with basic auth or OAuth.
    cookie_secret: SecretStr | None = None
    # Panel's OAuth providers (github, google, azure, gitlab, okta, auth0, generic, ...).
    oauth_provider: str | None = None
    oauth_key: str | None = None
    oauth_secret: SecretStr | None = None
    oauth_redirect_uri: str | None = None
    oauth_encryption_key: SecretStr | None = None
