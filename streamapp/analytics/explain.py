"""What explains an alert: the terms that rose in its window against their baseline, a
few example posts, and for switching the leading from->to flow (docs/windows-and-alerts.md).

Kept beside the counts, bounded, and never part of them:
- a partial (one micro-batch, one platform and window) keeps the `PARTIAL_TERMS` most
  frequent terms (each post counts once per term) and up to `EXAMPLES` example posts per
  label; a window keeps its `WINDOW_TERMS` most frequent terms and `EXAMPLES` per label.
  Truncating makes the terms an approximation that depends on how posts fell into
  batches (like the evidence ids: the first few, not a chosen few); the counts the rules
  judge (mentions, intents, switching) stay exact.
- the baseline is a per-platform moving average of term counts over the windows
  (`BASELINE_TERMS` terms), kept in the alert state with the start of the last window it
  took in, so a window closed again after a crash is not counted twice.

Pure: plain dicts in and out (they live in Faust tables and records).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from streamapp.analytics.alert_rules import RULES
from streamapp.analytics.platforms import PLATFORMS

# The key of the term baseline in a platform's alert state (tables: alert_state).
STATE_KEY = "term_baseline"

PARTIAL_TERMS = 40
WINDOW_TERMS = 60
BASELINE_TERMS = 200
EXAMPLES = 3
EXAMPLE_CHARS = 160
TOP_TERMS = 5
MIN_TERM_COUNT = 2
TERMS_PER_POST = 40
BASELINE_FLOOR = 0.05  # baseline terms averaging less than this are forgotten

# The posts an alert's examples come from: its rule's evidence label (the registry's
# `evidence_label`), else any post that mentioned the platform (interest_spike, and a
# rule that cites no posts). A rule added to the registry gets its examples with it.
MENTION = "mention"
EXAMPLE_LABELS = frozenset(
    {rule.evidence_label for rule in RULES.values() if rule.evidence_label} | {MENTION}
)


def example_label(rule: str) -> str:
    found = RULES.get(rule)
    return found.evidence_label if found is not None and found.evidence_label else MENTION


_TOKEN = re.compile(r"[a-z][a-z0-9']{2,24}")
_PLATFORM_WORDS = frozenset(
    word
    for text in [*PLATFORMS, *PLATFORMS.values(), "hbo amazon tv plus"]
    for word in re.split(r"[\s_+]+", text.lower())
    if word
)
_STOP_TEXT = """the and for are but not you all any can had her was one our out has him his how
    its may new now old see two way who did get got let put say she too use that with
    have this will your from they know want been good much some time very when come here
    just like long make many more only over such take than them well were what which
    their there these those would could should about after again also because before
    being between both does doing down during each few into most other same then through
    under until while why yes yet i'm it's don't can't won't isn't didn't doesn't i've
    you're they're that's there's what's really still even anyone anything something
    thing things think going every never always need back since month year years day
    days week http https www com reddit"""
STOPWORDS = frozenset(_STOP_TEXT.split())


def terms_of(text: str) -> list[str]:
    """The distinct terms of one post, in order of first use: lower-cased words of 3+
    letters, without stop words and the platforms' own names (they rise with every
    mention and explain nothing)."""
    seen: dict[str, None] = {}
    for word in _TOKEN.findall(text.lower()):
        word = word.strip("'")
        if len(word) >= 3 and word not in STOPWORDS and word not in _PLATFORM_WORDS:
            seen.setdefault(word, None)
            if len(seen) >= TERMS_PER_POST:
                break
    return list(seen)


def top(counts: Mapping[str, int], k: int) -> dict[str, int]:
    """The k largest counts; ties broken by the term, so the cut is deterministic."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return dict(ranked[:k])


def example(event_id: str, subreddit: str, text: str, permalink: str | None) -> dict[str, Any]:
    short = " ".join(text.split())
    if len(short) > EXAMPLE_CHARS:
        short = short[: EXAMPLE_CHARS - 1].rstrip() + "…"
    found: dict[str, Any] = {"id": event_id, "subreddit": subreddit, "text": short}
    if permalink:
        found["permalink"] = permalink
    return found


def add_post(
    partial: dict[str, Any],
    labels: Iterable[str],
    event_id: str,
    subreddit: str,
    text: str,
    permalink: str | None = None,
    terms: Iterable[str] | None = None,
) -> None:
    """Fold one post into a partial's terms and examples (`labels`: its intents and
    the other evidence labels it has; every post is also a `mention`). `terms`: the
    post's `terms_of(text)` when the caller has them already (one post, many platforms)."""
    counts = partial.setdefault("terms", {})
    for term in terms_of(text) if terms is None else terms:
        counts[term] = counts.get(term, 0) + 1
    examples = partial.setdefault("examples", {})
    post = None
    for label in (*labels, MENTION):
        if label not in EXAMPLE_LABELS:
            continue
        kept = examples.setdefault(label, [])
        if len(kept) < EXAMPLES and all(e["id"] != event_id for e in kept):
            post = post or example(event_id, subreddit, text, permalink)
            kept.append(post)


def trim_partial(partial: dict[str, Any]) -> None:
    """Before a partial leaves its batch: only its most frequent terms travel."""
    if partial.get("terms"):
        partial["terms"] = top(partial["terms"], PARTIAL_TERMS)


