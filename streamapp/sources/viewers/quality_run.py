"""The churn model's quality on simulated viewers: `python -m streamapp.sources.viewers.quality_run`.

Replays `--warmup + --days + horizon` simulated days of a seeded population through the
same engine the worker runs, fast (no Kafka), and prints the prequential ROC-AUC, PR-AUC
and log-loss of the model and of the recency baseline, over the labels of the snapshots
scored in the `--days` after the warm-up. Every label is scored before it is learned.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from streamapp.analytics.viewers import evaluate
from streamapp.sources.sim_events import SimEvent
from streamapp.sources.viewers.population import DAY_S
from streamapp.sources.viewers.simulator import ViewerSimulator

START_DAY = 20_700  # 2026-09-04 (UTC), a fixed origin: the figures do not depend on today


def by_day(
    sim: ViewerSimulator, days: int, on_day: Callable[[], None] | None = None
) -> Iterator[SimEvent]:
    """`days` simulated days from START_DAY, asked for one day at a time; `on_day` is
    called before each day is simulated."""
    t0 = START_DAY * DAY_S
    for day in range(days):
        if on_day is not None:
            on_day()
        yield from sim.events_between(t0 + day * DAY_S, t0 + (day + 1) * DAY_S)


def stream(sim: ViewerSimulator, days: int) -> Iterator[tuple[str, str, float, dict[str, Any]]]:
    for event in by_day(sim, days):
        v = event.value
        yield f"{v['account']}|{v['platform']}", v["type"], event.event_time, v


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=60, help="days learned before scoring counts")
    parser.add_argument("--days", type=int, default=30, help="days whose scores are measured")
    parser.add_argument("--horizon", type=float, default=30.0)
    args = parser.parse_args(argv)
    started = time.monotonic()
    sim = ViewerSimulator(seed=args.seed, accounts=args.accounts)
    total = args.warmup + args.days + int(args.horizon)
    t0 = START_DAY * DAY_S
    span = (t0 + args.warmup * DAY_S, t0 + (args.warmup + args.days) * DAY_S)
    engine = evaluate.run(stream(sim, total), args.horizon, span)
    figures = {k: None if v is None else round(v, 4) for k, v in engine.quality.figures().items()}
    report = {
        "seed": args.seed,
        "accounts": args.accounts,
        "simulated_days": total,
        "measured_days": [args.warmup, args.warmup + args.days],
        "labels": engine.quality.labels,
        "positives": engine.quality.positives,
        "learned": engine.learned,
        **figures,
        "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
