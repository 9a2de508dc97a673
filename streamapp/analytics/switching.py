"""How a post says who is switching where: the rules behind `switch_from` and `switch_to`.

Run on the normalised post (each platform as ``@<id>``). The direction stays rule-based: the
learned model decides whether a post is a switch, these rules say from and to what.
"""

from __future__ import annotations

import re

from streamapp.analytics import lexicon
from streamapp.analytics.lexicon import ANY_P, F, P, Rule, rule

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
