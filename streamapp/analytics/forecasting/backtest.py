"""Rolling-origin backtests: forecast from several past origins, score against what came.

From each origin `o` a model sees only `values[:o]` and forecasts `horizon` points,
scored against `values[o:o + horizon]`. Origins are spaced evenly (at most `horizon`
apart) over the last part of the series, each with at least `min_train` points before.

Honesty: the model is *chosen* on the earlier origins (`selection`) and *scored* on the
last ones (`holdout`), which the choice never saw. Over several origins, MAE and MAPE
pool every forecast point; MASE is the mean of each origin's MASE (each scaled by its
own training part).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from streamapp.analytics.forecasting.frequency import Frequency
from streamapp.analytics.forecasting.metrics import mae, mape, mase
from streamapp.analytics.forecasting.models import Ensemble, Model


@dataclass(frozen=True)
class Score:
    mae: float
    mape: float | None
    mase: float | None
    points: int

    @property
    def key(self) -> float:
        """What model choice minimises: MASE (MAE when the series was flat)."""
        return self.mase if self.mase is not None else self.mae


@dataclass
class Backtest:
    horizon: int
    season: int
    selection: list[int]
    holdout: list[int]
    # model -> origin -> forecast of `horizon` points
    forecasts: dict[str, dict[int, list[float]]] = field(default_factory=dict)
    scores: dict[str, Score] = field(default_factory=dict)  # on the holdout origins
    selection_scores: dict[str, Score] = field(default_factory=dict)
    chosen: str = ""


def plan_origins(n: int, horizon: int, count: int, min_train: int) -> list[int]:
    last = n - horizon
    if last < min_train:
        raise ValueError(
            f"{n} points are too few for a backtest with horizon {horizon}: "
            f"need at least {min_train + horizon}"
        )
    step = max(1, min(horizon, (last - min_train) // max(count - 1, 1)))
    origins = [last - i * step for i in range(count) if last - i * step >= min_train]
    return sorted(origins)


def run_backtest(
    stamps: Sequence[datetime],
    values: Sequence[float],
    freq: Frequency,
    models: Sequence[Model],
    horizon: int,
    origins: int = 8,
    holdout: int = 3,
    min_train: int | None = None,
    references: Sequence[Model] = (),
) -> Backtest:
    """Backtest every model; with `holdout=0` all origins choose (the live path).
    `references` (the seed's ARIMA) are scored like the others but never chosen."""
    if horizon < 1:
        raise ValueError("horizon must be at least 1")
    min_train = min_train or max(8, 2 * horizon)
    if len(values) - horizon >= 2 * freq.season:
        # every origin then sees two seasons: one season for all origins, not a mix
        min_train = max(min_train, 2 * freq.season)
    planned = plan_origins(len(values), horizon, origins, min_train)
    holdout = min(holdout, len(planned) - 1)  # keep at least one origin to choose on
    split = len(planned) - holdout
    result = Backtest(horizon, freq.season, planned[:split], planned[split:])
    for origin in planned:
        done: dict[str, list[float]] = {}
        for model in (*models, *references):
            done[model.name] = _forecast(
                model, done, stamps[:origin], values[:origin], horizon, freq
            )
            result.forecasts.setdefault(model.name, {})[origin] = done[model.name]
    for name, by_origin in result.forecasts.items():
        result.selection_scores[name] = score(values, by_origin, result.selection, freq)
        if result.holdout:
            result.scores[name] = score(values, by_origin, result.holdout, freq)
    # min() keeps the first of equals: list the simpler models first
    candidates = [m.name for m in models]
    result.chosen = min(candidates, key=lambda m: result.selection_scores[m].key)
    return result


def _forecast(
    model: Model,
    done: dict[str, list[float]],
    stamps: Sequence[datetime],
    values: Sequence[float],
    horizon: int,
    freq: Frequency,
) -> list[float]:
    # An ensemble reuses its members' forecasts from this origin instead of refitting.
    if isinstance(model, Ensemble) and all(m.name in done for m in model.members):
        runs = [done[m.name] for m in model.members]
        return [sum(step) / len(runs) for step in zip(*runs, strict=True)]
    return model.forecast(stamps, values, horizon, freq)


def score(
    values: Sequence[float], by_origin: dict[int, list[float]], origins: list[int], freq: Frequency
) -> Score:
    actual: list[float] = []
    predicted: list[float] = []
    scaled: list[float] = []
    for origin in origins:
        forecast = by_origin[origin]
        truth = list(values[origin : origin + len(forecast)])
        actual += truth
        predicted += forecast
        train = values[:origin]
        value = mase(truth, forecast, train, freq.usable_season(len(train)))
        if value is not None:
            scaled.append(value)
    return Score(
        mae=mae(actual, predicted),
        mape=mape(actual, predicted),
        mase=sum(scaled) / len(scaled) if scaled else None,
        points=len(actual),
    )


def step_errors(values: Sequence[float], by_origin: dict[int, list[float]]) -> list[list[float]]:
    """Out-of-sample errors (actual - forecast) grouped by horizon step."""
    horizon = len(next(iter(by_origin.values())))
    steps: list[list[float]] = [[] for _ in range(horizon)]
    for origin, forecast in by_origin.items():
        for h, predicted in enumerate(forecast):
            if origin + h < len(values):
                steps[h].append(values[origin + h] - predicted)
    return steps
