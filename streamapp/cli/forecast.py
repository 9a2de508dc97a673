"""`streamapp forecast FILE`: forecast a series from a file (subscribers, memberships) with
its band, as CSV, and optionally a plot.

The model is chosen the way the live worker chooses: backtested on the series' own
history from `--origins` rolling origins (all of them choose; nothing is held out, so
there is no score to report here: `streamapp backtest` gives held-out scores), then
refitted on the whole history. With `--drivers`, ARIMA and Prophet with the drivers and
public holidays are candidates too. The CSV has one row per series and step:
`series,date,yhat,yhat_lower,yhat_upper,model,drivers` (drivers: the chosen model's
driver columns, `;`-separated).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from streamapp.cli.backtest import add_driver_options, load_driver_files, plan_series

COLUMNS = ("series", "date", "yhat", "yhat_lower", "yhat_upper", "model", "drivers")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "forecast", help="forecast series of a CSV (e.g. quarterly subscribers) with a band"
    )
    parser.add_argument("file", help="a date-first table, a Trends export or date,hits,keyword")
    parser.add_argument("--column", action="append", help="only this series (repeatable)")
    parser.add_argument("--horizon", type=int, help="points ahead (default D 7, W 8, M 6, Q 4)")
    parser.add_argument("--freq", choices=["D", "W", "M", "Q"], help="default: detected")
    parser.add_argument("--origins", type=int, default=8, help="backtest origins that choose (8)")
    parser.add_argument("--level", type=float, default=0.95, help="band coverage (0.95)")
    parser.add_argument("--no-prophet", action="store_true", help="no Prophet candidates")
    parser.add_argument("--out", metavar="CSV", help="write here instead of standard output")
    parser.add_argument("--plot", metavar="PNG", help="history, forecast and band per series")
    parser.add_argument(
        "--warehouse",
        action="store_true",
        help="also MERGE the forecasts into the warehouse's FORECASTS table",
    )
    parser.add_argument("--run-key", help="names the run in FORECASTS (default: a digest)")
    parser.add_argument(
        "--data-dir", help="the local warehouse of this data directory (default: SNOWFLAKE_*)"
    )
    add_driver_options(parser)
    parser.set_defaults(func=cmd_forecast)


def cmd_forecast(args: argparse.Namespace) -> int:
    from streamapp.analytics.forecasting import choose_and_forecast
    from streamapp.forecast_files.read import ForecastInputError, load_series

    if (
        args.origins < 2
        or not 0 < args.level < 1
        or (args.horizon is not None and args.horizon < 1)
    ):
        print(
            "streamapp forecast: need --origins >= 2, 0 < --level < 1, --horizon >= 1",
            file=sys.stderr,
        )
        return 2
    try:
        drivers = load_driver_files(args.drivers)
        done = []
        for s in load_series(Path(args.file), args.column):
            freq, horizon, models, _ = plan_series(s, args, drivers)
            try:
                forecast = choose_and_forecast(
                    s.timestamps, s.values, freq, models, horizon, args.level, args.origins
                )
            except ValueError as exc:
                raise ForecastInputError(f"{args.file}: series {s.name!r}: {exc}") from None
            done.append((s, forecast))
    except (ForecastInputError, OSError, ValueError) as exc:
        print(f"streamapp forecast: {exc}", file=sys.stderr)
        return 2
    rows = [
        [
            s.name,
            p.timestamp.date().isoformat(),
            *(_num(v) for v in (p.yhat, p.yhat_lower, p.yhat_upper)),
            f.model,
            ";".join(f.drivers),
        ]
        for s, f in done
        for p in f.points
    ]
    if args.out:
        with open(args.out, "w", newline="", encoding="utf-8") as handle:
            _write(handle, rows)
    else:
        _write(sys.stdout, rows)
    if args.plot:
        from streamapp.forecast_files.plot import plot_forecasts

        plot_forecasts(done, Path(args.plot))
    for s, f in done:
        used = f", drivers {', '.join(f.drivers)}" if f.drivers else ""
        print(f"forecast: {s.name}: {f.model}{used}, {len(f.points)} points", file=sys.stderr)
    if args.warehouse:
        return _to_warehouse(args, done)
    return 0


def _to_warehouse(args: argparse.Namespace, done: list[Any]) -> int:
    from streamapp.cli.warehouse import warehouse_settings
    from streamapp.forecast_files.warehouse import (
        forecast_records,
        now_utc,
        run_key,
        write_forecasts,
    )

    settings = warehouse_settings(args.data_dir)
    key = run_key(args)
    try:
        merged = write_forecasts(settings, forecast_records(done, key, args.platform, now_utc()))
    except (RuntimeError, ValueError) as exc:  # the warehouse's own reason, no secrets
        print(f"streamapp forecast: the warehouse refused the forecasts: {exc}", file=sys.stderr)
        return 1
    print(f"forecast: {merged} forecast(s) merged into FORECASTS, run key {key}", file=sys.stderr)
    return 0


def _write(handle: Any, rows: list[list[Any]]) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)


def _num(value: float) -> str:
    return f"{value:.6g}"
