"""The operator of the viewers' table: one churn engine per raw partition, loaded from
and checkpointed to the table, the partition's event-time daily tick, and expiry.

A batch is folded into local copies of the states it touches; `commit` writes the
partition's model checkpoint first and then those states (engine.py: learning exactly
once across a crash).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from streamapp.analytics import viewer_gauge
from streamapp.analytics.platforms import PLATFORMS
from streamapp.analytics.viewers import moves
from streamapp.analytics.viewers.engine import ChurnEngine, Score
from streamapp.analytics.viewers.features import DAY_S, day_of, new_state
from streamapp.config import ViewerSettings
from streamapp.observability.metrics import CHURN_LABELS, CHURN_QUALITY, VIEWER_ACCOUNTS
from streamapp.tables.viewer_state import ViewerStateTable, model_key


@dataclass
class Scored:
    key: str
    score: Score


@dataclass
class PartitionBatch:
    """What one batch changed on one raw partition."""

    engine: ChurnEngine
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    expired: set[str] = field(default_factory=set)
    day: int | None = None
    # The last daily tick's per-platform gauge row (streamapp/analytics/viewer_gauge.py:
    # [day, active, at_risk, expected, labels, quality..., risk bands...]; None: no tick)
    gauge: dict[str, list[Any]] | None = None


class ViewerScoring:
    def __init__(self, table: ViewerStateTable, settings: ViewerSettings) -> None:
        self.table = table
        self.settings = settings
        self._engines: dict[int, tuple[int, ChurnEngine]] = {}
        self._published_at = float("-inf")

    def engine(self, partition: int) -> ChurnEngine:
        """The partition's engine: the cached one unless the table holds a checkpoint
        this worker did not write (a takeover, a restart)."""
        stored = self.table.get(model_key(partition)) or {}
        mark = int(stored.get("learned_upto", -1))
        cached = self._engines.get(partition)
        if cached is not None and cached[0] == mark:
            return cached[1]
        engine = ChurnEngine(self.settings.churn_horizon_days)
        engine.closed = []  # the worker records every session (viewing-sessions)
        if stored:
            engine.restore(stored["engine"])
        self._engines[partition] = (mark, engine)
        return engine

    def begin(self, partition: int) -> PartitionBatch:
        stored = self.table.get(model_key(partition)) or {}
        return PartitionBatch(self.engine(partition), day=stored.get("day"))

    def state(self, batch: PartitionBatch, key: str, ts: float, partition: int) -> dict[str, Any]:
        state = batch.states.get(key)
        if state is None:
            stored = self.table.get(key)
            state = dict(stored) if stored else new_state(ts, partition)
            batch.states[key] = state
        return state

    def tick_to(
        self, batch: PartitionBatch, partition: int, ts: float, offset: int
    ) -> list[Scored]:
        """The event-time midnights between the partition's last day and `ts`: every
        account of the partition is ticked at each, and the idle ones expire."""
        today = day_of(ts)
        if batch.day is None:
            batch.day = today
            return []
        out: list[Scored] = []
        while batch.day < today:
            batch.day += 1
            midnight = batch.day * DAY_S
            keys = {k for k, _ in self.table.accounts_of(partition)} | set(batch.states)
            daily: list[Scored] = []
            for key in keys - batch.expired:
                state = self.state(batch, key, midnight, partition)
                if batch.engine.expired(state, midnight, self.settings.account_expiry_days):
                    batch.expired.add(key)
                    continue
                score = batch.engine.tick(state, midnight, offset)
                for session in batch.engine.closed or []:
                    session.setdefault("key", key)  # ticks end sessions of many accounts
                if score is not None:
                    daily.append(Scored(key, score))
            batch.gauge = self.gauge(partition, batch, daily)
            out.extend(daily)
        return out

    def gauge(
        self, partition: int, batch: PartitionBatch, daily: list[Scored]
    ) -> dict[str, list[Any]]:
        """A tick's counts per platform, with each platform's risk bands and the
        partition's prequential quality (the same on every platform's row)."""
        assert batch.day is not None
        quality = batch.engine.quality
        figures, labels = quality.figures(), len(quality.seen)
        risks: dict[str, list[float]] = {}
        for scored in daily:
            risks.setdefault(scored.key.rsplit("|", 1)[1], []).append(scored.score.risk)
        return {
            platform: viewer_gauge.extend(row, labels, figures, risks.get(platform, ()))
            for platform, row in self.count_accounts(partition, batch.day, daily).items()
        }

    def moved_from(
        self, batch: PartitionBatch, account: str, platform: str, ts: float
    ) -> str | None:
        """The platform this account cancelled most recently within the move window
        before `ts` (its states on the other platforms, as this batch left them)."""
        cancels = {}
        for other in PLATFORMS:
            if other != platform:
                key = f"{account}|{other}"
                state = batch.states.get(key) or self.table.get(key)
                if state is not None:
                    cancels[other] = moves.cancelled_at(state)
        return moves.moved_from(cancels, platform, ts, self.settings.viewer_move_days * DAY_S)

    def count_accounts(
        self, partition: int, day: int, daily: list[Scored]
    ) -> dict[str, list[float]]:
        """Active and at-risk accounts and expected cancellations per platform, as of a
        daily tick (every active account of the partition is scored at it), as metrics;
        returns {platform: [day, active, at_risk, expected]}, every platform included (a
        platform without accounts here reads zero, not its last figures)."""
        totals = {platform: [float(day), 0.0, 0.0, 0.0] for platform in PLATFORMS}
        threshold = self.settings.churn_risk_threshold
        for scored in daily:
            row = totals.setdefault(scored.key.rsplit("|", 1)[1], [float(day), 0.0, 0.0, 0.0])
            row[1] += 1
            row[2] += scored.score.risk > threshold
            row[3] += scored.score.risk
        for platform, (_, active, at_risk, expected) in totals.items():
            for kind, value in (("active", active), ("at_risk", at_risk)):
                VIEWER_ACCOUNTS.labels(str(partition), platform, kind).set(value)
            VIEWER_ACCOUNTS.labels(str(partition), platform, "expected_cancellations").set(expected)
        return totals

    def commit(self, partition: int, batch: PartitionBatch) -> None:
        engine = batch.engine
        checkpoint = {
            "engine": engine.checkpoint(),
            "day": batch.day,
            "learned_upto": engine.learned_upto,
        }
        self.table.write(model_key(partition), checkpoint, partition)
        self._engines[partition] = (engine.learned_upto, engine)
        for key, state in batch.states.items():
            if key in batch.expired:
                if self.table.get(key) is not None:
                    self.table.remove(key, partition)
            else:
                self.table.write(key, state, partition)

    def publish_quality(self, now: float, every_s: float = 30.0) -> None:
        """The prequential figures as metrics, at most every `every_s` (they sort the window)."""
        if now - self._published_at < every_s:
            return
        self._published_at = now
        for partition, (_, engine) in self._engines.items():
            CHURN_LABELS.labels(str(partition)).set(engine.learned)
            for name, value in engine.quality.figures().items():
                scorer, figure = name.split("_", 1)
                if value is not None:
                    CHURN_QUALITY.labels(str(partition), scorer, figure).set(value)

    def should_send(self, state: dict[str, Any], risk: float) -> bool:
        """A risk goes out when it moved by more than the setting since the last one sent."""
        last = state.get("risk")
        if last is not None and abs(risk - last) <= self.settings.churn_risk_min_change:
            return False
        state["risk"] = risk
        return True
