"""What the dashboard knows: a time-bounded summary of the topics, shared by all sessions.

Pure (no Panel, no Kafka): the feed applies decoded records, the views ask for series.
Posts and interest points are folded into fixed event-time buckets per platform (a numpy
ring sized for `history_s`), so memory is fixed however many events arrive; alerts,
closed windows and forecasts keep only their newest few. `version` moves on every change,
so a view redraws only when there is something new.
"""

from __future__ import annotations

import math
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from streamapp.panel_dashboard.records import Forecast, Interest, Signal
from streamapp.panel_dashboard.region_board import RegionBoard
from streamapp.panel_dashboard.ring import BucketRing
from streamapp.panel_dashboard.viewer_history import ViewerHistory

# Slots of a bucket's per-platform stats list (ring.STATS of them).
MENTIONS, SENT_SUM, SENT_N, PIRACY, INTEREST_SUM, INTEREST_N, CANCELLATION, SWITCHING = range(8)
CONTENT_GAP = 8  # the Viewers tab draws them under the plays: a title leaving lines up
INTENT_SLOTS = {
    "piracy": PIRACY, "cancellation": CANCELLATION, "switching": SWITCHING,
    "content_gap": CONTENT_GAP,
}  # fmt: skip
ALT = "_alternative"  # interest in platform-less alternative-viewing terms ("free streaming")
FUTURE_SLACK_S = 300.0  # events dated further ahead than this are dropped, not kept forever
POST_ROWS = 128  # platform sets (singles and pairs fit; rarer triples past this are refused)
SOURCES = ("signals", "trends", "windows", "alerts", "forecasts", "titles")


def alternative_viewing(keyword: str) -> bool:
    """A platform-less term about watching elsewhere ("free streaming"), not a churn term
    ("cancel netflix"), which is no alternative-viewing (piracy) indicator."""
    return not keyword.lower().startswith("cancel")


@dataclass(frozen=True)
class Window:
    """A range of buckets, read: per platform a (6, points) array of summed stats."""

    start: int  # first bucket index
    stop: int  # one past the last
    ends_ms: list[float]  # each step's end (epoch ms), the x of the charts
    stats: dict[str, np.ndarray]


@dataclass
class Freshness:
    newest_event: float | None = None  # the newest event time seen on this source
    received_at: float | None = None  # wall clock of the last message
    messages: int = 0


