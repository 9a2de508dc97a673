"""The viewers' side of the dashboard's state (pure): per platform, the closed windows'
viewers' gauge (`platform-windows`: accounts active, at risk, expected cancellations,
the accounts per risk band and the churn model's quality), the closed title-trends
windows, newest per window id (both topics are at least once: a window sent again
replaces), and the observed signups, cancels and resubscribes (`subscription-events`,
once per event id), all bounded to the dashboard's history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

GAUGES = ("accounts_active", "accounts_at_risk", "expected_cancellations")
# A gauge row: (window end, active, at risk, expected, risk histogram, churn quality)
HISTOGRAM, QUALITY = 4, 5


@dataclass(frozen=True, slots=True)
class Change:
    """A subscription change (`subscription-events`), as the Viewers tab needs it."""

    at: float  # event time, epoch seconds
    platform: str
    type: str  # signup, cancel or resubscribe
    moved_from: str | None


@dataclass
class ViewerHistory:
    history_s: float
    clock: Callable[[], float]
    # platform -> window_id -> (window end, active, at risk, expected, histogram, quality)
    gauges: dict[str, dict[str, tuple[Any, ...]]] = field(default_factory=dict)
    # platform -> window_id -> the title-trends record
    trends: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # event id -> the change (at least once upstream: a repeat replaces itself)
    changes: dict[str, Change] = field(default_factory=dict)
    version: int = 0
    _applied: int = 0

    def apply_window(self, window: dict[str, Any]) -> bool:
        """Keep a closed window's gauge (False: it has none, viewers not reported yet)."""
        values = [window.get(name) for name in GAUGES]
        if any(not isinstance(v, int | float) or isinstance(v, bool) for v in values):
            return False
        row = (
            window["window_end_epoch"],
            *(float(v) for v in values),
            _object(window.get("risk_histogram")),
            _object(window.get("churn_quality")),
        )
        self._keep(self.gauges, window["platform"], str(window.get("window_id")), row)
        return True

    def apply_trends(self, record: dict[str, Any]) -> None:
        self._keep(self.trends, record["platform"], record["window_id"], record)

    def apply_change(self, event_id: str, change: Change) -> None:
        self.changes[event_id] = change
        self.version += 1
        self._applied += 1
        if self._applied % 500 == 0:
            self.prune()

    def _keep(self, store: dict[str, dict[str, Any]], platform: str, key: str, row: Any) -> None:
        store.setdefault(platform, {})[key] = row
        self.version += 1
        self._applied += 1
        if self._applied % 500 == 0:  # windows are few: pruning now and then is enough
            self.prune()

    def prune(self) -> None:
        oldest = self.clock() - self.history_s
        for store, end in ((self.gauges, lambda r: r[0]), (self.trends, _trend_end)):
            for rows in store.values():
                for key in [k for k, r in rows.items() if end(r) < oldest]:
                    del rows[key]
        for key in [k for k, c in self.changes.items() if c.at < oldest]:
            del self.changes[key]

    def gauge_rows(self, platform: str, start: float, end: float) -> list[tuple[Any, ...]]:
        """(end, active, at risk, expected, histogram, quality) of the windows ending in
        [start, end], in order."""
        rows = self.gauges.get(platform, {}).values()
        return sorted((r for r in rows if start <= r[0] <= end), key=lambda r: r[0])

    def trend_rows(self, platform: str, start: float, end: float) -> list[dict[str, Any]]:
        rows = self.trends.get(platform, {}).values()
        return sorted((r for r in rows if start <= _trend_end(r) <= end), key=_trend_end)

    def changes_between(self, start: float, end: float) -> list[Change]:
        return [c for c in self.changes.values() if start <= c.at <= end]


def _object(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _trend_end(record: Any) -> float:
    return float(record["window_end_epoch"])
