"""In-stream post classifier: platforms, intents, switching direction and VADER sentiment.

Pure and cheap: one lowercasing, one platform scan, precompiled regexes that only run when
one of their trigger words is present, and one VADER call per post. The VADER analyzer is
built once, on first use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from streamapp.analytics import intent_features, intent_model, lexicon, model_file
from streamapp.analytics.intent_model import MODEL_VERSION
from streamapp.analytics.lexicon import Rule
from streamapp.analytics.platforms import find_platform_spans
from streamapp.analytics.switching import switch_direction

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

LEXICON_VERSION = "lexicon-1"


def _vader_version() -> str:
    try:
        return version("vaderSentiment")
    except PackageNotFoundError:  # pragma: no cover - vendored or renamed install
        return "unknown"


# The rules alone (`classify_rules`) and the shipped classifier (`classify`): the learned
# intent model reading the post and the rules' verdicts, with VADER for sentiment. A model
# retrained with `streamapp train` (STREAMAPP_CLASSIFIER_MODEL) puts its own name first.
RULES_VERSION: str = f"{LEXICON_VERSION}+vader-{_vader_version()}"
CLASSIFIER_VERSION: str = f"{MODEL_VERSION}+{RULES_VERSION}"


def classifier_version(model: intent_model.IntentModel) -> str:
    return CLASSIFIER_VERSION if model.name == MODEL_VERSION else f"{model.name}+{RULES_VERSION}"


INTENTS: tuple[str, ...] = intent_model.INTENTS

# Typographic quotes and dashes folded one character for one, so offsets are unchanged.
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})

# VADER's cost grows with the square of the text's length (0.5 s for a 33k-character post,
# which would stall the agent), and its compound is pinned near +-1 long before that; so a
# long post is scored on its first SENTIMENT_MAX_CHARS characters, cut at a word boundary.
SENTIMENT_MAX_CHARS = 3000

_analyzer: SentimentIntensityAnalyzer | None = None


def _sentiment(text: str) -> float:
    global _analyzer
    if _analyzer is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _analyzer = SentimentIntensityAnalyzer()
    if len(text) > SENTIMENT_MAX_CHARS:
        cut = text.rfind(" ", 0, SENTIMENT_MAX_CHARS)
        text = text[: cut if cut > 0 else SENTIMENT_MAX_CHARS]
    return float(_analyzer.polarity_scores(text)["compound"])


def placeholders(low: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """`low` with each platform span replaced by ``@<id>``."""
    out = []
    pos = 0
    for start, end, pid in spans:
        out.append(low[pos:start])
        out.append("@" + pid)
        pos = end
    out.append(low[pos:])
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Classification:
    platforms: tuple[str, ...]  # canonical ids, in order of first mention, no duplicates
    intents: tuple[str, ...]  # subset of INTENTS, in INTENTS order
    sentiment: float  # VADER compound, in [-1, 1]
    switch_from: str | None
    switch_to: str | None
    classifier_version: str = CLASSIFIER_VERSION

    def as_dict(self) -> dict:
        return {
            "platforms": list(self.platforms),
            "intents": list(self.intents),
            "sentiment": self.sentiment,
            "switch_from": self.switch_from,
            "switch_to": self.switch_to,
            "classifier_version": self.classifier_version,
        }


@dataclass(frozen=True, slots=True)
class Reading:
    """What the rules see in a post: the inputs of both the rules' and the model's verdict."""

    text: str  # quotes and dashes folded
    norm: str  # lowercased, platforms as ``@<id>``
    platforms: tuple[str, ...]
    rule_intents: tuple[str, ...]
    switch_from: str | None
    switch_to: str | None
    cues: tuple[str, ...] = ()  # intents whose patterns matched but whose detector said no
    negated_cues: tuple[str, ...] = ()  # ... and one of those matches is negated
    show_cancelled: bool = False  # "Netflix cancelled <show>"

    def model_inputs(self) -> tuple[dict[str, int], list[str]]:
        """The learned model's features: text n-gram counts and the rules' findings."""
        return intent_features.text_features(self.norm), self.rule_features()

    def rule_features(self) -> list[str]:
        return intent_features.rule_features(
            self.rule_intents,
            (self.switch_from, self.switch_to),
            len(self.platforms),
            self.cues,
            self.show_cancelled,
            self.negated_cues,
        )


_CUE_TABLES: tuple[tuple[str, tuple[Rule, ...]], ...] = (
    ("piracy", lexicon.PIRACY),
    ("cancellation", lexicon.CANCEL),
    ("price_complaint", lexicon.PRICE),
    ("content_gap", lexicon.CONTENT_GAP),
)


def read(text: str) -> Reading:
    """Normalise a post and run every rule over it."""
    if not text.isascii():
        text = text.translate(_FOLD)
    low = text.lower()
    spans = find_platform_spans(low, text)
    platforms: dict[str, None] = dict.fromkeys(pid for _, _, pid in spans)
    norm = placeholders(low, spans) if spans else low

    switch_from, switch_to = switch_direction(norm) if spans else (None, None)
    found = {
        "piracy": lexicon.has_piracy(norm),
        "switching": switch_from is not None or switch_to is not None,
        "cancellation": lexicon.has_cancellation(norm),
        "price_complaint": lexicon.has_price_complaint(norm),
        "content_gap": lexicon.has_content_gap(norm),
    }
    cues: list[str] = []
    negated: list[str] = []
    for intent, table in _CUE_TABLES:
        if found[intent]:
            continue
        starts = [m.start() for m in lexicon.find(table, norm)]
        if starts:
            cues.append(intent)
            # a negator governs it ("not cancelling"): unlike other refusals ("Netflix
            # cancelled <show>", "@p: cancelled"), this one nearly always means "no"
            if any(lexicon.negated(norm, i) for i in starts):
                negated.append(intent)
    return Reading(
        text=text,
        norm=norm,
        platforms=tuple(platforms),
        rule_intents=tuple(i for i in INTENTS if found[i]),
        switch_from=switch_from,
        switch_to=switch_to,
        cues=tuple(cues),
        negated_cues=tuple(negated),
        show_cancelled=next(lexicon.SHOW_CANCELLED.finditer(norm), None) is not None,
    )


def classify_rules(text: str) -> Classification:
    """The rules alone (the classifier before the learned model), for comparison."""
    r = read(text)
    return Classification(
        platforms=r.platforms,
        intents=r.rule_intents,
        sentiment=_sentiment(r.text),
        switch_from=r.switch_from,
        switch_to=r.switch_to,
        classifier_version=RULES_VERSION,
    )


def _decide(r: Reading) -> tuple[Classification, intent_model.Scored]:
    model = model_file.get_model()
    scored = model.score(r.norm, r.rule_features())
    # The direction stays rule-based; it is reported only for a post the model calls a switch.
    switching = "switching" in scored.intents
    result = Classification(
        platforms=r.platforms,
        intents=scored.intents,
        sentiment=_sentiment(r.text),
        switch_from=r.switch_from if switching else None,
        switch_to=r.switch_to if switching else None,
        classifier_version=_versions.get(model.name) or _version_of(model),
    )
    return result, scored


_versions: dict[str, str] = {}


def _version_of(model: intent_model.IntentModel) -> str:
    _versions[model.name] = version = classifier_version(model)
    return version


def classify(text: str) -> Classification:
    """Classify one post (title and body already joined)."""
    return _decide(read(text))[0]


def classify_scored(text: str) -> tuple[Classification, intent_model.Scored]:
    """`classify`, and the model's probability for every intent."""
    return _decide(read(text))


def explain(text: str, top: int = 5) -> dict[str, object]:
    """Why `classify` said what it said: per intent, the model's probability and threshold,
    whether the rules fired, and the features that moved it most (signed logit parts)."""
    r = read(text)
    result, scored = _decide(r)
    model = model_file.get_model()
    counts, rules = r.model_inputs()
    per_intent: dict[str, object] = {}
    for k, intent in enumerate(INTENTS):
        per_intent[intent] = {
            "probability": round(scored.probabilities[intent], 4),
            "threshold": round(float(model.threshold[k]), 4),
            "chosen": intent in result.intents,
            "rules_fired": intent in r.rule_intents,
            "top_features": [
                [name, weight] for name, weight in model.contributions(counts, rules, intent, top)
            ],
        }
    return {
        "model": model.name,
        "rule_features": rules,
        "rule_switch": [r.switch_from, r.switch_to],
        "intents": per_intent,
    }


def classify_post(title: str | None, body: str) -> Classification:
    """Classify a submission: the title, when there is one, is read before the body."""
    return classify(join_post(title, body))


def join_post(title: str | None, body: str) -> str:
    """A submission's text as the classifier reads it: the title, then the body."""
    if title:
        body = f"{title}\n{body}" if body else title
    return body or ""
