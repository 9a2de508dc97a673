"""In-stream post classifier: platforms, intents, switching direction and VADER sentiment.

Pure and cheap: one lowercasing, one platform scan, precompiled regexes that only run when
one of their trigger words is present, and one VADER call per post. The VADER analyzer is
built once, on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from streamapp.analytics import intent_model, lexicon
from streamapp.analytics.intent_model import MODEL_VERSION
from streamapp.analytics.lexicon import ANY_P, F, P, Rule, rule
from streamapp.analytics.platforms import find_platform_spans

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

LEXICON_VERSION = "lexicon-1"


def _vader_version() -> str:
    try:
        return version("vaderSentiment")
    except PackageNotFoundError:  # pragma: no cover - vendored or renamed install
        return "unknown"


# The rules alone (`classify_rules`) and the shipped classifier (`classify`): the learned
# intent model reading the post and the rules' verdicts, with VADER for sentiment.
RULES_VERSION: str = f"{LEXICON_VERSION}+vader-{_vader_version()}"
CLASSIFIER_VERSION: str = f"{MODEL_VERSION}+{RULES_VERSION}"
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


# --- switching direction -------------------------------------------------------------------

_MOVE = (
    r"\b(?:switch(?:ed|ing|es)?|mov(?:e|ed|ing)|go(?:ing)?|went|jump(?:ed|ing)?(?: ship)?|"
    r"migrat(?:e|ed|ing)|chang(?:e|ed|ing)|convert(?:ed|ing)?|head(?:ed|ing)|transition(?:ed|ing)?)\b"
)
_LEAVE = (
    r"\b(?:drop(?:ped|ping)?|ditch(?:ed|ing)?|dump(?:ed|ing)?|leav(?:e|ing)|left|quit(?:ting)?|"
    r"cancel+(?:ed|ing)?|trad(?:e|ed|ing)|swap(?:ped|ping)?|replac(?:e|ed|ing)|unsub\w*(?: from)?|"
    r"(?:gave|give|giving) up on|cut|kill(?:ed|ing)?|done with)\b"
)
_LEAVE_TRIGGERS = (
    "drop|ditch|dump|leav|left|quit|cancel|trad|swap|replac|unsub|up on|cut|kill|done with"
)
_GAIN = (
    r"(?:now (?:on|using|with|have|got)|sign(?:ed|ing)? up (?:for|to|with)|subscrib(?:ed|e|ing) to|"
    r"pick(?:ed|ing)? up|got|getting|grabbed|added|adding|joined|trying|tried|(?:just )?using|"
    r"(?:went|going|moved|moving|switched|switching)(?: over| back)? (?:to|with))"
)
_SRC, _DST = P.format("src"), P.format("dst")
# Each rule captures `src` and/or `dst`; a side the post does not state is absent.
SWITCH_RULES: tuple[Rule, ...] = (
    # switched from X to Y / moving from X to Y
    rule("from", rf"{_MOVE}{F}{{0,20}}? from (?:my )?{_SRC}{F}{{0,25}}? to (?:just |only )?{_DST}"),
    # "from hulu to yttv was the best decision" (but not a list: "from X to Y to Z")
    rule("from", rf"(?:^|[.!?\n]\s*)from {_SRC} to {_DST}(?! to )"),
    # jumped to Y from X
    rule("from", rf"{_MOVE} (?:over |back )?to {_DST}{F}{{0,20}}? from {_SRC}"),
    # after 3 years on X I moved everything over to Y / went back to Y after a year on X
    rule(
        "after", rf"\bafter{F}{{0,25}}? (?:on|with) {_SRC}{F}{{0,40}}?{_MOVE}{F}{{0,20}}? to {_DST}"
    ),
    rule("after", rf"{_MOVE} (?:back |over )?to {_DST} after{F}{{0,25}}? (?:on|with) {_SRC}"),
    # dropping X for Y / traded my X orange for Y / replaced X with Y
    rule(
        _LEAVE_TRIGGERS,
        rf"{_LEAVE} (?:my |our )?{_SRC}(?:'s)?(?: \w+){{0,2}}? (?:for|with) (?:an? )?{_DST}",
    ),
    # left Y for X ..., came back: the later move wins
    rule(
        "back",
        rf"{_LEAVE} (?:my |our )?{_DST}(?:'s)?(?: \w+){{0,2}}? (?:for|with) (?:an? )?{_SRC}"
        rf"{F}{{0,40}}?\b(?:came|coming|come|went|going|go|moved|switched) back\b",
    ),
    # left X, now on Y / cancelled X and signed up for Y
    rule(
        _LEAVE_TRIGGERS,
        rf"{_LEAVE} (?:my |our )?{_SRC}[^@\n]{{0,25}}?[,.;!]?\s*(?:and |then |but |so |&\s)?"
        rf"(?:(?:i|we|i've|we've|i'm|we're|just|finally|now)\s)*{_GAIN} (?:{F}{{0,25}}? )?{_DST}",
    ),
    # Netflix off, Max on / Peacock out, Paramount+ in
    rule(" off| out", rf"{_SRC} (?:off|out)[,;]? (?:and )?{_DST} (?:on|in)\b"),
    # Y over X / Y instead of X
    rule("over|instead|rather", rf"{_DST}(?: \w+){{0,2}}? (?:over|instead of|rather than) {_SRC}"),
    # was on X ..., now on Y
    rule(
        "was on|were on|be on",
        rf"\b(?:was|were|used to be) on {_SRC}[^@\n]{{0,40}}?now (?:i'm |we're |i am |we are )?"
        rf"(?:on|using|with) {_DST}",
    ),
    # X -> Y (a chain X -> Y -> Z is read pair by pair)
    rule("->|\u2192|=>", rf"{_SRC}\s*(?:->|-->|\u2192|=>)\s*(?:back to )?{_DST}"),
    # switching to Y / went with Y / switching from X
    rule("to @|to just @", rf"{_MOVE}(?:(?! to ){F}){{0,30}}? (?:over |back )?to (?:just )?{_DST}"),
    rule("with @", rf"\b(?:went|going|go) with {_DST}"),
    rule("from @", rf"{_MOVE} (?:away |over )?from {_SRC}"),
)
_TITLE_SUBJECT = re.compile(
    r"(?:\bit|\bshows?|\bseries|\bmovies?|\bfilms?|\bseasons?|\bepisodes?|\bit'?s|\bit is|"
    rf"{ANY_P}(?:'s)?(?: is| are)?)\s+$"
)


def switch_direction(norm: str) -> tuple[str | None, str | None]:
    """The switch a normalised post states, as (from, to).

    The last complete (from and to) statement wins; failing that the first partial one,
    whose missing origin is taken from the one service the poster says they left.
    """
    full: tuple[int, str, str] | None = None
    partial: tuple[int, str | None, str | None] | None = None
    same: list[tuple[int, int]] = []  # "from Hulu with Live TV to just Hulu": a plan change
    for r in SWITCH_RULES:
        if not any(t in norm for t in r.triggers):
            continue
        pos = 0
        while (m := r.pattern.search(norm, pos)) is not None:
            pos = m.start() + 1  # overlapping, so that chains "X -> Y -> Z" give every pair
            if lexicon.negated(norm, m.start()) or _TITLE_SUBJECT.search(
                norm, max(0, m.start() - 12), m.start()
            ):
                continue  # "not switching to X"; "it moved to X" is a title moving
            groups = m.groupdict()
            src, dst = groups.get("src"), groups.get("dst")
            if src and dst:
                if src == dst:
                    same.append(m.span())
                elif full is None or m.start() >= full[0]:
                    full = (m.start(), src, dst)
            elif (partial is None or m.start() < partial[0]) and not any(
                a <= m.start() < b for a, b in same
            ):
                partial = (m.start(), src, dst)
    if full is not None:
        return full[1], full[2]
    if partial is None:
        return None, None
    src, dst = partial[1], partial[2]
    if dst and not src:
        # "I'm done with HBO Max, switching to Prime Video"
        left = {p for p in lexicon.cancelled_platforms(norm) if p != dst}
        if len(left) == 1:
            src = left.pop()
    return src, dst


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
    show_cancelled: bool = False  # "Netflix cancelled <show>"

    def model_inputs(self) -> tuple[dict[str, int], list[str]]:
        """The learned model's features: text n-gram counts and the rules' findings."""
        return intent_model.text_features(self.norm), self.rule_features()

    def rule_features(self) -> list[str]:
        return intent_model.rule_features(
            self.rule_intents,
            (self.switch_from, self.switch_to),
            len(self.platforms),
            self.cues,
            self.show_cancelled,
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
    cues = tuple(
        intent
        for intent, table in _CUE_TABLES
        if not found[intent] and next(lexicon.find(table, norm), None) is not None
    )
    return Reading(
        text=text,
        norm=norm,
        platforms=tuple(platforms),
        rule_intents=tuple(i for i in INTENTS if found[i]),
        switch_from=switch_from,
        switch_to=switch_to,
        cues=cues,
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
    scored = intent_model.get_model().score(r.norm, r.rule_features())
    # The direction stays rule-based; it is reported only for a post the model calls a switch.
    switching = "switching" in scored.intents
    result = Classification(
        platforms=r.platforms,
        intents=scored.intents,
        sentiment=_sentiment(r.text),
        switch_from=r.switch_from if switching else None,
        switch_to=r.switch_to if switching else None,
    )
    return result, scored


def classify(text: str) -> Classification:
    """Classify one post (title and body already joined)."""
    return _decide(read(text))[0]


def explain(text: str, top: int = 5) -> dict[str, object]:
    """Why `classify` said what it said: per intent, the model's probability and threshold,
    whether the rules fired, and the features that moved it most (signed logit parts)."""
    r = read(text)
    result, scored = _decide(r)
    model = intent_model.get_model()
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
        "model": model.version,
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
