"""`streamapp notify`: the destinations alerts are delivered to, their routing filters
and the delivery retries (`STREAMAPP_NOTIFY_*`, docs/notify.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from streamapp.config.defaults import env_section


class RouteFilterSettings(BaseSettings):
    """Which alerts one `notify` destination gets: `STREAMAPP_NOTIFY_<DEST>_RULES` and
    `_PLATFORMS` (comma-separated, empty = all), `_MIN_SEVERITY` (info < warning <
    critical). One type for every destination, each read with its own prefix."""

    model_config = env_section("STREAMAPP_NOTIFY_")  # each field of NotifySettings sets its own

    rules: str = ""
    platforms: str = ""
    min_severity: str = Field(default="info", pattern=r"^(info|warning|critical)$")


def _route_filter(destination: str) -> Any:
    """A NotifySettings field: the filter read from `STREAMAPP_NOTIFY_<destination>_*`."""
    prefix = f"STREAMAPP_NOTIFY_{destination}_"
    # `_env_prefix` is BaseSettings' own init argument; the pydantic mypy plugin only
    # knows the declared fields.
    return Field(default_factory=lambda: RouteFilterSettings(_env_prefix=prefix))  # type: ignore[call-arg]


class NotifySettings(BaseSettings):
    """`streamapp notify`: alerts delivered to people (`STREAMAPP_NOTIFY_*`, docs/notify.md).

    Every destination is off until its address is set. URLs of webhooks carry tokens, so
    they are `SecretStr` like the passwords; only a destination's kind and host are logged.
    Routing per destination (`<DEST>` = `ALERTMANAGER`, `WEBHOOK`, `SLACK`, `SMTP`):
    `_RULES` and `_PLATFORMS` (comma-separated, empty = all) and `_MIN_SEVERITY`.
    """

    model_config = env_section("STREAMAPP_NOTIFY_")

    alertmanager_url: SecretStr = SecretStr("")  # base URL(s), comma-separated (HA pairs)
    alertmanager_resend_seconds: float = Field(default=60.0, gt=0)
    webhook_url: SecretStr = SecretStr("")  # comma-separated for several
    webhook_secret: SecretStr = SecretStr("")  # HMAC-SHA256 key; required with a webhook
    slack_webhook_url: SecretStr = SecretStr("")
    # Slack's Web API instead (threads and edits the resolution): a bot token with
    # chat:write, the channel (name or id), and the API's base URL (tests point it home).
    slack_bot_token: SecretStr = SecretStr("")
    slack_channel: str = ""
    slack_api_url: str = "https://slack.com/api"
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = ""
    smtp_to: str = ""  # comma-separated
    smtp_starttls: bool = True
    smtp_cafile: Path | None = None  # PEM CA for the server's certificate; unset = system CAs
    # Routing, one filter per destination kind (`STREAMAPP_NOTIFY_<DEST>_RULES` ...).
    alertmanager_route: RouteFilterSettings = _route_filter("ALERTMANAGER")
    webhook_route: RouteFilterSettings = _route_filter("WEBHOOK")
    slack_route: RouteFilterSettings = _route_filter("SLACK")
    smtp_route: RouteFilterSettings = _route_filter("SMTP")
    # Delivery attempts per (alert, status, destination) before it goes to dead-letters.
    max_attempts: int = Field(default=8, ge=1)
    retry_first_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(default=60.0, gt=0)
    timeout_seconds: float = Field(default=10.0, gt=0)  # one HTTP request or SMTP session
    # A firing alert older than this (by fired_at) when read is not delivered (nor its
    # resolution): a new consumer group starts at the topic's beginning. 0 = no limit.
    max_age_seconds: float = Field(default=21600.0, ge=0)
    # The daily brief e-mailed at this time (HH:MM, UTC) to the SMTP recipients; empty = off.
    brief_at: str = Field(default="", pattern=r"^$|^([01][0-9]|2[0-3]):[0-5][0-9]$")
    # Delivery-ledger entries of episodes older than this (and than max_age_seconds) are
    # tombstoned, so `notify-deliveries` stays bounded (docs/notify.md).
    ledger_retention_seconds: float = Field(default=7 * 86400.0, gt=0)
    # Alert messages read ahead while some destination is still busy with older ones.
    max_in_flight: int = Field(default=1000, ge=1)
    # `/healthz` on this port (0 = none): the Kubernetes probes.
    health_host: str = "127.0.0.1"
    health_port: int = Field(default=0, ge=0, le=65535)

    @property
    def configured(self) -> bool:
        return any(
            value.strip()
            for value in (
                self.alertmanager_url.get_secret_value(),
                self.webhook_url.get_secret_value(),
                self.slack_webhook_url.get_secret_value(),
                self.slack_bot_token.get_secret_value(),
                self.smtp_host,
            )
        )
