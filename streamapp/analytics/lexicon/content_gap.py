"""Content-gap rules: shows cancelled or leaving, thin libraries, nothing to watch."""

from __future__ import annotations

import re

from streamapp.analytics.lexicon.cancellation import _FIRST_PERSON, _TITLE_LEAVING
from streamapp.analytics.lexicon.core import ANY_P, F, Rule, find, negated, rule

_SHOW = r"(?:shows?|series|seasons?|originals?|favou?rite\w*)"
SHOW_CANCELLED = rule(
    "cancel|axe|axing|kill|canned|no ending",
    rf"{ANY_P}(?:'s)? (?:just |finally |officially |already |really )?"
    r"(?:cancel+(?:ed|ing|s)?|axe[ds]?|axing|kill(?:ed|s|ing)|uncancel\w*)\b"
    r"(?! (?:my|our) (?:sub|subscription|account|membership|plan)\b)"
    r"(?! (?:the |my |our )?(?:stream|match|game|recording|download|order|payment|card)s?\b)",
    rf"\bthey (?:\w+ )?(?:cancel+(?:ed|ing|s)?|axed|killed) (?:my |our |the |another |every |all )?"
    rf"(?:\w+ )?{_SHOW}",
    r"\b(?:cancel+(?:ed|ing|s)?|axed|killed|canned)\b[^.,;!?\n]{0,40}? (?:after|before) "
    r"(?:just |only )?(?:one|1|two|2|a single) seasons?\b",
    r"\b(?:amazon|apple|disney|hbo|nbc|cbs|they|netflix)\b (?:just |finally )?"
    r"(?:cancel+ed|axed|killed|canned)\b(?! (?:my|our) )",
    r"\b(?:show|series) cancel+ations?\b|\bcancel+ation machine\b|\bwith no ending\b",
    r"\buncancel\w*|\bcancellation of (?!my |our |the sub)",
    rf"\b{_SHOW}\b[^,.!?;\n]{{0,30}}\b(?:get|gets|got|getting) (?:cancel+ed|axed)\b",
    rf"\bcancel(?:s|ling|ing) (?:good |great |all the )?{_SHOW}",
)
_NUMBER = r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|a dozen)"
CONTENT_GAP: tuple[Rule, ...] = (
    rule(
        "nothing",
        r"\bnothing (?:(?:i|we) (?:want|wanna|care) to watch|(?:else )?on (?:it|there|here|@)|"
        r"to watch|(?:good|new|decent|worth watching)\b|for (?:adults|me|us|grown-?ups)|"
        r"but reruns)",
    ),
    rule(
        "librar|catalog|selection|lineup",
        r"\b(?:library|catalog(?:ue)?|selection|lineup)s?\b" + F + r"{0,40}?\b(?:shrink\w*|smaller|"
        r"thin\w*|tiny|small|shell|gutted|mostly|reruns|filler|used to be|partial|empty|sucks|"
        r"garbage|trash|weak|dwindl\w*|a joke|lacking|limited|barren|pathetic|awful|terrible|dead|"
        r"meh|half of what|a fraction)",
        r"\b(?:thin|tiny|small|shrinking|partial|gutted|weak|empty|dwindling)(?: a| an)? "
        r"(?:library|catalog(?:ue)?|selection)\b",
    ),
    rule(
        "leav",
        rf"\bleaving soon\b|(?<!we )(?<!they )(?<!you )\b(?:is|are) leaving {ANY_P}",
        _TITLE_LEAVING.pattern,
        rf"\bleaves {ANY_P}",
    ),
    rule(
        "n't|not|no longer",
        rf"(?:{ANY_P}|\bthey|\bit) (?:still |even |also )?(?:doesn'?t|does not|don'?t|do not|"
        r"no longer) (?:even |still )?(?:have|has|carry|carries|exist|stream)\b",
        rf"\b(?:doesn'?t|does not|don'?t) {ANY_P} (?:even |still )?(?:have|carry)\b",
        r"\bnot available\b|\bnot streaming anywhere\b",
        r"\bnot (?:on|available on|streaming on) any (?:\w+ )?(?:service|platform|streamer|app)s?\b",
        rf"\bno longer (?:on|available on|streaming on) {ANY_P}",
        rf"\b(?:not|isn'?t|aren'?t) (?:on|available on|streaming on) {ANY_P} (?:anymore|any more)\b",
        r"\b(?:can'?t|cannot|couldn'?t) (?:find|think of) anything\b",
        r"\b(?:can'?t|cannot|couldn'?t) find " + F + r"{0,30}? on (?:any|@|there)",
        r"\bnot enough (?:content|shows|movies|to watch)\b",
    ),
    rule(
        "unavailable|region|geo",
        r"\bunavailable\b|\bregion(?:al)?[- ]?lock\w*|\bregional(?:ly)? licens\w*|\bgeo-?block\w*",
    ),
    rule(
        "like |only |need|the rest",
        rf"\b(?:like|only) (?:{_NUMBER}|a few|a couple(?: of)?) (?:good |decent |watchable )?"
        r"(?:shows|movies|series|of them)\b",
        r"\bonly (?:decent|good|watchable) (?:show|original|series|thing)\b",
        r"\bneeds? (?:way |a lot |much |so much )?more (?:content|shows|movies)\b",
        r"\bonly (?:thing|show|reason)\b[^.!?\n]{0,30}\bworth (?:watching|keeping|it)\b",
        r"\bthe rest (?:is|are) (?:garbage|trash|filler|junk|crap|mid)\b",
    ),
    rule("no new", r"\bno new (?:seasons?|shows|content|episodes|movies)\b"),
    rule(
        "remov|pull|lost|los|dropp|delet|down|scrubb|yank",
        rf"(?:{ANY_P}|\bthey|\bthey've|\bthey have)(?:'s)? (?:just |quietly |also |finally |keep "
        r"|keeps |already |then |still |always |constantly )?(?:remov(?:ed|ing|es)|pull(?:ed|ing|s)|"
        r"lost|los(?:e|es|ing)|dropp(?:ed|ing)|delet(?:ed|ing)|(?:took|takes|taking) down|"
        r"scrubb(?:ed|ing)|yank(?:ed|ing))\b(?! (?:the |all the |their |its )?(?:ads?|prices?|"
        r"commercials|password|ability|option|feature|button|download)s?\b)",
        r"\b(?:we|i) (?:just |also )?lost (?:some |a few |all |half |a bunch of |a lot of )?"
        r"(?:the |our |my )?(?:channels|shows|movies|content)\b",
    ),
    rule(
        "split|spread|scattered|fragmented",
        rf"\b(?:split|spread|scattered|fragmented) (?:across|between|over|among) (?:{_NUMBER}|"
        r"so many|multiple|different) (?:apps|services|platforms|subscriptions|streamers)\b",
    ),
    rule(
        "which|what",
        r"\b(?:which|what) (?:of (?:the |my )?\w+ )?(?:app|apps|service|services|platform|"
        r"streamer)s? (?:has|have|is it on|it's on)\b",
    ),
    rule(
        "barely|never|rarely|hardly|all the same|all reruns",
        r"\b(?:barely|never|rarely|hardly) (?:adds?|gets?|releases?|puts? out) (?:anything|any)\b",
        r"\b(?:it'?s|its) all (?:the same|reruns)\b",
    ),
    rule(
        "disappeared|vanished|gone|missing",
        rf"\b(?:disappeared|vanished|gone|missing) from {ANY_P}",
    ),
    rule(
        "cut|removing|pulling|losing",
        r"\b(?:cut|cutting|cuts|removing|pulling|losing)\b[^.!?\n]{0,30}?\b(?:content|shows|"
        r"movies|channels|library)\b",
    ),
    rule("lack", r"\black(?:s|ing)? (?:of )?(?:content|shows|movies|originals|selection)\b"),
    rule(
        "mov|send",
        rf"{ANY_P} (?:is |are )?(?:mov(?:e|es|ed|ing)|send\w*) [^.!?@\n]{{1,40}}? to {ANY_P}",
    ),
    rule(
        "finished|watched|seen|out of",
        r"\b(?:finished|watched|seen) (?:them all|everything|all of (?:them|it)|it all)\b",
        r"\b(?:run|ran|running) out of (?:stuff|things|shows|anything) to watch\b",
    ),
)
_VERB_IN_MATCH = re.compile(r".*\b(?=get|got|cancel|axe|kill|uncancel)", re.DOTALL)
_MY_SERVICE = re.compile(r"\b(?:my|our) $")


def has_content_gap(text: str) -> bool:
    for m in SHOW_CANCELLED.finditer(text):
        if _MY_SERVICE.search(text, max(0, m.start() - 4), m.start()):
            continue  # "got my Netflix cancelled": the account, not a show
        verb = _VERB_IN_MATCH.match(text, m.start(), m.end())
        if not negated(text, m.start()) and not (verb and negated(text, verb.end())):
            return True
    for m in find(CONTENT_GAP, text):
        if negated(text, m.start()):
            continue
        if m.group(0).startswith("leaving @") and _FIRST_PERSON.search(text, 0, m.start()):
            continue  # "I'm leaving Netflix at the end of the month" is a cancellation
        return True
    return False
