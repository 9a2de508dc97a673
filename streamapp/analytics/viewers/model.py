"""The online churn model (river) and its checkpoint.

A standard scaler fed with every scored snapshot (unsupervised: the features are known at
scoring time) and a logistic regression learned from delayed labels only. The same
shape on one feature, days since the last session, is the recency baseline. The
checkpoint is plain JSON (the scaler's moments and the weights), never a pickle: a table
changelog is data, and loading it must not run code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from river import linear_model, optim, preprocessing

MODEL_VERSION = "churn-lr-1"
LEARNING_RATE = 0.05
L2 = 1e-4


class OnlineLogit:
    """Scaler + logistic regression over named features."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self.scaler = preprocessing.StandardScaler()
        self.model = linear_model.LogisticRegression(optimizer=optim.SGD(LEARNING_RATE), l2=L2)

    def _x(self, values: Sequence[float]) -> dict[str, float]:
        return dict(zip(self.names, values, strict=True))

    def observe(self, values: Sequence[float]) -> None:
        """A scored snapshot: the scaler learns the population's moments."""
        self.scaler.learn_one(self._x(values))

    def scaled(self, values: Sequence[float]) -> dict[str, float]:
        return self.scaler.transform_one(self._x(values))

    def proba(self, values: Sequence[float]) -> float:
        return float(self.model.predict_proba_one(self.scaled(values)).get(True, 0.0))

    def learn(self, values: Sequence[float], label: bool) -> None:
        self.model.learn_one(self.scaled(values), label)

    def contributions(self, values: Sequence[float]) -> dict[str, float]:
        """Each feature's push on the log-odds (weight x scaled value)."""
        return self.proba_and_pushes(values)[1]

    def proba_and_pushes(self, values: Sequence[float]) -> tuple[float, dict[str, float]]:
        """`proba` and `contributions` from one scaling (a score needs both)."""
        scaled = self.scaler.transform_one(self._x(values))
        proba = float(self.model.predict_proba_one(scaled).get(True, 0.0))
        weights = self.model._weights
        return proba, {name: weights.get(name, 0.0) * v for name, v in scaled.items()}

    def export(self) -> dict[str, Any]:
        s, m = self.scaler, self.model
        return {
            "counts": dict(s.counts),
            "means": dict(s.means),
            "vars": dict(s.vars),
            "weights": dict(m._weights),
            "intercept": m.intercept,
            "iterations": m.optimizer.n_iterations,
        }

    def restore(self, data: dict[str, Any]) -> None:
        s, m = self.scaler, self.model
        s.counts.clear()
        s.counts.update({k: int(v) for k, v in data["counts"].items()})
        s.means.clear()
        s.means.update({k: float(v) for k, v in data["means"].items()})
        s.vars.clear()
        s.vars.update({k: float(v) for k, v in data["vars"].items()})
        for name, weight in data["weights"].items():
            m._weights[name] = float(weight)
        m.intercept = float(data["intercept"])
        m.optimizer.n_iterations = int(data["iterations"])


def top_features(contributions: dict[str, float], n: int = 3) -> list[str]:
    """The features that moved the score most (largest push, either way)."""
    return [k for k, _ in sorted(contributions.items(), key=lambda kv: -abs(kv[1]))[:n]]


def clamp(p: float) -> float:
    return min(1 - 1e-6, max(1e-6, p)) if math.isfinite(p) else 0.5
