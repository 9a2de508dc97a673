"""The alert rules on closed windows, at the two moments a window is judged.

- At its first close, the post rules (piracy, cancellation, switching, sentiment, churn
  risk) judge a window that has posts. A window with only search interest is left to them
  as a gap would be: whether a trend point came before or after its neighbours closed
  must not change what they see.
- Once its interest is final (the interest close, streamapp/analytics/watermark.py), the
  interest rules judge a window that has interest, against their own baseline.

Each set of rules judges a window once; a revision is never judged again.
"""

from __future__ import annotations

from typing import Any

from streamapp.analytics import explain
from streamapp.analytics.alert_episodes import (
    evaluate_window,
    interest_state_key,
    new_state,
    split_interest_state,
)
from streamapp.analytics.alert_rules import INTEREST_RULES, POST_RULES, Thresholds
from streamapp.analytics.windows import Window
from streamapp.config import Settings
from streamapp.runtime.topic_set import PipelineTopics
from streamapp.tables.alerts import publish_alert
from streamapp.tables.definitions import PipelineTables


def thresholds_from(settings: Settings) -> Thresholds:
    a = settings.alerts
    return Thresholds(
        fire_score=a.fire_score,
        resolve_score=a.resolve_score,
        min_count=a.min_count,
        min_baseline_windows=a.min_baseline_windows,
        cooldown_windows=a.cooldown_windows,
        min_sentiment_posts=a.min_sentiment_posts,
        min_interest_rise=a.min_interest_rise,
        baseline_windows=settings.pipeline.baseline_windows,
    )


class WindowJudge:
    def __init__(
        self, tables: PipelineTables, topics: PipelineTopics, size: float, thresholds: Thresholds
    ) -> None:
        self.tables = tables
        self.topics = topics
        self.size = size
        self.thresholds = thresholds

    def keep_terms(self, window: Window) -> None:
        """Before a window with posts is first sent: its rising terms against the term
        baseline as it stands at the close (`top_terms`), for the rules judged later (the
        interest rules) and for its record (the forecaster's `forecast_breach`)."""
        if window["mentions"]:
            state = self.tables.alert_state.get(window["platform"]) or new_state()
            window["top_terms"] = explain.terms_at_close(state, window)

    async def at_close(self, window: Window, now: float) -> None:
        """The post rules, on a window with posts (`keep_terms` was called first)."""
        if not window["mentions"]:
            return
        platform = window["platform"]
        state = self.tables.alert_state.get(platform) or new_state()
        self._split(platform, state)
        state, alerts = evaluate_window(
            state, platform, window, self.size, self.thresholds, POST_RULES
        )
        alerts = explain.explain_alerts(state, alerts, window, self.size, self.thresholds)
        self.tables.alert_state[platform] = state
        await self._publish(alerts, now)

    async def on_final_interest(self, window: Window, now: float) -> None:
        """The interest rules, on a closed window whose interest is final."""
        if not window["interest_count"]:
            return  # no reading: what a gap is to these rules
        platform = window["platform"]
        key = interest_state_key(platform)
        state = self.tables.alert_state.get(key) or new_state()
        state, alerts = evaluate_window(
            state, platform, window, self.size, self.thresholds, INTEREST_RULES
        )
        self.tables.alert_state[key] = state
        await self._publish(explain.explain_later(alerts, window), now)

    def _split(self, platform: str, state: dict[str, Any]) -> None:
        """A state written when every rule judged at the first close holds the interest
        rules' episodes: they move (with the baseline so far) to their own state, once.
        The post rules never write them there again."""
        if any(name in INTEREST_RULES for name in state["rules"]):
            moved = split_interest_state(state)
            key = interest_state_key(platform)
            if self.tables.alert_state.get(key) is None:
                self.tables.alert_state[key] = moved

    async def _publish(self, alerts: list[dict[str, Any]], now: float) -> None:
        for fields in alerts:
            await publish_alert(self.topics, fields, now)
