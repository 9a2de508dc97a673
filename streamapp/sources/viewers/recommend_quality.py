"""The recommender against popularity on simulated viewers, in one run:
`python -m streamapp.sources.viewers.recommend_quality [--seed N]` prints one JSON line.

A seeded population (this package) watches for `--warmup + --days` days, without the
simulator's feedback loop unless `--feedback` (else the model would be judged on plays
its own suggestions caused); its events go, in event-time order, to one model per raw
partition (Kafka's partitioner over the account key, `--partitions`) for each
contender, and the plays of the last `--days` days are scored before they are folded
(analytics/recommend/quality.py says how). `--ablation` adds the blend's variants
(ABLATION) to the same run; `--oracle` the ceiling that reads the simulator's hidden
state (oracle.py). docs/recommendations.md has the figures, which seed tuned the model
and which is blind.

It lives here, next to the churn's quality_run, not in analytics: analytics may import
neither sources nor (through the simulator's records) faust.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from streamapp.analytics.recommend.blend import Blend
from streamapp.analytics.recommend.model import PopularityRecommender, Recommender
from streamapp.analytics.recommend.quality import Event, Scorer, contenders_for, replay
from streamapp.sources.viewers.oracle import Oracle
from streamapp.sources.viewers.population import DAY_S
from streamapp.sources.viewers.quality_run import START_DAY, by_day
from streamapp.sources.viewers.simulator import ViewerSimulator

FIELDS = ("title_id", "position_s", "watched_s", "plan", "price", "source")
# The blend with one part changed or removed: what each part is worth.
ABLATION: dict[str, Blend] = {
    "taste_x_popularity_only": Blend(continue_share=0.0, cooc=0.0, new_only=False),
    "no_cooccurrence": Blend(cooc=0.0),
    "no_genre_taste": Blend(genre_prior=1e9),
    "no_platform_share": Blend(platform_prior=1e9),
    "no_popularity": Blend(popularity=False),
    "sampled_titles_continue": Blend(sampled=1.0),
    "recent_first_continue": Blend(continue_recency=0.85),
    "started_titles_browse_too": Blend(new_only=False),
}


def stream(
    sim: ViewerSimulator, days: int, on_day: Callable[[], None] | None = None
) -> Iterator[Event]:
    for event in by_day(sim, days, on_day):
        v = event.value
        fields = {name: v[name] for name in FIELDS if name in v}
        yield v["account"], v["platform"], v["type"], event.event_time, fields


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7, help="7: the blind seed; 101 tuned")
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=30, help="days folded before scoring")
    parser.add_argument("--days", type=int, default=30, help="days whose plays are scored")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("-k", type=int, default=10)
    parser.add_argument("--feedback", action="store_true", help="simulate with the loop on")
    parser.add_argument("--ablation", action="store_true", help="add the blend's variants")
    parser.add_argument("--oracle", action="store_true", help="add the hidden-state ceiling")
    args = parser.parse_args(argv)
    started = time.monotonic()
    sim = ViewerSimulator(seed=args.seed, accounts=args.accounts, recommendations=args.feedback)
    t0 = (START_DAY + args.warmup) * DAY_S
    span = (t0, t0 + args.days * DAY_S)
    makers: dict[str, Any] = {"model": Recommender, "popularity": PopularityRecommender}
    if args.ablation:
        makers.update({name: partial(Recommender, blend=b) for name, b in ABLATION.items()})
    contenders: dict[str, Scorer] = dict(contenders_for(sim.titles, makers, args.partitions))
    on_day: Callable[[], None] | None = None
    if args.oracle:
        oracles = [Oracle(sim._catalogue), Oracle(sim._catalogue, tastes_alike=True)]
        contenders["oracle"], contenders["oracle_tastes_alike"] = oracles

        def on_day() -> None:
            for oracle in oracles:
                oracle.snapshot(sim._population or [])

    events = stream(sim, args.warmup + args.days, on_day)
    figures = replay(events, contenders, span, args.partitions, args.k)
    key = f"recall@{args.k}"
    ratios = {
        view: _ratio(figures["model"][view][key], figures["popularity"][view][key])
        for view in figures["model"]
    }
    report = {
        "seed": args.seed,
        "accounts": args.accounts,
        "measured_days": [args.warmup, args.warmup + args.days],
        "partitions": args.partitions,
        "feedback": args.feedback,
        "versions": {"model": Recommender.version, "popularity": PopularityRecommender.version},
        **_rounded(figures),
        f"{key}_model_over_popularity": ratios,
        "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(report))
    return 0


def _ratio(model: float, base: float) -> float | None:
    return round(model / base, 3) if base else None


def _rounded(figures: Any) -> Any:
    if isinstance(figures, dict):
        return {k: _rounded(v) for k, v in figures.items()}
    return round(figures, 4) if isinstance(figures, float) else figures


if __name__ == "__main__":
    raise SystemExit(main())
