"""Live forecasting of the closed windows, pure: per-platform history, refits, breaches.

State per platform is a plain dict (it lives in a Faust table):
  {"last_start": float | None,              # newest window appended
   "points": [[start, mentions, interest], ...],  # the last `max_history` windows
   "forecasts": {metric: {"model", "generated_at", "points": [[t, yhat, lo, hi], ...]}},
   "breach": {metric: {"status", "alert_id", "episode_start", "quiet_until"}}}

Windows without events count as zero mentions and no interest. The interest series
carries its last value forward over windows without trend points (search interest does
not drop to zero because no point arrived); it starts at the first observed value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import NormalDist
from typing import Any

from streamapp.analytics.alert_episodes import alert_id
from streamapp.analytics.forecasting.choice import Forecast, choose_and_forecast
from streamapp.analytics.forecasting.driver_models import with_drivers
from streamapp.analytics.forecasting.frequency import seconds_frequency
from streamapp.analytics.forecasting.models import Model
from streamapp.analytics.forecasting.regressors import DriverContext
from streamapp.analytics.platforms import PLATFORMS

METRICS = ("mentions", "interest")
RULE = "forecast_breach"
State = dict[str, Any]


@dataclass(frozen=True)
class LiveConfig:
    window_seconds: float
    horizon: int = 10
    min_history: int = 40
    max_history: int = 720
    band_level: float = 0.95
    origins: int = 4
    resolve_score: float = 0.5  # fraction of the band's half-width (hysteresis)
    cooldown_windows: int = 5
    min_count: int = 5  # mentions: the miss must be at least this many posts
    min_interest_rise: float = 5.0  # interest: ... at least this many points


def new_state() -> State:
    return {"last_start": None, "points": [], "forecasts": {}, "breach": {}}


def append_window(
    state: State, start: float, mentions: int, interest: float | None, cfg: LiveConfig
) -> bool:
    """Adds a closed window (and zero-filled gaps before it); False for a replayed one."""
    last = state["last_start"]
    if last is not None and start <= last:
        return False
    if last is not None:
        gap = round((start - last) / cfg.window_seconds) - 1
        for i in range(1, min(max(gap, 0), cfg.max_history) + 1):
            state["points"].append([last + i * cfg.window_seconds, 0, None])
    state["points"].append([start, mentions, interest])
    state["points"] = state["points"][-cfg.max_history :]
    state["last_start"] = start
    return True


def revise_interest(state: State, start: float, interest: float | None) -> bool:
    """A window seen before, sent again with search interest it lacked (its trend point
    came after its first close, docs/windows-and-alerts.md): the history takes the
    reading; True if it is the window's first, to be judged now (once)."""
    if interest is None:
        return False
    for point in state["points"]:
        if abs(point[0] - start) < 1e-3:
            if point[2] is not None:
                return False
            point[2] = interest
            return True
    return False


def series(points: Sequence[Sequence[Any]], metric: str) -> tuple[list[datetime], list[float]]:
    stamps: list[datetime] = []
    values: list[float] = []
    carried: float | None = None
    for start, mentions, interest in points:
        if metric == "mentions":
            value: float | None = float(mentions)
        else:
            carried = interest if interest is not None else carried
            value = carried
        if value is not None:
            stamps.append(_naive_utc(start))
            values.append(value)
    return stamps, values


def fit_platform(
    points: Sequence[Sequence[Any]],
    cfg: LiveConfig,
    models: Sequence[Model],
    context: DriverContext | None = None,
) -> dict[str, Forecast]:
    """Blocking (Prophet fits): run it off the event loop. Metrics with too little
    history, or a flat one, are left out. With a driver `context`, the driver models join
    the candidates of a metric that has a usable driver column."""
    freq = seconds_frequency(cfg.window_seconds)
    z = NormalDist().inv_cdf(0.5 + cfg.band_level / 2)
    out = {}
    for metric in METRICS:
        stamps, values = series(points, metric)
        # the backtest needs max(8, 2 * horizon) points before its first origin
        if len(values) < max(cfg.min_history, cfg.horizon + max(8, 2 * cfg.horizon)):
            continue
        # Noise floors: counts are roughly Poisson; interest moves by whole points.
        floor = z * (math.sqrt(max(values[-1], 1.0)) if metric == "mentions" else 1.0)
        out[metric] = choose_and_forecast(
            stamps,
            values,
            freq,
            with_drivers(models, context, stamps, cfg.horizon, freq),
            cfg.horizon,
            level=cfg.band_level,
            origins=cfg.origins,
            min_half_width=floor,
        )
    return out


