"""Forecast error metrics.

- MAE: mean absolute error, in the series' own units.
- MAPE: mean of |error| / |actual|, in percent. Points whose actual is 0 are left out
  (their percentage error is undefined); with no non-zero actual at all it is None.
- MASE: MAE divided by the in-sample MAE of the seasonal naive forecast on the training
  part (Hyndman & Koehler 2006), with the same season as the seasonal-naive model. A
  MASE under 1 beats a one-step seasonal naive forecast made with hindsight. When the
  training part is not longer than one season, the season falls back to 1 (naive).
  A flat training part (scale 0) gives None.
"""

from __future__ import annotations

from collections.abc import Sequence


def mae(actual: Sequence[float], predicted: Sequence[float]) -> float:
    _same_length(actual, predicted)
    return sum(abs(a - p) for a, p in zip(actual, predicted, strict=True)) / len(actual)


def mape(actual: Sequence[float], predicted: Sequence[float]) -> float | None:
    _same_length(actual, predicted)
    ratios = [abs(a - p) / abs(a) for a, p in zip(actual, predicted, strict=True) if a != 0]
    return 100.0 * sum(ratios) / len(ratios) if ratios else None


def mase_scale(train: Sequence[float], season: int) -> float | None:
    """In-sample MAE of the seasonal naive forecast y[t] = y[t - season]."""
    m = season if len(train) > season else 1
    if len(train) <= m:
        return None
    diffs = [abs(train[t] - train[t - m]) for t in range(m, len(train))]
    scale = sum(diffs) / len(diffs)
    return scale if scale > 0 else None


def mase(
    actual: Sequence[float], predicted: Sequence[float], train: Sequence[float], season: int
) -> float | None:
    scale = mase_scale(train, season)
    return None if scale is None else mae(actual, predicted) / scale


def _same_length(actual: Sequence[float], predicted: Sequence[float]) -> None:
    if not actual or len(actual) != len(predicted):
        raise ValueError(f"need equal, non-empty lengths, got {len(actual)} and {len(predicted)}")
