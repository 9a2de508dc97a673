"""`streamapp backtest FILE`: rolling-origin backtests of every model on every series.

Per series: MAE, MAPE and MASE of each model on the held-out origins, then the model
chosen on the earlier origins. With `--drivers`, ARIMA and Prophet with the drivers
(and public holidays) join the candidates. The seed's ARIMA(1,1,1) is always a row,
scored but never chosen. Last line (fixed, for scripts and CI):
`backtest: series=<n> chosen_mase=<x> snaive_mase=<y> improvement=<percent>
seed_arima_mase=<z>` (one line), where improvement is 100 * (1 - chosen / seasonal
naive) per series, averaged over series.
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
SEED = "seed_arima"


@dataclass
class SeriesResult:
    name: str
    freq: str
    points: int
    season: int
    backtest: Any  # streamapp.analytics.forecasting.Backtest
    stamps: list[Any]
    values: list[float]
    drivers: tuple[str, ...] = ()  # the chosen model's driver columns (last origin)
    skipped: dict[str, str] | None = None  # driver columns not used, and why
    usable: tuple[str, ...] = ()  # driver columns a driver model could use
    plain_choice: str = ""  # what the choice would have been without driver models
    seed_candidate: bool = True  # the seed's ARIMA is a candidate (else a reference row)

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
    add_driver_options(parser)
    parser.set_defaults(func=cmd_backtest)


def add_driver_options(parser: Any) -> None:
    parser.add_argument(
        "--drivers", action="append", metavar="CSV", help="drivers calendar or series (repeatable)"
    )
    parser.add_argument(
        "--country", help="public holidays of this country (default STREAMAPP_FORECAST_COUNTRY, US)"
    )
    parser.add_argument(
        "--platform", help="platform of series whose name names none (e.g. netflix)"
    )
    parser.add_argument(
        "--no-seed-arima",
        action="store_true",
        help="the seed's ARIMA(1,1,1) not a candidate (backtest: still a reference row)",
    )


def cmd_backtest(args: argparse.Namespace) -> int:
    from streamapp.analytics.forecasting import run_backtest
    from streamapp.analytics.forecasting.driver_models import SeedArima
    from streamapp.forecast_files.read import ForecastInputError, load_series

    if args.holdout < 1 or args.origins < 2 or (args.horizon is not None and args.horizon < 1):
        print(
            "streamapp backtest: need --holdout >= 1, --origins >= 2, --horizon >= 1",
            file=sys.stderr,
        )
        return 2
    try:
        series = load_series(Path(args.file), args.column)
        drivers = load_driver_files(args.drivers)
        results = []
        for s in series:
            freq, horizon, models, context = plan_series(s, args, drivers)
            seed_candidate = any(m.name == SEED for m in models)
            try:
                backtest = run_backtest(
                    s.timestamps,
                    s.values,
                    freq,
                    models,
                    horizon,
                    origins=args.origins,
                    holdout=args.holdout,
                    references=() if seed_candidate else (SeedArima(),),
                )
            except ValueError as exc:
                raise ForecastInputError(f"{args.file}: series {s.name!r}: {exc}") from None
            if not backtest.holdout:
                raise ForecastInputError(
                    f"{args.file}: series {s.name!r}: {len(s.values)} points leave no origin "
                    "to score on after choosing; shorten --horizon or add history"
                )
            season = freq.usable_season(backtest.selection[0])
            result = SeriesResult(
                s.name, freq.name, len(s.values), season, backtest, s.timestamps, s.values
            )
            result.seed_candidate = seed_candidate
            if context is not None:
                last = backtest.holdout[-1]
                design = context.design(s.timestamps[:last], horizon, freq)
                chosen = next(m for m in models if m.name == backtest.chosen)
                result.usable = design.names
                plain = [m.name for m in models if not hasattr(m, "uses")]
                result.plain_choice = min(plain, key=lambda m: backtest.selection_scores[m].key)
                result.drivers = design.names if hasattr(chosen, "uses") else ()
                result.skipped = design.skipped
            results.append(result)
    except (ForecastInputError, OSError, ValueError) as exc:
        print(f"streamapp backtest: {exc}", file=sys.stderr)
        return 2
    if args.plot:
        from streamapp.forecast_files.plot import plot_backtests

        plot_backtests(results, Path(args.plot))
    if args.json:
        print(json.dumps(as_json(results), indent=2))
    else:
        for line in report_lines(results):
            print(line)
    return 0


def plan_series(s: Any, args: argparse.Namespace, drivers: list[Any] | None) -> tuple[Any, ...]:
    """A series' frequency, horizon, candidate models and driver context (or None)."""
    from streamapp.analytics.forecasting import by_name, detect
    from streamapp.analytics.forecasting.driver_models import with_drivers
    from streamapp.forecast_files.read import candidate_models

    freq = by_name(args.freq) if args.freq else detect(s.timestamps)
    horizon = args.horizon or DEFAULT_HORIZON.get(freq.name, 8)
    models, context = candidate_models(
        s.name,
        drivers,
        not args.no_prophet,
        args.country,
        args.platform,
        with_arima=not getattr(args, "no_seed_arima", False),
    )
    return freq, horizon, with_drivers(models, context, s.timestamps, horizon, freq), context


