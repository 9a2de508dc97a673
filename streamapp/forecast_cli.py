"""`streamapp backtest FILE`: rolling-origin backtests of every model on every series.

Per series: MAE, MAPE and MASE of each model on the held-out origins, then the model
chosen on the earlier origins. Last line (fixed, for scripts and CI):
`backtest: series=<n> chosen_mase=<x> snaive_mase=<y> improvement=<percent>`, where
improvement is 100 * (1 - chosen / seasonal naive) per series, averaged over series.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_HORIZON = {"D": 7, "W": 8, "M": 6, "Q": 4}
SNAIVE = "seasonal_naive"


@dataclass
class SeriesResult:
    name: str
    freq: str
    points: int
    season: int
    backtest: Any  # streamapp.analytics.forecasting.Backtest
    stamps: list[Any]
    values: list[float]

    @property
    def chosen_mase(self) -> float | None:
        return self.backtest.scores[self.backtest.chosen].mase

    @property
    def snaive_mase(self) -> float | None:
        return self.backtest.scores[SNAIVE].mase


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "backtest", help="rolling-origin backtest of forecasting models on a CSV of series"
    )
    parser.add_argument(
        "file", help="Google Trends export, long date,hits,keyword CSV, or date,value"
    )
    parser.add_argument("--horizon", type=int, help="points ahead (default D 7, W 8, M 6, Q 4)")
    parser.add_argument("--freq", choices=["D", "W", "M", "Q"], help="default: detected")
    parser.add_argument("--column", action="append", help="only this series (repeatable)")
    parser.add_argument("--origins", type=int, default=8, help="forecast origins (8)")
    parser.add_argument("--holdout", type=int, default=3, help="last origins kept for scoring (3)")
    parser.add_argument("--no-prophet", action="store_true", help="baselines only (fast)")
    parser.add_argument("--json", action="store_true", help="one JSON document instead of text")
    parser.add_argument("--plot", metavar="PNG", help="actual vs forecast, one panel per series")
    parser.set_defaults(func=cmd_backtest)


def cmd_backtest(args: argparse.Namespace) -> int:
    from streamapp.analytics.forecasting import by_name, default_models, detect, run_backtest
    from streamapp.forecast_io import ForecastInputError, load_series

    if args.holdout < 1 or args.origins < 2 or (args.horizon is not None and args.horizon < 1):
        print(
            "streamapp backtest: need --holdout >= 1, --origins >= 2, --horizon >= 1",
            file=sys.stderr,
        )
        return 2
    try:
        series = load_series(Path(args.file), args.column)
        results = []
        for s in series:
            freq = by_name(args.freq) if args.freq else detect(s.timestamps)
            horizon = args.horizon or DEFAULT_HORIZON.get(freq.name, 8)
            try:
                backtest = run_backtest(
                    s.timestamps,
                    s.values,
                    freq,
                    default_models(not args.no_prophet),
                    horizon,
                    origins=args.origins,
                    holdout=args.holdout,
                )
            except ValueError as exc:
                raise ForecastInputError(f"{args.file}: series {s.name!r}: {exc}") from None
            if not backtest.holdout:
                raise ForecastInputError(
                    f"{args.file}: series {s.name!r}: {len(s.values)} points leave no origin "
                    "to score on after choosing; shorten --horizon or add history"
                )
            season = freq.usable_season(backtest.selection[0])
            results.append(
                SeriesResult(
                    s.name, freq.name, len(s.values), season, backtest, s.timestamps, s.values
                )
            )
    except (ForecastInputError, OSError, ValueError) as exc:
        print(f"streamapp backtest: {exc}", file=sys.stderr)
        return 2
    if args.plot:
        from streamapp.forecast_plot import plot_backtests

        plot_backtests(results, Path(args.plot))
    if args.json:
        print(json.dumps(as_json(results), indent=2))
    else:
        for line in report_lines(results):
            print(line)
    return 0


def summary(results: list[SeriesResult]) -> dict[str, float | int | None]:
    """Means over series; improvement only over series whose MASE values exist."""
    pairs = [(r.chosen_mase, r.snaive_mase) for r in results]
    chosen = [c for c, _ in pairs if c is not None]
    snaive = [s for _, s in pairs if s is not None]
    gains = [100 * (1 - c / s) for c, s in pairs if c is not None and s]
    naive = [m for r in results if (m := r.backtest.scores["naive"].mase) is not None]
    return {
        "series": len(results),
        "chosen_mase": _mean(chosen),
        "snaive_mase": _mean(snaive),
        "improvement": _mean(gains),
        # not on the last line, but the fairer yardstick where seasons are weak
        "naive_mase": _mean(naive),
    }


def last_line(results: list[SeriesResult]) -> str:
    s = summary(results)
    return (
        f"backtest: series={s['series']} chosen_mase={_fmt(s['chosen_mase'])} "
        f"snaive_mase={_fmt(s['snaive_mase'])} improvement={_fmt(s['improvement'], 1)}%"
    )


def report_lines(results: list[SeriesResult]) -> list[str]:
    lines = []
    for r in results:
        b = r.backtest
        lines.append(
            f"{r.name}: {r.points} points, freq {r.freq}, season {r.season}, horizon {b.horizon}, "
            f"chosen on origins {b.selection[0]}..{b.selection[-1]}, "
            f"scored on {', '.join(map(str, b.holdout))}"
        )
        lines.append(f"  {'model':<16}{'MAE':>12}{'MAPE %':>10}{'MASE':>9}")
        for name, score in b.scores.items():
            mark = "  <- chosen" if name == b.chosen else ""
            lines.append(
                f"  {name:<16}{score.mae:>12.4g}{_fmt(score.mape, 2):>10}{_fmt(score.mase):>9}{mark}"
            )
        lines.append(f"  chosen: {b.chosen}")
    lines.append(last_line(results))
    return lines


def as_json(results: list[SeriesResult]) -> dict[str, Any]:
    return {
        "series": [
            {
                "name": r.name,
                "freq": r.freq,
                "points": r.points,
                "season": r.season,
                "horizon": r.backtest.horizon,
                "selection_origins": r.backtest.selection,
                "holdout_origins": r.backtest.holdout,
                "chosen": r.backtest.chosen,
                "scores": {
                    name: {"mae": s.mae, "mape": s.mape, "mase": s.mase, "points": s.points}
                    for name, s in r.backtest.scores.items()
                },
            }
            for r in results
        ],
        "summary": summary(results),
    }


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _fmt(value: float | int | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"
