"""Alert rules: a closed window against its rolling baseline, with hysteresis and cooldown.

State per platform is a plain dict (it lives in a Faust table):
  {"last_start": float | None,             # newest window evaluated
   "history": [metrics, ...],              # the last N windows' metrics (the baseline)
   "rules": {rule: {"status", "alert_id", "episode_start", "quiet_until"}}}

Alert ids are a hash of (platform, rule, start of the episode's first firing window),
so re-processing the same data after a crash yields the same id, never a second one.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from streamapp.analytics.platforms import PLATFORMS

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


def interest_state_key(platform: str) -> str:
    return f"{platform}|interest"


def split_interest_state(state: State) -> State:
    """The interest rules' state taken out of a platform's state written before the two
    were kept apart (their episodes and baseline carry on); `state` loses those rules."""
    rules = state.get("rules") or {}
    moved = {name: rules.pop(name) for name in list(rules) if name in INTEREST_RULES}
    return {
        "last_start": state.get("last_start"),
        "history": list(state["history"]),
        "rules": moved,
    }


def alert_id(platform: str, rule: str, episode_start: float) -> str:
    return hashlib.sha256(f"{platform}|{rule}|{episode_start:.3f}".encode()).hexdigest()[:24]


def severity(score: float, t: Thresholds) -> str:
    return "critical" if score >= 2 * t.fire_score else "warning"


def new_state() -> State:
    return {"last_start": None, "history": [], "rules": {}}


# Metrics that are readings of a level, not counts of the window's events: a window
# without posts keeps the last reading instead of a zero (the viewers' accounts at risk
# do not vanish in a quiet minute of the market).
GAUGES = ("at_risk",)


def _fill_gaps(state: State, start: float, size: float, keep: int) -> None:
    """Windows with no events for a platform count as zero in its baseline; gauges keep
    their last reading (not one of a firing episode, which stays out of the baseline)."""
    last = state["last_start"]
    if last is None:
        return
    missing = round((start - last) / size) - 1
    previous = state["history"][-1] if state["history"] else {}
    flagged = previous.get("flagged") or ()
    held = {g: None if g in flagged else previous.get(g) for g in GAUGES}
    for _ in range(min(max(missing, 0), keep)):
        state["history"].append({**EMPTY_METRICS, **held})


def evaluate_window(
    state: State,
    platform: str,
    window: dict[str, Any],
    size: float,
    t: Thresholds,
    rules: dict[str, Rule] | None = None,
) -> tuple[State, list[dict[str, Any]]]:
    """Evaluate `rules` (default: every rule) on a just-closed window; returns the new
    state and alert fields.

    Alert dicts lack `fired_at`: the caller stamps the wall-clock time of sending.
    """
    rules = RULES if rules is None else rules
    start = window["window_start"]
    if state["last_start"] is not None and start <= state["last_start"]:
        return state, []  # already evaluated (a replayed close after a crash)
    _fill_gaps(state, start, size, t.baseline_windows)
    history = state["history"][-t.baseline_windows :]
    current = window_metrics(window, t.min_sentiment_posts)
    alerts = []
    if len(history) >= t.min_baseline_windows:
        for rule in rules.values():
            verdict = rule.verdict(rule.metric, t)(current, history)
            if verdict is not None:
                alert = _step_rule(state["rules"], rule, platform, window, verdict, size, t)
                if alert:
                    alerts.append(alert)
    flagged = [
        rules[r].metric
        for r, rs in state["rules"].items()
        if rs["status"] == "firing" and r in rules
    ]
    if flagged:
        current["flagged"] = flagged  # type: ignore[assignment]
    state["history"] = (history + [current])[-t.baseline_windows :]
    state["last_start"] = start
    return state, alerts


def _step_rule(
    rules: dict[str, Any],
    rule: Rule,
    platform: str,
    window: dict[str, Any],
    verdict: Verdict,
    size: float,
    t: Thresholds,
) -> dict[str, Any] | None:
    start = window["window_start"]
    rule_state = rules.setdefault(rule.name, {"status": "ok", "quiet_until": None})
    if rule_state["status"] == "firing":
        if verdict.score >= t.resolve_score:
            return None  # hysteresis: stays firing until clearly back to normal
        rule_state.update(status="ok", quiet_until=start + t.cooldown_windows * size)
        return _alert(rule_state["alert_id"], "resolved", rule, platform, window, verdict, size, t)
    quiet_until = rule_state.get("quiet_until")
    if quiet_until is not None and start < quiet_until:
        return None  # cooldown after the last episode
    if verdict.eligible and verdict.score >= t.fire_score:
        aid = alert_id(platform, rule.name, start)
        rule_state.update(status="firing", alert_id=aid, episode_start=start)
        return _alert(aid, "firing", rule, platform, window, verdict, size, t)
    return None


def _alert(
    aid: str,
    status: str,
    rule: Rule,
    platform: str,
    window: dict[str, Any],
    verdict: Verdict,
    size: float,
    t: Thresholds,
) -> dict[str, Any]:
    name = PLATFORMS.get(platform, platform)
    what = rule.description
    if status == "firing":
        message = (
            f"{name}: {what} at {verdict.observed:.2f} against a baseline of "
            f"{verdict.baseline:.2f} (score {verdict.score:.1f})"
        )
    else:
        message = f"{name}: {what} back to {verdict.observed:.2f} (baseline {verdict.baseline:.2f})"
    label = rule.evidence_label
    evidence = list(window["evidence"].get(label, [])) if label else []
    return {
        "alert_id": aid,
        "rule": rule.name,
        "platform": platform,
        "status": status,
        "severity": severity(verdict.score, t) if status == "firing" else "info",
        "window_start": window["window_start"],
        "window_end": window["window_start"] + size,
        "observed": round(verdict.observed, 4),
        "baseline": round(verdict.baseline, 4),
        "score": round(verdict.score, 3),
        "message": message,
        "evidence": evidence,
    }
