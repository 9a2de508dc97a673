"""One alert as one line of a terminal: `streamapp alerts` and `streamapp up` print it."""

from __future__ import annotations

COLOURS = {"critical": "\033[31m", "warning": "\033[33m", "info": "\033[32m"}


def format_alert(alert: dict[str, object], colour: bool = False) -> str:
    status = str(alert.get("status", "?")).upper()
    severity = str(alert.get("severity", "?"))
    line = (
        f"{alert.get('fired_at')} {status:<8} {severity:<8} {alert.get('rule')} "
        f"{alert.get('platform')}: {alert.get('message')} [{alert.get('alert_id')}]"
    )
    if colour and severity in COLOURS:
        return f"{COLOURS[severity]}{line}\033[0m"
    return line