def merge(window: dict[str, Any], partial: Mapping[str, Any]) -> None:
    """Add a partial's terms and examples into a window (either may lack them: a window
    or partial from before they existed)."""
    terms = partial.get("terms")
    if terms:
        merged = dict(window.get("terms") or {})
        for term, count in terms.items():
            merged[term] = merged.get(term, 0) + count
        window["terms"] = top(merged, WINDOW_TERMS)
    for label, posts in (partial.get("examples") or {}).items():
        kept = window.setdefault("examples", {}).setdefault(label, [])
        for post in posts:
            if len(kept) < EXAMPLES and all(e["id"] != post["id"] for e in kept):
                kept.append(post)


def rising_terms(terms: Mapping[str, int], baseline: Mapping[str, float]) -> list[dict[str, Any]]:
    """The window's terms that rose most against their baseline, scored like counts:
    (count - baseline) / sqrt(baseline + 1); at least `MIN_TERM_COUNT` posts each."""
    scored = []
    for term, count in terms.items():
        base = float(baseline.get(term, 0.0))
        if count >= MIN_TERM_COUNT and count > base:
            scored.append(((count - base) / (base + 1.0) ** 0.5, term, count, base))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [{"term": t, "count": c, "baseline": round(b, 2)} for _, t, c, b in scored[:TOP_TERMS]]


def leading_flow(window: Mapping[str, Any], platform: str) -> dict[str, Any] | None:
    """The biggest move away from `platform` in the window: its switching row's top."""
    moves = window.get("switching_to") or {}
    if not moves:
        return None
    to, count = next(iter(top(moves, 1).items()))
    return {"from": platform, "to": to, "count": count}


def explanation(
    rule: str, platform: str, window: Mapping[str, Any], baseline: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The optional alert fields: `top_terms`, `examples`, and `switch_flow` (switching
    rules only; None when nobody moved)."""
    examples = (window.get("examples") or {}).get(example_label(rule)) or []
    found: dict[str, Any] = {
        "top_terms": rising_terms(window.get("terms") or {}, (baseline or {}).get("terms", {})),
        "examples": [dict(e) for e in examples[:EXAMPLES]],
    }
    if rule.startswith("switching"):
        found["switch_flow"] = leading_flow(window, platform)
    return found


def update_baseline(
    baseline: Mapping[str, Any] | None, window: Mapping[str, Any], size: float, windows: int
) -> dict[str, Any]:
    """The term baseline after a closed window: an exponential moving average over about
    `windows` windows (windows with no posts count as zeros). A window at or before the
    last one taken in (a close replayed after a crash) changes nothing."""
    baseline = dict(baseline or {})
    start, last = float(window["window_start"]), baseline.get("last_start")
    if last is not None and start <= last:
        return baseline
    keep = 1.0 - 1.0 / max(windows, 1)
    gaps = 0 if last is None else max(0, min(round((start - last) / size) - 1, windows))
    decay = keep ** (gaps + 1)
    terms = {t: v * decay for t, v in (baseline.get("terms") or {}).items()}
    for term, count in (window.get("terms") or {}).items():
        terms[term] = terms.get(term, 0.0) + (1.0 - keep) * count
    ranked = sorted(terms.items(), key=lambda item: (-item[1], item[0]))[:BASELINE_TERMS]
    return {
        "last_start": start,
        "terms": {t: round(v, 4) for t, v in ranked if v >= BASELINE_FLOOR},
    }


def explain_alerts(
    state: dict[str, Any],
    alerts: list[dict[str, Any]],
    window: Mapping[str, Any],
    size: float,
    thresholds: Any,
) -> list[dict[str, Any]]:
    """The alerts a closed window fired or resolved, each with its explanation; then the
    window joins the platform's term baseline (kept in its alert `state`, under
    `STATE_KEY`). Call it right after the rules judged the window: the window's terms are
    judged against the baseline before it takes them in. `thresholds`: the rules' own,
    for `baseline_windows`."""
    baseline = state.get(STATE_KEY)
    platform = str(window["platform"])
    explained = [
        {**fields, **explanation(str(fields["rule"]), platform, window, baseline)}
        for fields in alerts
    ]
    state[STATE_KEY] = update_baseline(baseline, window, size, thresholds.baseline_windows)
    return explained


def terms_at_close(state: Mapping[str, Any], window: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The window's rising terms against the baseline as it stands at the window's close
    (call before `explain_alerts` takes the window in): kept with the window for the rules
    judged later, when the baseline has moved on."""
    baseline = state.get(STATE_KEY) or {}
    return rising_terms(window.get("terms") or {}, baseline.get("terms", {}))


def record_fields(window: Mapping[str, Any]) -> dict[str, Any]:
    """What a closed window's record (`platform-windows`) carries to explain the alerts
    judged on the record alone, away from the window (the forecaster's `forecast_breach`):
    the rising terms kept at its close and its example posts that mentioned the platform."""
    return {
        "top_terms": [dict(t) for t in window.get("top_terms") or []],
        "examples": [dict(e) for e in (window.get("examples") or {}).get(MENTION, [])][:EXAMPLES],
    }


def explain_from_record(
    alerts: list[dict[str, Any]], record: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Alerts judged on a closed window's record (`record_fields` above; a record from
    before them explains nothing): explained as the rules judged after the close are."""
    window = {**record, "examples": {MENTION: list(record.get("examples") or [])}}
    return explain_later(alerts, window)


def explain_later(alerts: list[dict[str, Any]], window: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Alerts of rules judged after the window's first close (search interest): their
    terms are those kept at that close (`top_terms`), their examples the window's."""
    platform = str(window["platform"])
    return [
        {
            **fields,
            **explanation(str(fields["rule"]), platform, window, None),
            "top_terms": list(window.get("top_terms") or []),
        }
        for fields in alerts
    ]
