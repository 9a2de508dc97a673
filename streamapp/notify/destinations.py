"""The destinations `NotifySettings` configures (`STREAMAPP_NOTIFY_*`, docs/notify.md),
checked: no destination at all, a webhook without its signing secret, e-mail without
sender or recipients, or a URL that is not http(s) is a `NotifyConfigError` whose message
names the setting, never a secret.
"""

from __future__ import annotations

from typing import Any

from streamapp.notify.redact import Redactor, redacted_host
from streamapp.notify.routing import Route
from streamapp.notify.senders import (
    AlertmanagerDestination,
    Destination,
    EmailDestination,
    HttpDestination,
    SlackDestination,
    WebhookDestination,
    url_id,
)
from streamapp.notify.slack_api import SlackApiDestination

SETTING_OF = {
    "alertmanager": "STREAMAPP_NOTIFY_ALERTMANAGER_URL",
    "webhook": "STREAMAPP_NOTIFY_WEBHOOK_URL",
    "slack": "STREAMAPP_NOTIFY_SLACK_WEBHOOK_URL",
}


def _urls(text: str) -> list[str]:
    return list(dict.fromkeys(u.strip() for u in text.split(",") if u.strip()))


class NotifyConfigError(ValueError):
    """Settings that cannot deliver anything; the message names the setting, never a secret."""


def destinations_from(settings: Any) -> list[Destination]:
    """The destinations `NotifySettings` configures; NotifyConfigError if none or if one
    is incomplete."""
    n = settings
    secrets = [
        n.alertmanager_url.get_secret_value(),
        *_urls(n.alertmanager_url.get_secret_value()),
        *_urls(n.webhook_url.get_secret_value()),
        n.webhook_secret.get_secret_value(),
        n.slack_webhook_url.get_secret_value(),
        n.slack_bot_token.get_secret_value(),
        n.smtp_password.get_secret_value(),
    ]
    redactor = Redactor(secrets)
    common = {"timeout_s": n.timeout_seconds, "redactor": redactor}

    def route(kind: str) -> Route:
        f = getattr(n, f"{kind}_route")  # a RouteFilterSettings
        return Route.parse(f.rules, f.platforms, f.min_severity)

    def http(cls: type[HttpDestination], kind: str, url: str, **extra: Any) -> Destination:
        _check_url(url, SETTING_OF[kind])
        host = redacted_host(url)
        return cls(id=url_id(kind, url), kind=kind, host=host, route=route(kind), url=url, **extra)

    found: list[Destination] = [
        http(
            AlertmanagerDestination,
            "alertmanager",
            url,
            resend_s=n.alertmanager_resend_seconds,
            **common,
        )
        for url in _urls(n.alertmanager_url.get_secret_value())
    ]
    webhooks = _urls(n.webhook_url.get_secret_value())
    if webhooks and not n.webhook_secret.get_secret_value():
        raise NotifyConfigError(
            "STREAMAPP_NOTIFY_WEBHOOK_URL is set without STREAMAPP_NOTIFY_WEBHOOK_SECRET: "
            "webhooks are always signed"
        )
    secret = n.webhook_secret.get_secret_value().encode()
    found += [http(WebhookDestination, "webhook", url, secret=secret, **common) for url in webhooks]
    slack = _slack(n, route("slack"), common)
    if slack is not None:
        found.append(slack)
    if n.smtp_host.strip():
        recipients = _urls(n.smtp_to)
        if not n.smtp_from.strip() or not recipients:
            raise NotifyConfigError(
                "STREAMAPP_NOTIFY_SMTP_HOST is set: STREAMAPP_NOTIFY_SMTP_FROM and "
                "STREAMAPP_NOTIFY_SMTP_TO are needed too"
            )
        found.append(
            EmailDestination(
                id="email",
                kind="email",
                host=f"{n.smtp_host.strip()}:{n.smtp_port}",
                route=route("smtp"),
                smtp_host=n.smtp_host.strip(),
                port=n.smtp_port,
                user=n.smtp_user,
                password=n.smtp_password.get_secret_value(),
                sender=n.smtp_from.strip(),
                recipients=recipients,
                starttls=n.smtp_starttls,
                cafile=str(n.smtp_cafile) if n.smtp_cafile else None,
                **common,
            )
        )
    if n.brief_at and not any(d.kind == "email" for d in found):
        raise NotifyConfigError(
            "STREAMAPP_NOTIFY_BRIEF_AT is set: the brief goes by e-mail, so "
            "STREAMAPP_NOTIFY_SMTP_HOST is needed too"
        )
    if not found:
        raise NotifyConfigError(
            "no destination configured: set STREAMAPP_NOTIFY_ALERTMANAGER_URL, "
            "STREAMAPP_NOTIFY_WEBHOOK_URL, STREAMAPP_NOTIFY_SLACK_WEBHOOK_URL, "
            "STREAMAPP_NOTIFY_SLACK_BOT_TOKEN or STREAMAPP_NOTIFY_SMTP_HOST"
        )
    return found


def _slack(n: Any, route: Route, common: dict[str, Any]) -> Destination | None:
    """Slack by incoming webhook or by the Web API (a bot token and a channel), not both
    (each alert would show twice). Either is the destination `slack`: its delivery state
    carries over when a webhook is swapped for a bot token (a resolution whose firing went
    by webhook is then posted on its own, with no thread to join)."""
    hook = n.slack_webhook_url.get_secret_value().strip()
    token, channel = n.slack_bot_token.get_secret_value().strip(), n.slack_channel.strip()
    if hook and (token or channel):
        raise NotifyConfigError(
            "STREAMAPP_NOTIFY_SLACK_WEBHOOK_URL and STREAMAPP_NOTIFY_SLACK_BOT_TOKEN/_CHANNEL "
            "are both set: choose one way to reach Slack"
        )
    if hook:
        _check_url(hook, SETTING_OF["slack"])
        return SlackDestination(
            id="slack", kind="slack", host=redacted_host(hook), route=route, url=hook, **common
        )
    if not (token or channel):
        return None
    if not token or not channel:
        raise NotifyConfigError(
            "STREAMAPP_NOTIFY_SLACK_BOT_TOKEN and STREAMAPP_NOTIFY_SLACK_CHANNEL go together"
        )
    api = n.slack_api_url.strip().rstrip("/")
    _check_url(api, "STREAMAPP_NOTIFY_SLACK_API_URL")
    return SlackApiDestination(
        id="slack",
        kind="slack",
        host=redacted_host(api),
        route=route,
        url=api,
        token=token,
        channel=channel,
        **common,
    )


def _check_url(url: str, setting: str) -> None:
    if not url.startswith(("http://", "https://")) or redacted_host(url) == "an invalid URL":
        raise NotifyConfigError(f"{setting}: not an http(s) URL")
