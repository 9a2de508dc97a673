"""The dashboard benchmark's arithmetic: its last line and the per-event lags."""

from __future__ import annotations

import pytest

from bench.common import BenchError
from bench.dashboard import dashboard_line, lags_ms


def test_the_last_line_has_the_fixed_shape():
    assert dashboard_line(999.87, 263.64) == "dashboard: rate=999.9 p95_lag_ms=263.6"


def test_each_event_takes_the_first_redraw_that_counts_it():
    sent = [10.0, 10.1, 10.2]  # send times (s) of events 3, 4, 5 (two were shown before)
    redraws = [(10_050.0, 2), (10_150.0, 4), (10_400.0, 5)]  # (page ms, events counted)
    assert lags_ms(sent, 2, redraws) == pytest.approx([150.0, 50.0, 200.0])
    with pytest.raises(BenchError, match="never appeared"):
        lags_ms(sent + [10.3], 2, redraws)