@dataclass
class DashboardState:
    bucket_s: float = 5.0
    history_s: float = 6 * 3600.0
    clock: Callable[[], float] = time.time
    max_alerts: int = 200
    version: int = 0
    switching: dict[int, Counter[tuple[str, str]]] = field(default_factory=dict)
    alerts: deque[dict[str, Any]] = field(default_factory=deque)
    windows: dict[str, dict[str, Any]] = field(default_factory=dict)
    forecasts: dict[tuple[str, str], Forecast] = field(default_factory=dict)
    freshness: dict[str, Freshness] = field(default_factory=dict)
    worker_lag: dict[str, int] | None = None  # topic -> messages not yet committed
    rejected: int = 0  # unreadable or out-of-range messages (logged by the feed)
    # Signals are at-least-once (a worker that takes over a partition sends some again,
    # same event_id). Ids seen recently are remembered, a bounded number: repeats come
    # within seconds to minutes of the original, and memory must stay flat for hours.
    max_recent_ids: int = 100_000
    duplicates: int = 0  # signals skipped as repeats
    # The newest posts by id, for the drill-down (an alert's evidence, a point's posts):
    # bounded (about 20 MB at 400 characters each); alerts cite posts of the last minutes.
    max_posts: int = 20_000
    recent_posts: OrderedDict[str, Signal] = field(default_factory=OrderedDict)
    _recent_ids: OrderedDict[str, None] = field(default_factory=OrderedDict)
    _alert_keys: set[tuple[str, str]] = field(default_factory=set)
    _oldest: int | None = None
    _window_cache: dict[tuple, tuple[tuple, Window]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.freshness = {name: Freshness() for name in SOURCES}
        span = self.history_s + FUTURE_SLACK_S
        self.ring = BucketRing(int(math.ceil(span / self.bucket_s)) + 2)
        # The same buckets keyed by each post's set of platforms ("disney_plus+netflix"):
        # a post naming two chosen platforms is one post in the headline, not two.
        self.posts = BucketRing(self.ring.capacity, max_rows=POST_ROWS)
        # The viewers' gauge per closed window and the title trends (the Viewers tab).
        self.viewers = ViewerHistory(self.history_s, self.clock)
        # The newest search interest by region per keyword (the Regions tab).
        self.regions = RegionBoard()

    # -- applying records ----------------------------------------------------------------

    def _seen(self, source: str, event_time: float) -> None:
        fresh = self.freshness[source]
        fresh.messages += 1
        fresh.received_at = self.clock()
        if fresh.newest_event is None or event_time > fresh.newest_event:
            fresh.newest_event = event_time
        self.version += 1

    def _bucket(self, event_time: float) -> int | None:
        """The event's bucket index, or None (counted) if outside the remembered span."""
        now = self.clock()
        if not now - self.history_s <= event_time <= now + FUTURE_SLACK_S:
            self.rejected += 1
            return None
        return int(event_time // self.bucket_s)

    def _add(
        self, index: int, platform: str, amounts: dict[int, float], ring: BucketRing | None = None
    ) -> None:
        for slot, amount in amounts.items():
            if not (ring or self.ring).add(index, platform, slot, amount):
                self.rejected += 1
                return

    def _repeat(self, event_id: str | None) -> bool:
        if event_id is None:
            return False
        if event_id in self._recent_ids:
            self.duplicates += 1
            return True
        self._recent_ids[event_id] = None
        if len(self._recent_ids) > self.max_recent_ids:
            self._recent_ids.popitem(last=False)
        return False

    def apply_signal(self, signal: Signal) -> None:
        self._seen("signals", signal.event_time)
        if self._repeat(signal.event_id):
            return
        index = self._bucket(signal.event_time)
        if index is None:
            return
        if signal.event_id is not None:
            self.recent_posts[signal.event_id] = signal
            if len(self.recent_posts) > self.max_posts:
                self.recent_posts.popitem(last=False)
        amounts = {MENTIONS: 1.0, SENT_SUM: signal.sentiment, SENT_N: 1.0}
        for intent in signal.intents:
            if intent in INTENT_SLOTS:
                amounts[INTENT_SLOTS[intent]] = 1.0
        for platform in signal.platforms:
            self._add(index, platform, amounts)
        if signal.platforms:
            self._add(index, "+".join(sorted(set(signal.platforms))), amounts, self.posts)
        if signal.switch_from and signal.switch_to and signal.platforms:
            pairs = self.switching.get(index)
            if pairs is None:
                pairs = self.switching[index] = Counter()
                self._prune(index)
            pairs[(signal.switch_from, signal.switch_to)] += 1

    def apply_interest(self, point: Interest) -> None:
        self._seen("trends", point.event_time)
        if point.region_of is not None:
            return  # interest by region: not the national interest the charts show
        platform = point.platform
        if platform is None:
            if not alternative_viewing(point.keyword):
                return
            platform = ALT
        index = self._bucket(point.event_time)
        if index is not None:
            self._add(index, platform, {INTEREST_SUM: point.interest, INTEREST_N: 1.0})

    def apply_window(self, window: dict[str, Any]) -> None:
        self._seen("windows", window["window_end_epoch"])
        current = self.windows.get(window["platform"])
        if current is None or current["window_end_epoch"] <= window["window_end_epoch"]:
            self.windows[window["platform"]] = window
        self.viewers.apply_window(window)

    def apply_title_trends(self, record: dict[str, Any]) -> None:
        self._seen("titles", record["window_end_epoch"])
        self.viewers.apply_trends(record)

    def apply_alert(self, alert: dict[str, Any]) -> None:
        """Newest first; at-least-once delivery may repeat one: (alert_id, status) dedupes."""
        self._seen("alerts", alert["fired_epoch"])
        key = (alert["alert_id"], alert["status"])
        if key in self._alert_keys:
            return
        self._alert_keys.add(key)
        self.alerts.append(alert)
        if len(self.alerts) > self.max_alerts:
            ordered = sorted(self.alerts, key=lambda a: a["fired_epoch"])[-self.max_alerts :]
            self.alerts = deque(ordered)
            self._alert_keys = {(a["alert_id"], a["status"]) for a in ordered}

    def apply_forecast(self, forecast: Forecast) -> None:
        self._seen("forecasts", forecast.generated_at)
        key = (forecast.platform, forecast.metric)
        current = self.forecasts.get(key)
        if current is None or current.generated_at <= forecast.generated_at:
            self.forecasts[key] = forecast

    def set_worker_lag(self, lag: dict[str, int] | None) -> None:
        if lag != self.worker_lag:
            self.worker_lag = lag
            self.version += 1

    def _prune(self, new_index: int) -> None:
        """Switching pairs are sparse (a dict per bucket): drop those past the history."""
        self._oldest = new_index if self._oldest is None else min(self._oldest, new_index)
        first = int((self.clock() - self.history_s) // self.bucket_s)
        if self._oldest >= first:
            return
        for index in [i for i in self.switching if i < first]:
            del self.switching[index]
        self._oldest = min(self.switching, default=first)

    # -- reading -------------------------------------------------------------------------

    def bucket_range(
        self, range_s: float, max_points: int, end: float | None = None
    ) -> tuple[range, int]:
        """Bucket indexes covering the `range_s` up to `end` (default: now), stepped so at
        most `max_points`."""
        last = int((self.clock() if end is None else end) // self.bucket_s)
        count = max(1, int(math.ceil(min(range_s, self.history_s) / self.bucket_s)))
        step = max(1, int(math.ceil(count / max_points)))
        points = int(math.ceil(count / step))
        first = last - points * step + 1  # whole steps, the newest closed by the newest bucket
        return range(first, last + 1, step), step

    def step_end(self, at: float) -> float:
        """The end of the bucket holding `at`: where the charts' newest step ends."""
        return (int(at // self.bucket_s) + 1) * self.bucket_s

    def window(
        self, range_s: float, max_points: int, end: float | None = None, posts: bool = False
    ) -> Window:
        """`range_s` up to `end` (default: now) per platform (or, `posts`, per platform set)
        in at most `max_points` steps; computed once per state version and range, however
        many sessions ask."""
        indexes, step = self.bucket_range(range_s, max_points, end)
        key = (self.version, len(indexes), step)
        # By start too: the headline reads the range and the one before it at each redraw.
        slot = (range_s, max_points, posts, indexes.start)
        cached = self._window_cache.get(slot)
        if cached is not None and cached[0] == key:
            return cached[1]
        if len(self._window_cache) > 64:  # old starts: the clock moved on
            self._window_cache.clear()
        ring = self.posts if posts else self.ring
        stats = ring.window(indexes.start, len(indexes), step)
        ends_ms = [(i + step) * self.bucket_s * 1000 for i in indexes]
        window = Window(indexes.start, indexes.start + len(indexes) * step, ends_ms, stats)
        self._window_cache[slot] = (key, window)
        return window

    def switching_between(self, start: int, stop: int) -> Counter[tuple[str, str]]:
        total: Counter[tuple[str, str]] = Counter()
        for index, pairs in self.switching.items():
            if start <= index < stop:
                total.update(pairs)
        return total

    def alerts_newest_first(self, platforms: Iterable[str] | None = None) -> list[dict[str, Any]]:
        wanted = None if platforms is None else set(platforms)
        chosen = [a for a in self.alerts if wanted is None or a["platform"] in wanted]
        return sorted(chosen, key=lambda a: a["fired_epoch"], reverse=True)
