"""The viewers' table operator: engines per partition from checkpoints, risk changes,
quality as metrics."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from streamapp.config import ViewerSettings
from streamapp.tables.viewer_scoring import ViewerScoring
from streamapp.tables.viewer_state import model_key
from tests.fakes import FakeTable


def test_a_checkpoint_written_elsewhere_replaces_the_cached_engine() -> None:
    table = FakeTable()
    ops = ViewerScoring(table, ViewerSettings())  # type: ignore[arg-type]
    mine = ops.engine(3)
    assert ops.engine(3) is mine
    other = ViewerScoring(FakeTable(), ViewerSettings()).engine(3)  # type: ignore[arg-type]
    other.learned, other.learned_upto = 12, 40
    table[model_key(3)] = {"engine": other.checkpoint(), "day": 5, "learned_upto": 40}
    taken_over = ops.engine(3)
    assert taken_over is not mine and taken_over.learned == 12


def test_risk_goes_out_only_when_it_moved_by_more_than_the_setting() -> None:
    ops = ViewerScoring(FakeTable(), ViewerSettings(churn_risk_min_change=0.05))  # type: ignore[arg-type]
    state: dict = {"risk": None}
    assert ops.should_send(state, 0.20)
    assert not ops.should_send(state, 0.24)
    assert ops.should_send(state, 0.26) and state["risk"] == 0.26


def test_quality_is_published_as_metrics() -> None:
    ops = ViewerScoring(FakeTable(), ViewerSettings())  # type: ignore[arg-type]
    engine = ops.engine(7)
    engine.quality.add(True, 0.9, 0.4)
    engine.quality.add(False, 0.1, 0.6)
    ops.publish_quality(now=1000.0)

    def sample(scorer: str, figure: str) -> float | None:
        labels = {"partition": "7", "scorer": scorer, "figure": figure}
        return REGISTRY.get_sample_value("streamapp_churn_quality", labels)

    assert sample("model", "roc_auc") == 1.0 and sample("baseline", "roc_auc") == 0.0


def test_daily_ticks_count_active_and_at_risk_accounts_per_platform() -> None:
    from streamapp.analytics.viewers.engine import Score
    from streamapp.tables.viewer_scoring import Scored

    ops = ViewerScoring(FakeTable(), ViewerSettings(churn_risk_threshold=0.5))  # type: ignore[arg-type]

    def scored(key: str, risk: float) -> Scored:
        return Scored(key, Score(risk, 0.1, [], 0.0, "daily"))

    gauge = ops.count_accounts(
        2, 20_700, [scored("a|netflix", 0.7), scored("b|netflix", 0.2), scored("c|max", 0.9)]
    )
    assert gauge["netflix"] == [20_700, 2, 1, pytest.approx(0.9)]
    assert gauge["hulu"] == [20_700, 0, 0, 0]  # no accounts here: zero, not stale

    def sample(platform: str, kind: str) -> float | None:
        labels = {"partition": "2", "platform": platform, "kind": kind}
        return REGISTRY.get_sample_value("streamapp_viewer_accounts", labels)

    assert sample("netflix", "active") == 2 and sample("netflix", "at_risk") == 1
    assert sample("netflix", "expected_cancellations") == pytest.approx(0.9)
    assert sample("max", "at_risk") == 1
