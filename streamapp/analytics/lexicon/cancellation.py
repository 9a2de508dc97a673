"""Cancellation rules: the poster dropping a subscription, and which platforms they left."""

from __future__ import annotations

import re

from streamapp.analytics.lexicon.core import ANY_P, P, Rule, find, negated, rule

_CANCEL_TARGET = (
    r"(?:from )?(?:my |our |the |your )?(?:"
    rf"{ANY_P}|(?:subs?|subscriptions?|membership|account|plan)\b|the rest\b|all of them\b|"
    r"all (?:my |our |the )?(?:subs|subscriptions|services|streaming)\b|"
    r"every (?:single )?(?:streaming )?(?:service|sub\w*)\b|"
    r"(?:all |my |our |the )?(?:other )?(?:streaming )?services\b)"
)
_CANCEL_VERB = (
    r"\b(?:cancel+(?:ed|ing|s)?|unsub\w*|drop(?:ped|ping|s)?|ditch(?:ed|ing|es)?|dump(?:ed|ing|s)?|"
    r"quit(?:ting|s)?|kill(?:ed|ing|s)?|cut(?:ting|s)?|delet(?:e|ed|ing)|nuk(?:e|ed|ing)|"
    r"(?:get|got|getting|gotten) rid of|(?:gave|give|giving) up on|done with|"
    r"pull(?:ed|ing)? the plug on|left|leav(?:e|ing))"
)
_CANCEL_VERB_TRIGGERS = (
    "cancel|unsub|drop|ditch|dump|quit|kill|cut|delet|nuk|rid of|up on|done with|plug on|left|leav"
)
CANCEL: tuple[Rule, ...] = (
    rule(_CANCEL_VERB_TRIGGERS, rf"{_CANCEL_VERB} {_CANCEL_TARGET}"),
    rule(
        "cancel",
        # a bare verb at the end of a clause: "binge it, cancel, rotate", "cancelled yesterday"
        r"\bcancel+(?:ed|ing)?(?=\s*(?:[,.!?;\n]|$|over (?:it|this|that)\b|yesterday|today|"
        r"tonight|this (?:morning|week)|last (?:week|night|month)))",
        r"\bcancel+(?:ed|ing)? everything\b|\bhit (?:the )?cancel\w*(?: button)?(?: on)?\b",
        r"\bcancel+ation (?:page|flow|process|fee|button|screen|link|email)\b",
    ),
    rule("churn", r"\bchurn(?:ing|ed|s)?\b"),
    rule(
        "renew",
        r"\b(?:not|won'?t|wont|never|stop(?:ped)?|not going to) renew(?:ing)?\b|"
        r"\bwon'?t be renewing\b",
        r"\b(?:turn(?:ed|ing)? off|disabl(?:e|ed|ing)|cancel\w*) (?:the )?auto-? ?renew(?:al)?\b",
    ),
    rule(
        "ends|expires|runs out|lapses|ending",
        rf"\b(?:my|our) (?:{ANY_P} )?(?:sub|subscription|membership)(?: to {ANY_P})? "
        r"(?:ends|expires|runs out|lapses|is ending|ending)\b",
    ),
    rule(
        "paus|paying for|bye|farewell|so long|let ",
        rf"\bpaus(?:e|ed|ing) (?:my |our )?(?:{ANY_P}|(?:{ANY_P} )?"
        r"(?:sub|subscription|membership|account)\b)",
        rf"\bstop(?:ped|ping)? paying for {ANY_P}",
        rf"\b(?:goodbye|bye(?: bye)?|farewell|so long),? {ANY_P}",
        rf"\blet (?:my |our )?(?:{ANY_P} )?(?:sub|subscription) (?:lapse|expire|run out)\b",
    ),
)
# "they cancelled it", "got cancelled", "Netflix cancelled ...": not the poster's subscription
_NOT_POSTER = re.compile(
    rf"(?:\b(?:they|it|got|get|gets|getting|was|were|been|be|being|is|are)|{ANY_P})\s+$"
)
_NEGATION_IS_PART = re.compile(r"not|won|wont|never|stop")
# "leaving @x on for the kids" keeps it; "The Office is leaving @x" is a title leaving
_KEEPS_IT = re.compile(rf"leav\w* (?:my |our |the )?{ANY_P} on\b")
_FIRST_PERSON = re.compile(r"\b(?:i'?m|im|i am|we'?re|we are|i'll|we'll|i|we|people|anyone)\s+$")
_TITLE_LEAVING = re.compile(
    rf"leav(?:ing|es) {ANY_P} (?:at the end of (?:the |this )?|next |this |in )(?:month|week|year)\b"
)


def _by_poster(text: str, start: int) -> bool:
    return _NOT_POSTER.search(text, max(0, start - 25), start) is None


def has_cancellation(text: str) -> bool:
    for m in find(CANCEL, text):
        start = m.start()
        word = m.group(0)
        if not _NEGATION_IS_PART.match(word) and negated(text, start):
            continue
        if not _by_poster(text, start):
            continue
        if word.startswith("leav"):
            if _KEEPS_IT.match(text, start):
                continue
            if _TITLE_LEAVING.match(text, start) and not _FIRST_PERSON.search(text, 0, start):
                continue
        return True
    return False


_CANCELLED_P = rule(
    _CANCEL_VERB_TRIGGERS, rf"{_CANCEL_VERB} (?:from |on )?(?:my |our )?{P.format('p')}"
)


def cancelled_platforms(text: str) -> list[str]:
    """Platforms the poster says they cancelled/left (used to complete a switch)."""
    return [
        m.group("p")
        for m in _CANCELLED_P.finditer(text)
        if not negated(text, m.start()) and _by_poster(text, m.start())
    ]
