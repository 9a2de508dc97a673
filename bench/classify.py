"""`python -m bench classify`: the classifier alone, on one core, against the rules alone.

Both run over the same simulated posts (the simulator `throughput` uses), in this process,
after a warm-up pass (the model file is read, VADER is built, the word caches fill as they
do in a long-running worker). The figure is posts per CPU-second (`time.process_time`), so
a machine busy with other work slows the wall clock but not the figure much. The last line:

    classifier: <posts/s> posts/s on one core (rules alone <posts/s>, ratio <r>; gate 3000)
"""

from __future__ import annotations

import argparse
import time

from bench.common import fmt_rate, loadavg, simulated_posts, table

GATE = 3000.0  # issue 14: the classifier alone keeps at least this many posts/s on one core
DEFAULT_POSTS = 20_000


def per_second(fn, texts: list[tuple[str | None, str]], repeat: int) -> float:
    best = 0.0
    for _ in range(repeat):
        started = time.process_time()
        for title, body in texts:
            fn(title, body)
        took = time.process_time() - started
        best = max(best, len(texts) / took if took > 0 else 0.0)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench classify", description=__doc__)
    parser.add_argument("--posts", type=int, default=DEFAULT_POSTS)
    parser.add_argument("--repeat", type=int, default=3, help="best of N passes")
    args = parser.parse_args(argv)

    from streamapp.analytics.classifier import (
        CLASSIFIER_VERSION,
        classify_post,
        classify_rules,
        join_post,
    )

    def rules(title: str | None, body: str) -> object:
        return classify_rules(join_post(title, body))

    posts = simulated_posts(args.posts, 3600.0, end=time.time())
    texts = [(p.title, p.body) for p in posts]
    print(f"# classify: {len(texts)} simulated posts, load average {loadavg()}")
    for title, body in texts[:2000]:  # warm-up: model load, VADER, caches
        classify_post(title, body)
    full = per_second(classify_post, texts, args.repeat)
    alone = per_second(rules, texts, args.repeat)
    rows = [
        ("rules alone", fmt_rate(alone)),
        (CLASSIFIER_VERSION, fmt_rate(full)),
    ]
    print(table(rows, ("classifier", "posts per CPU-second")))
    print(f"# load average {loadavg()}")
    ratio = full / alone if alone else 0.0
    print(
        f"classifier: {fmt_rate(full)} posts/s on one core (rules alone {fmt_rate(alone)}, "
        f"ratio {ratio:.2f}; gate {GATE:.0f})"
    )
    return 0 if full >= GATE else 1
