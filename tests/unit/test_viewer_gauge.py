"""The viewers' gauge on the platform windows: accounts per risk band and the churn
model's prequential quality next to the baseline's, summed (or weighted) over the
viewing partitions."""

from __future__ import annotations

import pytest

from streamapp.analytics import viewer_gauge
from streamapp.analytics.viewers.engine import Score
from streamapp.config import ViewerSettings
from streamapp.tables.viewer_scoring import Scored, ViewerScoring
from tests.fakes import FakeViewerTable


def test_risks_fall_into_their_bands_edges_included_low() -> None:
    counts = viewer_gauge.band_counts([0.0, 0.019, 0.02, 0.3, 0.49, 0.5, 0.7, 0.99, 1.0])
    #                                  <2%   2-5  5-10 10-20 20-30 30-50 50-70 >=70
    assert counts == [2, 1, 0, 0, 0, 2, 1, 3]
    assert len(counts) == len(viewer_gauge.RISK_EDGES) - 1


def quality(model_auc: float | None, baseline_auc: float) -> dict[str, float | None]:
    return {"model_roc_auc": model_auc, "baseline_roc_auc": baseline_auc, "model_log_loss": 0.2}


def test_windows_sum_the_bands_and_weight_each_partitions_quality_by_its_labels() -> None:
    gauge = {
        "0": viewer_gauge.extend([3, 2, 1, 0.9], 300, quality(0.8, 0.6), [0.01, 0.6]),
        "1": viewer_gauge.extend([3, 1, 0, 0.1], 100, quality(0.6, 0.7), [0.25]),
    }
    fields = viewer_gauge.window_fields(gauge)
    assert (fields["accounts_active"], fields["accounts_at_risk"]) == (3, 1)
    assert fields["risk_histogram"] == {
        "edges": list(viewer_gauge.RISK_EDGES),
        "accounts": [1, 0, 0, 0, 1, 0, 1, 0],
    }
    q = fields["churn_quality"]
    assert q["labels"] == 400
    assert q["model_roc_auc"] == pytest.approx((0.8 * 300 + 0.6 * 100) / 400)
    assert q["baseline_roc_auc"] == pytest.approx((0.6 * 300 + 0.7 * 100) / 400)
    assert q["model_pr_auc"] is None  # no partition had it


def test_a_partition_without_labels_or_an_older_worker_adds_no_quality() -> None:
    newer = viewer_gauge.extend([3, 2, 1, 0.9], 0, {}, [0.1, 0.2])
    assert viewer_gauge.window_fields({"0": newer})["churn_quality"] is None
    older = [3, 5, 1, 1.5]  # a worker from before the bands: no honest histogram total
    fields = viewer_gauge.window_fields({"0": newer, "1": older})
    assert fields["risk_histogram"] is None and fields["accounts_active"] == 7
    assert viewer_gauge.window_fields(None)["risk_histogram"] is None


def test_a_daily_tick_reports_each_platforms_bands_and_the_partitions_quality() -> None:
    ops = ViewerScoring(FakeViewerTable(), ViewerSettings())  # type: ignore[arg-type]
    batch = ops.begin(4)
    batch.day = 20_700
    for label, model, base in ((True, 0.9, 0.3), (False, 0.2, 0.4), (False, 0.1, 0.5)):
        batch.engine.quality.add(label, model, base)
    daily = [Scored(k, Score(r, 0.1, [], 0.0, "daily"))
             for k, r in (("a|netflix", 0.75), ("b|netflix", 0.03), ("c|max", 0.4))]  # fmt: skip
    rows = ops.gauge(4, batch, daily)
    fields = viewer_gauge.window_fields({"4": rows["netflix"]})
    assert fields["risk_histogram"]["accounts"] == [0, 1, 0, 0, 0, 0, 0, 1]
    assert fields["churn_quality"]["labels"] == 3
    assert fields["churn_quality"]["model_roc_auc"] == 1.0
    assert fields["churn_quality"]["baseline_roc_auc"] == 0.0
    empty = viewer_gauge.window_fields({"4": rows["hulu"]})  # no accounts: zero bands
    assert empty["risk_histogram"]["accounts"] == [0] * 8 and empty["accounts_active"] == 0
