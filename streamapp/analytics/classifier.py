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

from streamapp.analytics import lexicon
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


CLASSIFIER_VERSION: str = f"{LEXICON_VERSION}+vader-{_vader_version()}"
INTENTS: tuple[str, ...] = ("piracy", "switching", "cancellation", "price_complaint", "content_gap")

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


def classify(text: str) -> Classification:
    """Classify one post (title and body already joined)."""
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
    return Classification(
        platforms=tuple(platforms),
        intents=tuple(i for i in INTENTS if found[i]),
        sentiment=_sentiment(text),
        switch_from=switch_from,
        switch_to=switch_to,
    )


def classify_post(title: str | None, body: str) -> Classification:
    """Classify a submission: the title, when there is one, is read before the body."""
    if title:
        body = f"{title}\n{body}" if body else title
    return classify(body or "")