def load_driver_files(paths: list[str] | None) -> list[Any] | None:
    """Every --drivers file's lines (None without --drivers: no driver models)."""
    if not paths:
        return None
    from streamapp.forecast_files.read import load_drivers

    return [d for path in paths for d in load_drivers(Path(path))]


def summary(results: list[SeriesResult]) -> dict[str, float | int | None]:
    """Means over series; improvement only over series whose MASE values exist."""
    pairs = [(r.chosen_mase, r.snaive_mase) for r in results]
    chosen = [c for c, _ in pairs if c is not None]
    snaive = [s for _, s in pairs if s is not None]
    gains = [100 * (1 - c / s) for c, s in pairs if c is not None and s]
    naive = [m for r in results if (m := r.backtest.scores["naive"].mase) is not None]
    plain = [m for r in results if r.plain_choice and (m := r.backtest.scores[r.plain_choice].mase)]
    seed = [m for r in results if SEED in r.backtest.scores and (m := r.backtest.scores[SEED].mase)]
    return {
        "series": len(results),
        "chosen_mase": _mean(chosen),
        "snaive_mase": _mean(snaive),
        "improvement": _mean(gains),
        # not on the last line, but the fairer yardstick where seasons are weak
        "naive_mase": _mean(naive),
        "seed_arima_mase": _mean(seed),
        # with --drivers: the chosen model's MASE had the driver models not been candidates
        "chosen_without_drivers_mase": _mean(plain),
    }


def last_line(results: list[SeriesResult]) -> str:
    s = summary(results)
    return (
        f"backtest: series={s['series']} chosen_mase={_fmt(s['chosen_mase'])} "
        f"snaive_mase={_fmt(s['snaive_mase'])} improvement={_fmt(s['improvement'], 1)}% "
        f"seed_arima_mase={_fmt(s['seed_arima_mase'])}"
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
            if name == SEED and not r.seed_candidate:
                mark = "  (seed's ARIMA(1,1,1), not a candidate)"
            lines.append(
                f"  {name:<16}{score.mae:>12.4g}{_fmt(score.mape, 2):>10}{_fmt(score.mase):>9}{mark}"
            )
        lines.append(f"  chosen: {b.chosen}{_drivers_note(r)}")
        if r.plain_choice:
            plain = b.scores[r.plain_choice].mase
            lines.append(
                f"  without drivers: {r.plain_choice} (MASE {_fmt(plain)}); "
                f"with drivers: {b.chosen} (MASE {_fmt(r.chosen_mase)})"
            )
        if r.skipped:
            why = "; ".join(f"{k}: {v}" for k, v in sorted(r.skipped.items()))
            lines.append(f"  drivers not used: {why}")
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
                "drivers": list(r.drivers),
                "chosen_without_drivers": r.plain_choice or r.backtest.chosen,
                "drivers_usable": list(r.usable),
                "drivers_skipped": r.skipped or {},
                "scores": {
                    name: {"mae": s.mae, "mape": s.mape, "mase": s.mase, "points": s.points}
                    for name, s in r.backtest.scores.items()
                },
            }
            for r in results
        ],
        "summary": summary(results),
    }


def _drivers_note(r: SeriesResult) -> str:
    if r.skipped is None:
        return ""  # no --drivers
    if r.drivers:
        return f" (drivers used: {', '.join(r.drivers)})"
    usable = f"; usable: {', '.join(r.usable)}" if r.usable else "; none usable"
    return f" (no drivers{usable})"


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _fmt(value: float | int | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"