def forecast_entry(forecast: Forecast, generated_at: float) -> dict[str, Any]:
    """The table's copy of a forecast: epoch seconds, plain lists."""
    return {
        "model": forecast.model,
        "generated_at": generated_at,
        "points": [
            [p.timestamp.replace(tzinfo=UTC).timestamp(), p.yhat, p.yhat_lower, p.yhat_upper]
            for p in forecast.points
        ],
    }


def observed(window: dict[str, Any], metric: str) -> float | None:
    if metric == "mentions":
        return float(window["mentions"])
    return window.get("interest_mean")


def check_breach(
    state: State,
    platform: str,
    metric: str,
    start: float,
    value: float | None,
    cfg: LiveConfig,
    during: Sequence[str] = (),
) -> dict[str, Any] | None:
    """One window against its forecast band, with hysteresis and cooldown.

    Score: the miss in band half-widths, signed (above the band > 1, below < -1). Fires
    outside the band, resolves once back within `resolve_score` of the forecast. `during`
    names the known drivers active in the window ("netflix price_change"): a firing
    message says so, since a known event may explain the miss.
    """
    entry = state["forecasts"].get(metric)
    point = next((p for p in entry["points"] if abs(p[0] - start) < 1e-3), None) if entry else None
    if point is None or value is None:
        return None  # no forecast for this window: no verdict either way
    _, yhat, lower, upper = point
    half = max((upper - lower) / 2, 1e-9)
    score = (value - yhat) / half
    rule_state = state["breach"].setdefault(metric, {"status": "ok", "quiet_until": None})
    if rule_state["status"] == "firing":
        if abs(score) >= cfg.resolve_score:
            return None
        rule_state.update(
            status="ok", quiet_until=start + cfg.cooldown_windows * cfg.window_seconds
        )
        return _alert(
            rule_state["alert_id"],
            "resolved",
            platform,
            metric,
            start,
            value,
            point,
            score,
            entry,
            cfg,
        )
    quiet_until = rule_state.get("quiet_until")
    if quiet_until is not None and start < quiet_until:
        return None
    least = cfg.min_count if metric == "mentions" else cfg.min_interest_rise
    if (value > upper or value < lower) and abs(value - yhat) >= least:
        aid = alert_id(platform, f"{RULE}:{metric}", start)
        rule_state.update(status="firing", alert_id=aid, episode_start=start)
        fields = _alert(aid, "firing", platform, metric, start, value, point, score, entry, cfg)
        if during:
            fields["message"] += f", during {', '.join(during)}"
        return fields
    return None


def _alert(
    aid: str,
    status: str,
    platform: str,
    metric: str,
    start: float,
    value: float,
    point: list[float],
    score: float,
    entry: dict[str, Any],
    cfg: LiveConfig,
) -> dict[str, Any]:
    _, yhat, lower, upper = point
    name = PLATFORMS.get(platform, platform)
    if status == "firing":
        where = "above" if value > upper else "below"
        message = (
            f"{name}: {metric} at {value:.2f}, {where} the forecast band "
            f"{lower:.2f}-{upper:.2f} ({entry['model']} forecast {yhat:.2f})"
        )
        severity = "critical" if abs(score) >= 2 else "warning"
    else:
        message = f"{name}: {metric} back to {value:.2f}, within the forecast band"
        severity = "info"
    return {
        "alert_id": aid,
        "rule": RULE,
        "platform": platform,
        "status": status,
        "severity": severity,
        "window_start": start,
        "window_end": start + cfg.window_seconds,
        "observed": round(value, 4),
        "baseline": round(yhat, 4),
        "score": round(score, 3),
        "message": message,
        "evidence": [],
    }


def _naive_utc(epoch: float) -> datetime:
    """Prophet wants naive timestamps: UTC, without the offset."""
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)
