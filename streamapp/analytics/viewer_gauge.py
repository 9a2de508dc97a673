"""The viewers' per-platform gauge that rides on the market windows.

The churn engine counts, at each event-time daily tick of a `viewing-events` partition,
the platform's active accounts, those at risk and the expected cancellations (the sum of
the risks), how those accounts' risks spread over fixed risk bands, and the partition's
prequential quality figures (the model's and the recency baseline's). The viewers agent
sends that snapshot to the platform's window partition; the closer keeps the newest one
per viewing partition and, when a window closes, stamps their sums on it. A snapshot
replaces, it never adds: a snapshot delivered twice (a batch read again after a crash)
changes nothing, and the exactly-once counting of the market's mentions (offsets, lanes,
watermarks) is not involved at all.

A row, per viewing partition: [day, active, at_risk, expected, labels, *QUALITY figures,
*accounts per risk band]. Rows from workers older than the bands and the quality are
four long; their windows carry no histogram and no quality.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from typing import Any

# Per viewing partition: [day, active, at_risk, expected_cancellations, labels, ...]
Gauge = dict[str, list[Any]]

# The prequential figures of a partition's model and baseline (engine.quality.figures()).
QUALITY = (
    "model_roc_auc",
    "model_pr_auc",
    "model_log_loss",
    "baseline_roc_auc",
    "baseline_pr_auc",
    "baseline_log_loss",
)
# Risk bands: most accounts sit far below the at-risk threshold (monthly churn is ~5%),
# so the low bands are narrow and the high ones wide; 1.0 closes the last band.
RISK_EDGES = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
BANDS = len(RISK_EDGES) - 1
_BASE = 4  # day, active, at_risk, expected
_LABELS = _BASE
_FIRST_FIGURE = _LABELS + 1
_FIRST_BAND = _FIRST_FIGURE + len(QUALITY)
ROW_LENGTH = _FIRST_BAND + BANDS


def band_counts(risks: Iterable[float]) -> list[int]:
    """Accounts per risk band; a band holds [low, high), the last one [0.7, 1.0]."""
    counts = [0] * BANDS
    for risk in risks:
        counts[min(BANDS - 1, max(0, bisect_right(RISK_EDGES, risk) - 1))] += 1
    return counts


def extend(row: list[float], labels: int, figures: Mapping[str, float | None],
           risks: Iterable[float]) -> list[Any]:  # fmt: skip
    """A tick's [day, active, at_risk, expected] with the quality and the risk bands."""
    values = [figures.get(n) for n in QUALITY]
    quality = [None if v is None else round(float(v), 6) for v in values]
    return [*row[:_BASE], labels, *quality, *band_counts(risks)]


def fold(stored: Gauge | None, report: Gauge) -> Gauge:
    """The newest snapshot per viewing partition (an older day never replaces a newer)."""
    out = {p: list(row) for p, row in (stored or {}).items()}
    for partition, row in report.items():
        kept = out.get(partition)
        if kept is None or row[0] >= kept[0]:
            out[partition] = list(row)
    return out


def window_fields(gauge: Gauge | None) -> dict[str, Any]:
    """The window's viewers' fields: sums over the viewing partitions (None: no report)."""
    if not gauge:
        return {"accounts_active": None, "accounts_at_risk": None, "expected_cancellations": None,
                "risk_histogram": None, "churn_quality": None}  # fmt: skip
    rows = list(gauge.values())
    full = [r for r in rows if len(r) >= ROW_LENGTH]
    histogram = None
    if full and len(full) == len(rows):  # a partition without bands: no honest total
        histogram = {
            "edges": list(RISK_EDGES),
            "accounts": [int(sum(r[_FIRST_BAND + b] for r in rows)) for b in range(BANDS)],
        }
    return {
        "accounts_active": int(sum(r[1] for r in rows)),
        "accounts_at_risk": int(sum(r[2] for r in rows)),
        "expected_cancellations": round(sum(r[3] for r in rows), 3),
        "risk_histogram": histogram,
        "churn_quality": pooled_quality(full),
    }


def pooled_quality(rows: list[list[Any]]) -> dict[str, Any] | None:
    """The partitions' figures, each weighted by the labels it was measured on. For the
    log-loss (a mean) that is the figure over all labels; for ROC-AUC and PR-AUC it is
    an approximation of it (exact with one partition): each partition has its own model."""
    labelled = [r for r in rows if r[_LABELS]]
    if not labelled:
        return None
    out: dict[str, Any] = {"labels": int(sum(r[_LABELS] for r in labelled))}
    for i, name in enumerate(QUALITY):
        known = [(r[_FIRST_FIGURE + i], r[_LABELS]) for r in labelled]
        known = [(v, n) for v, n in known if v is not None]
        weight = sum(n for _, n in known)
        out[name] = round(sum(v * n for v, n in known) / weight, 4) if weight else None
    return out
