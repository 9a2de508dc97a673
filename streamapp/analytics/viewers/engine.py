"""Scores, delayed labels and learning exactly once, for the accounts of one partition.

An account is scored when a session ends and on the daily tick. The daily score is kept
with its features (a snapshot) until its horizon has passed in event time; its label is
then 1 if the account cancelled within the horizon, else 0, and the model learns it from
the snapshot's features, never from later ones: nothing is learned before it could have
been known. Both classes are learned at the same lag on purpose: learning a cancel at
once and a survival 30 days later would teach the model the snapshot's age (features
that grow with time, such as tenure, would look like churn). Each label is scored
first (prequential).

Exactly once across restarts: a state remembers the highest raw offset folded in (a
repeated event is skipped, no session counted twice), and the checkpoint remembers the
offset up to which labels were learned (a label resolved again at or below it, by events
read again after a crash, is not learned twice). The caller writes the checkpoint before
the states of the same batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from streamapp.analytics.viewers import snapshots
from streamapp.analytics.viewers.features import (
    DAY_S,
    FEATURES,
    RECENCY,
    close_session,
    day_of,
    features,
    fold,
    session_timed_out,
)
from streamapp.analytics.viewers.model import MODEL_VERSION, OnlineLogit, clamp, top_features
from streamapp.analytics.viewers.quality import Prequential


@dataclass(frozen=True)
class Score:
    risk: float
    baseline: float
    top: list[str]
    at: float
    reason: str  # "session_end" or "daily"


class ChurnEngine:
    def __init__(self, horizon_days: float = 30.0) -> None:
        self.horizon_s = horizon_days * DAY_S
        self.model = OnlineLogit(FEATURES)
        self.baseline = OnlineLogit(("days_since_last_session",))
        self.learned = 0
        self.learned_upto = -1  # highest raw offset whose labels were learned
        self._restored_upto = -1
        self.quality = Prequential()
        # Only labels of snapshots scored in [from, to) count in `quality` (evaluation).
        self.quality_span: tuple[float, float] | None = None
        # A list to collect the sessions ended by each call (start, end, plays,
        # watched_s), drained by the caller while it knows the account; None: not kept.
        self.closed: list[dict[str, Any]] | None = None

    @property
    def version(self) -> str:
        return f"{MODEL_VERSION}+{self.learned}"

    # -- checkpoint -------------------------------------------------------------------

    def checkpoint(self) -> dict[str, Any]:
        return {
            "model": self.model.export(),
            "baseline": self.baseline.export(),
            "learned": self.learned,
            "learned_upto": self.learned_upto,
            "version": MODEL_VERSION,
        }

    def restore(self, data: dict[str, Any]) -> None:
        if data.get("version") != MODEL_VERSION:
            return  # another feature set: start afresh rather than misread the weights
        self.model.restore(data["model"])
        self.baseline.restore(data["baseline"])
        self.learned = int(data["learned"])
        self.learned_upto = self._restored_upto = int(data["learned_upto"])

    # -- the stream -------------------------------------------------------------------

    def on_event(
        self,
        state: dict[str, Any],
        kind: str,
        ts: float,
        fields: dict[str, Any],
        offset: int | None = None,
    ) -> Score | None:
        """Fold one event; a Score if it ended a session of an active account."""
        if offset is not None:
            if offset <= state["o"]:
                return None  # folded in before a restart
            state["o"] = offset
        self._mature(state, ts, offset)
        was_active = state["status"] == "active"
        ended = fold(state, kind, ts, fields, self.closed)
        if kind == "cancel" and was_active and state["pending"]:
            # cancelled within their horizons: learned as such when they end
            state["pending"] = snapshots.mark_cancelled(state["pending"])
        if ended and state["status"] == "active":
            return self.score(state, ts, "session_end")
        return None

    def tick(self, state: dict[str, Any], now: float, offset: int | None = None) -> Score | None:
        """The daily tick (event time): labels that matured, a timed-out session, and once
        per day a scored snapshot kept for its label."""
        self._mature(state, now, offset)
        if session_timed_out(state, now):
            close_session(state, self.closed)
        if state["status"] != "active" or state["sampled_day"] == day_of(now):
            return None
        state["sampled_day"] = day_of(now)
        x = features(state, now)
        self.model.observe(x)
        self.baseline.observe([x[RECENCY]])
        score = self._score(x, now, "daily")
        state["pending"] = snapshots.append(
            state["pending"], (now, x, score.risk, score.baseline, False)
        )
        return score

    def score(self, state: dict[str, Any], now: float, reason: str) -> Score:
        return self._score(features(state, now), now, reason)

    def expired(self, state: dict[str, Any], now: float, expiry_days: float) -> bool:
        return now - state["last"] > expiry_days * DAY_S

    # -- inside -----------------------------------------------------------------------

    def _score(self, x: list[float], now: float, reason: str) -> Score:
        proba, pushes = self.model.proba_and_pushes(x)
        base = clamp(self.baseline.proba([x[RECENCY]]))
        return Score(clamp(proba), base, top_features(pushes), now, reason)

    def _mature(self, state: dict[str, Any], now: float, offset: int | None) -> None:
        oldest = snapshots.first_time(state["pending"])
        if oldest is None or oldest + self.horizon_s > now:
            return
        keep = []
        for snapshot in snapshots.unpack(state["pending"]):
            t, x, risk, base, cancelled = snapshot
            if t + self.horizon_s <= now:
                self._learn(x, cancelled, risk, base, offset, t)
            else:
                keep.append(snapshot)
        state["pending"] = snapshots.pack(keep)

    def _learn(
        self, x: list[float], label: bool, risk: float, base: float, offset: int | None, t: float
    ) -> None:
        if offset is not None and offset <= self._restored_upto:
            return  # learned before the restart that made us read this event again
        span = self.quality_span
        if span is None or span[0] <= t < span[1]:
            self.quality.add(label, risk, base)
        self.model.learn(x, label)
        self.baseline.learn([x[RECENCY]], label)
        self.learned += 1
        if offset is not None:
            self.learned_upto = max(self.learned_upto, offset)
