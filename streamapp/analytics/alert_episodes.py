"""Alert episodes: a closed window's verdicts, rule by rule, turned into firing and
resolved alerts, with hysteresis and cooldown.

State per platform is a plain dict (it lives in a Faust table):
  {"last_start": float | None,             # newest window evaluated
   "history": [metrics, ...],              # the last N windows' metrics (the baseline)
   "rules": {rule: {"status", "alert_id", "episode_start", "quiet_until"}}}

Alert ids are a hash of (platform, rule, start of the episode's first firing window),
so re-processing the same data after a crash yields the same id, never a second one.
"""

from __future__ import annotations

import hashlib
from typing import Any

from streamapp.analytics.alert_rules import (
    EMPTY_METRICS,
    INTEREST_RULES,
    RULES,
    Rule,
    State,
    Thresholds,
    Verdict,
    window_metrics,
)
from streamapp.analytics.platforms import PLATFORMS


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
