"""Replay a viewing stream through one engine, in event time, for the quality figures.

`run` takes (key, type, ts, fields) in event-time order, ticks every account at each
event-time midnight, and returns the engine (its `quality` holds the prequential figures
of the snapshots scored in `span`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from streamapp.analytics.viewers.engine import ChurnEngine
from streamapp.analytics.viewers.features import DAY_S, day_of, new_state


def run(
    events: Iterable[tuple[str, str, float, dict[str, Any]]],
    horizon_days: float = 30.0,
    span: tuple[float, float] | None = None,
) -> ChurnEngine:
    engine = ChurnEngine(horizon_days)
    engine.quality_span = span
    states: dict[str, dict[str, Any]] = {}
    today: int | None = None
    for key, kind, ts, fields in events:
        day = day_of(ts)
        if today is not None and day > today:
            for d in range(today + 1, day + 1):
                for state in states.values():
                    engine.tick(state, d * DAY_S)
        today = day
        if key not in states:
            states[key] = new_state(ts)
        engine.on_event(states[key], kind, ts, fields)
    return engine
