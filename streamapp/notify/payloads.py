"""What each destination receives for one alert message. Pure functions of the alert
(the `streaming-alerts` record, docs/topics-and-schemas.md) and, for a resolution, of
the firing message it resolves (its severity and start keep Alertmanager's label set)."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from streamapp.notify import explained

Alert = Mapping[str, Any]

SLACK_COLOURS = {"critical": "#d32f2f", "warning": "#f9a825", "info": "#2e7d32"}
RESOLVED_COLOUR = "#2e7d32"


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:.4g}"


def window_text(alert: Alert) -> str:
    return f"{alert.get('window_start')}/{alert.get('window_end')}"


def alertmanager_labels(firing: Alert) -> dict[str, str]:
    """The label set Alertmanager identifies the alert by: the same for the firing and
    the resolved message (both from the firing), so the resolution ends that alert and a
    re-post of the firing is the same alert, not a second one."""
    return {
        "alertname": str(firing.get("rule", "")),
        "platform": str(firing.get("platform", "")),
        "severity": str(firing.get("severity", "")),
        "source": "streamapp",
        "alert_id": str(firing.get("alert_id", "")),
    }


def _iso(text: Any) -> str:
    return str(text)


def alertmanager_alert(alert: Alert, firing: Alert, now: datetime, ttl_s: float) -> dict[str, Any]:
    """One element of `POST /api/v2/alerts`. A firing alert is posted with `endsAt` a
    `ttl_s` ahead (re-posted before that while it fires, as Prometheus does); a resolved
    one with `endsAt` = the resolution's time."""
    payload: dict[str, Any] = {
        "labels": alertmanager_labels(firing),
        "annotations": {
            "message": str(alert.get("message", "")),
            "observed": _number(alert.get("observed")),
            "baseline": _number(alert.get("baseline")),
            "window": window_text(alert),
            # the "evidence links": the ids here, Reddit links with the examples
            **({"evidence": _evidence(alert)} if alert.get("evidence") else {}),
            **explained.annotations(alert),
        },
        "startsAt": _iso(firing.get("fired_at")),
    }
    if alert.get("status") == "resolved":
        payload["endsAt"] = _iso(alert.get("fired_at"))
    else:
        payload["endsAt"] = (now + timedelta(seconds=ttl_s)).astimezone(UTC).isoformat()
    return payload


def webhook_body(alert: Alert) -> bytes:
    """The alert itself, as compact JSON with sorted keys (the signed bytes)."""
    return json.dumps(dict(alert), separators=(",", ":"), sort_keys=True).encode("utf-8")


def _headline(alert: Alert) -> str:
    status = "RESOLVED" if alert.get("status") == "resolved" else "FIRING"
    return f"[{status}] {alert.get('rule')} on {alert.get('platform')}"


def _evidence(alert: Alert) -> str:
    evidence = [str(e) for e in alert.get("evidence") or []]
    return ", ".join(evidence) if evidence else "none"


def slack_message(alert: Alert, firing: Alert) -> dict[str, Any]:
    """An incoming-webhook message: a plain `text` (notifications, old clients) and the
    Block Kit blocks inside an attachment, whose colour is the severity (green once
    resolved)."""
    resolved = alert.get("status") == "resolved"
    severity = str(firing.get("severity", "info"))
    colour = RESOLVED_COLOUR if resolved else SLACK_COLOURS.get(severity, "#616161")
    headline = _headline(alert)
    title = (
        f"{'Resolved' if resolved else 'Firing'}: {alert.get('rule')} on {alert.get('platform')}"
    )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": str(alert.get("message", ""))}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Rule*\n{alert.get('rule')}"},
                {"type": "mrkdwn", "text": f"*Platform*\n{alert.get('platform')}"},
                {
                    "type": "mrkdwn",
                    "text": f"*Observed vs baseline*\n{_number(alert.get('observed'))} vs "
                    f"{_number(alert.get('baseline'))}",
                },
                {"type": "mrkdwn", "text": f"*Severity*\n{severity}"},
            ],
        },
        *explained.slack_blocks(alert),
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"window {window_text(alert)} · evidence: {_evidence(alert)} · "
                    f"alert {alert.get('alert_id')}",
                }
            ],
        },
    ]
    return {
        "text": f"{headline}: {alert.get('message', '')}",
        "attachments": [{"color": colour, "fallback": headline, "blocks": blocks}],
    }


def slack_resolved_original(firing: Alert, resolution: Alert) -> dict[str, Any]:
    """The firing's own message, edited once its episode resolved (Slack's Web API:
    `chat.update`): what fired stays readable, headed and coloured as resolved, with when
    and how it ended."""
    message = slack_message(firing, firing)
    attachment = message["attachments"][0]
    attachment["color"] = RESOLVED_COLOUR
    title = f"Resolved: {firing.get('rule')} on {firing.get('platform')}"
    attachment["blocks"][0] = {
        "type": "header",
        "text": {"type": "plain_text", "text": title[:150]},
    }
    ended = f"Resolved at {resolution.get('fired_at')}: {resolution.get('message', '')}"
    attachment["blocks"].insert(
        1, {"type": "context", "elements": [{"type": "mrkdwn", "text": ended[:2900]}]}
    )
    message["text"] = f"{_headline(resolution)}: {firing.get('message', '')}"
    attachment["fallback"] = _headline(resolution)
    return message


def email_message(
    alert: Alert, firing: Alert, sender: str, recipients: list[str], message_id: str
) -> EmailMessage:
    """Subject, a short plain-text body and the same as HTML. The Message-ID is
    deterministic (alert, status, destination), so a repeated delivery is recognisable."""
    severity = str(firing.get("severity", "info"))
    resolved = alert.get("status") == "resolved"
    subject = f"[streamapp] {'RESOLVED' if resolved else 'FIRING'} {severity}: {alert.get('rule')} on {alert.get('platform')}"
    rows = [
        ("Rule", alert.get("rule")),
        ("Platform", alert.get("platform")),
        ("Status", alert.get("status")),
        ("Severity", severity),
        ("Observed", _number(alert.get("observed"))),
        ("Baseline", _number(alert.get("baseline"))),
        ("Window", window_text(alert)),
        ("Evidence", _evidence(alert)),
        ("Alert id", alert.get("alert_id")),
    ]
    why = explained.lines(alert)
    text = (
        str(alert.get("message", ""))
        + "\n\n"
        + "\n".join(f"{k}: {v}" for k, v in [*rows, *why])
        + "\n"
    )
    cells = "".join(
        f"<tr><th align='left'>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in rows
    ) + explained.html_rows(alert)
    body_html = (
        f"<html><body><p>{html.escape(str(alert.get('message', '')))}</p>"
        f"<table>{cells}</table></body></html>"
    )
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Message-ID"] = message_id
    message.set_content(text)
    message.add_alternative(body_html, subtype="html")
    return message
