"""Alert rules as data: one `Rule` per rule in `RULES` (the window metric it reads, how
it judges the metric against its baseline, the posts it cites, how its message names the
metric), and the window metrics they read. How a rule's verdicts become firing and
resolved alerts (hysteresis, cooldown, alert ids) is in alert_episodes.py.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Metrics = dict[str, Any]  # metric name -> value (None: no data), plus "flagged"
State = dict[str, Any]


@dataclass(frozen=True)
class Thresholds:
    fire_score: float = 3.0
    resolve_score: float = 1.0
    min_count: int = 5
    min_baseline_windows: int = 5
    cooldown_windows: int = 5
    min_sentiment_posts: int = 5
    min_interest_rise: float = 5.0
    baseline_windows: int = 30


@dataclass(frozen=True)
class Verdict:
    """One rule's reading of one window."""

    observed: float
    baseline: float
    score: float
    eligible: bool  # enough signal in this window to fire at all


# A rule's reading of the current window against the baseline windows (None: no verdict).
Judge = Callable[[Metrics, list[Metrics]], Verdict | None]


def window_metrics(window: dict[str, Any], min_sentiment_posts: int) -> Metrics:
    counts = window["intent_counts"]
    sentiment_count = window["sentiment_count"]
    interest_count = window["interest_count"]
    at_risk = window.get("accounts_at_risk")  # the viewers' gauge (None: no report)
    return {
        "interest": window["interest_sum"] / interest_count if interest_count else None,
        "piracy": float(counts.get("piracy", 0)),
        "cancellation": float(counts.get("cancellation", 0)),
        "switching": float(counts.get("switching_away", 0)),
        "sentiment": (
            window["sentiment_sum"] / sentiment_count
            if sentiment_count >= min_sentiment_posts
            else None
        ),
        "at_risk": None if at_risk is None else float(at_risk),
    }


# A window with no events: what a gap in a platform's stream counts as in its baseline.
EMPTY_METRICS: Metrics = window_metrics(
    {
        "intent_counts": {},
        "sentiment_sum": 0.0,
        "sentiment_count": 0,
        "interest_sum": 0.0,
        "interest_count": 0,
    },
    min_sentiment_posts=1,
)


def _past(history: list[Metrics], metric: str) -> list[float]:
    """A metric's baseline values: windows of a firing episode are left out, so a long
    surge does not raise its own baseline and resolve itself."""
    return [
        h[metric]  # type: ignore[misc]
        for h in history
        if h[metric] is not None and metric not in (h.get("flagged") or ())
    ]


def _mean_sd(values: Sequence[float]) -> tuple[float, float]:
    mean = statistics.fmean(values)
    sd = statistics.pstdev(values, mean) if len(values) > 1 else 0.0
    return mean, sd


# A rule kind's reading of an observed value against its baseline's mean and spread.
Score = Callable[[float, float, float, Thresholds], Verdict]


def _against_baseline(
    score: Score, *, missing: float | None = None
) -> Callable[[str, Thresholds], Judge]:
    """A rule kind: `score` judges the window's value of the metric against its baseline,
    once the baseline has enough windows. A window without a value gives no verdict, or
    is read as `missing` (a count with no events is a zero)."""

    def judge(metric: str, t: Thresholds) -> Judge:
        def verdict(current: Metrics, history: list[Metrics]) -> Verdict | None:
            observed = missing if current[metric] is None else current[metric]
            past = _past(history, metric)
            if observed is None or len(past) < t.min_baseline_windows:
                return None
            mean, sd = _mean_sd(past)
            return score(observed, mean, sd, t)

        return verdict

    return judge


def _count_score(observed: float, mean: float, sd: float, t: Thresholds) -> Verdict:
    # Counts are roughly Poisson: never trust a spread smaller than sqrt(mean).
    spread = math.sqrt(max(sd * sd, mean, 1.0))
    return Verdict(observed, mean, (observed - mean) / spread, observed >= t.min_count)


def _interest_score(observed: float, mean: float, sd: float, t: Thresholds) -> Verdict:
    score = (observed - mean) / max(sd, 1.0)
    return Verdict(observed, mean, score, observed - mean >= t.min_interest_rise)


def _sentiment_score(observed: float, mean: float, sd: float, t: Thresholds) -> Verdict:
    # A drop is a positive score; VADER means rarely move by less than 0.05 by chance.
    return Verdict(observed, mean, (mean - observed) / max(sd, 0.05), True)


_count_verdict = _against_baseline(_count_score, missing=0.0)
# A count read as a gauge (accounts at risk): judged like a count, but a window without a
# reading gives no verdict instead of a zero.
_gauge_verdict = _against_baseline(_count_score)
_interest_verdict = _against_baseline(_interest_score)
_sentiment_verdict = _against_baseline(_sentiment_score)


@dataclass(frozen=True)
class Rule:
    """One alert rule: which window metric it reads, how it judges the metric against the
    baseline, which posts it cites as evidence and how its message names the metric.
    Adding a rule is one entry in `RULES` (and, for a new metric, one line in
    `window_metrics`)."""

    name: str
    metric: str  # key of `window_metrics`
    verdict: Callable[[str, Thresholds], Judge]  # (metric, thresholds) -> judge
    evidence_label: str | None  # the intent (or "negative") whose post ids are cited
    description: str  # "piracy posts at 6.00 against a baseline of 1.25"


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule("interest_spike", "interest", _interest_verdict, None, "search interest"),
        Rule("piracy_surge", "piracy", _count_verdict, "piracy", "piracy posts"),
        Rule(
            "cancellation_surge",
            "cancellation",
            _count_verdict,
            "cancellation",
            "cancellation posts",
        ),
        Rule(
            "switching_surge",
            "switching",
            _count_verdict,
            "switching_away",
            "posts about switching away",
        ),
        Rule("sentiment_drop", "sentiment", _sentiment_verdict, "negative", "mean sentiment"),
        # The viewers' accounts at risk of cancelling (docs/viewers.md): cites no posts.
        Rule("churn_risk_surge", "at_risk", _gauge_verdict, None, "accounts at risk of churn"),
    )
}


# Rules that read search interest are judged once a window's interest is final, not at
# its first close: Google Trends points arrive hours after their event time, and taken
# at the first close the same window would be judged with or without its point depending
# on how fast the lanes were read (docs/windows-and-alerts.md). Each set keeps its own
# state (baseline, episodes): `interest_state_key`.
INTEREST_METRICS = frozenset({"interest"})
INTEREST_RULES = {n: r for n, r in RULES.items() if r.metric in INTEREST_METRICS}
POST_RULES = {n: r for n, r in RULES.items() if r.metric not in INTEREST_METRICS}
