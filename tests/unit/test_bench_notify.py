"""`python -m bench notify`'s last line keeps its documented shape (no broker here)."""

from __future__ import annotations

import re

from bench.notify import bench_alert, notify_line
from streamapp.notify.pending import parse_alert

LINE = re.compile(r"^notify: rate=(\d+\.\d) plain=(\d+\.\d) ratio=(\d+\.\d{3}) p99_ms=(\d+\.\d)$")


def test_the_last_line_has_the_documented_shape():
    line = notify_line(rate=412.345, plain=801.2, p99_ms=23.456)
    assert line == "notify: rate=412.3 plain=801.2 ratio=0.515 p99_ms=23.5"
    assert LINE.match(line)
    assert LINE.match(notify_line(0.0, 0.0, 0.0))  # nothing delivered: still parseable


def test_the_bench_alerts_are_alerts_notify_accepts():
    alert = bench_alert("run", 7)
    assert parse_alert(__import__("json").dumps(alert).encode()) == alert
    assert alert["alert_id"] == "run-000007"
