"""Sending an alert: the one place that turns a rule's alert fields into an `Alert`
record, sends it to `streaming-alerts` and counts it, for the window closer's baseline
rules and the forecaster's `forecast_breach` alike (so every alert shows in the metrics).
"""

from __future__ import annotations

import logging
from typing import Any

from streamapp.observability.metrics import ALERTS_FIRED, EVENTS_OUT
from streamapp.records import Alert
from streamapp.records.raw import iso_utc
from streamapp.runtime.topic_set import PipelineTopics

log = logging.getLogger(__name__)


async def publish_alert(topics: PipelineTopics, fields: dict[str, Any], now: float) -> Alert:
    """`fields` as the rules build them (window bounds in epoch seconds, no `fired_at`);
    `now` is stamped as `fired_at`. Keyed by platform, like every per-platform record."""
    alert = Alert(
        **{
            **fields,
            "window_start": iso_utc(fields["window_start"]),
            "window_end": iso_utc(fields["window_end"]),
        },
        fired_at=iso_utc(now),
    )
    log.info("alert %s %s %s: %s", alert.status, alert.rule, alert.platform, alert.message)
    await topics.alerts.send(key=alert.platform, value=alert)
    EVENTS_OUT.labels(topics.alerts.get_topic_name()).inc()
    if alert.status == "firing":
        ALERTS_FIRED.labels(alert.rule).inc()
    return alert
