"""Prequential quality: every label is first scored (with the risk the model gave when
the features were taken), then learned. ROC-AUC, PR-AUC (average precision) and log-loss
over the last `window` labels, for the model and the baseline side by side."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field


def roc_auc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Exact ROC-AUC (ties count half); None without both classes."""
    pairs = sorted(zip(scores, labels, strict=True))
    positives = sum(1 for _, y in pairs if y)
    negatives = len(pairs) - positives
    if not positives or not negatives:
        return None
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mid = (i + j + 1) / 2  # average 1-based rank of the tie group
        rank_sum += mid * sum(1 for _, y in pairs[i:j] if y)
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def pr_auc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Average precision (the area under the precision-recall steps); None without positives."""
    positives = sum(1 for y in labels if y)
    if not positives:
        return None
    ranked = sorted(zip(scores, labels, strict=True), key=lambda p: -p[0])
    hits, total, i = 0, 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        group = sum(1 for _, y in ranked[i:j] if y)
        hits += group
        total += group * hits / j  # tied scores share one threshold
        i = j
    return total / positives


def log_loss(labels: Sequence[bool], probas: Sequence[float]) -> float | None:
    if not labels:
        return None
    eps = 1e-6
    total = 0.0
    for y, p in zip(labels, probas, strict=True):
        p = min(1 - eps, max(eps, p))
        total -= math.log(p if y else 1 - p)
    return total / len(labels)


@dataclass
class Prequential:
    """The last `window` (label, model risk, baseline risk) triples and the counts."""

    window: int = 50_000
    seen: deque[tuple[bool, float, float]] = field(default_factory=deque)
    labels: int = 0
    positives: int = 0
    # The figures as of `labels` (they sort the window: the metrics every 30 s and the
    # daily gauge ask for them, mostly with no new label in between)
    _figures: tuple[int, dict[str, float | None]] | None = None

    def add(self, label: bool, model: float, baseline: float) -> None:
        self.seen.append((label, model, baseline))
        if len(self.seen) > self.window:
            self.seen.popleft()
        self.labels += 1
        self.positives += int(label)

    def figures(self) -> dict[str, float | None]:
        if self._figures is not None and self._figures[0] == self.labels:
            return dict(self._figures[1])
        ys = [y for y, _, _ in self.seen]
        out: dict[str, float | None] = {}
        for name, column in (("model", 1), ("baseline", 2)):
            scores = [row[column] for row in self.seen]
            out[f"{name}_roc_auc"] = roc_auc(ys, scores)
            out[f"{name}_pr_auc"] = pr_auc(ys, scores)
            out[f"{name}_log_loss"] = log_loss(ys, scores)
        self._figures = (self.labels, out)
        return dict(out)
