"""Intent lexicon: phrases, negation and hard negatives for the post classifier.

Every detector works on the *normalised* post: lowercased, typographic quotes folded, and
each platform mention replaced by ``@<platform id>`` (``"dropping @netflix for @hulu"``),
so that the rules can speak about "a platform" without knowing its aliases.

Speed: a `Rule` is a regex guarded by plain substrings ("triggers"), at least one of which
every match contains; the regex only runs when a trigger is in the text, which `in` checks
in nanoseconds. tests/unit/test_classifier.py checks that the triggers are necessary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

P = r"@(?P<{}>[a-z_]+)(?![a-z_])"  # a platform placeholder, captured under a name
ANY_P = r"@[a-z_]+(?![a-z_])"
F = r"[^.!?;@\n]"  # filler: stays inside the clause and never skips a platform


@dataclass(frozen=True, slots=True)
class Rule:
    """A regex guarded by substrings, one of which any match must contain."""

    triggers: tuple[str, ...]
    pattern: re.Pattern[str]

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        for trigger in self.triggers:
            if trigger in text:
                return self.pattern.finditer(text)
        return iter(())


def _triggers(spec: str) -> tuple[str, ...]:
    return tuple(spec.split("|"))


def rule(triggers: str, *alternatives: str) -> Rule:
    """`triggers` separated by "|"; the alternatives are joined into one regex."""
    body = "|".join(f"(?:{a})" for a in alternatives)
    return Rule(_triggers(triggers), re.compile(body))


def find(rules: Iterable[Rule], text: str) -> Iterator[re.Match[str]]:
    for r in rules:
        yield from r.finditer(text)


# --- negation ------------------------------------------------------------------------------

_NEGATOR = re.compile(
    r"\b(?:not|never|no|don'?t|dont|doesn'?t|didn'?t|won'?t|wont|wouldn'?t|isn'?t|aren'?t|"
    r"ain'?t|shouldn'?t|no need to|nah|stop)\b"
)
# a negator only reaches back to the start of its clause
_CLAUSE_BREAK = re.compile(r"[.!?;,:\n]|\b(?:but|so|because|though|although|yet|then)\b")
# idioms that contain a negator but negate nothing
_NEGATION_IDIOM = re.compile(
    r"\b(?:not (?:gonna|going to) lie|no (?:joke|cap|doubt|wonder|kidding)|not only|"
    r"not even kidding|no lie)\b"
)


def negated(text: str, start: int, window: int = 40, words: int = 4) -> bool:
    """True when a negator governs the phrase starting at `start` ("I'm not cancelling").

    The scope is the last `words` words before the phrase, within its clause.
    """
    left = text[max(0, start - window) : start]
    breaks = list(_CLAUSE_BREAK.finditer(left))
    if breaks:
        left = left[breaks[-1].end() :]
    left = " ".join(left.split()[-words:])
    if "no" in left:
        left = _NEGATION_IDIOM.sub(" ", left)
    return _NEGATOR.search(left) is not None


# --- piracy --------------------------------------------------------------------------------

PIRACY: tuple[Rule, ...] = (
    rule("pira", r"\bpira(?:cy|ting|ted)\b"),
    # "pirate" the verb, not the noun ("the pirate crew", "Pirates of the Caribbean")
    rule(
        "pirate|tpb",
        r"\b(?:to|gonna|wanna|i|we|i'll|we'll|just|will|and|or|who|people|still) pirate\b",
        r"\bpirate ?bay\b|\btpb\b|\bpirate (?:sites?|streams?)\b",
    ),
    rule(
        "torrent",
        r"\b(?:qbit|u|bit)?torrent(?:s|ing|ed|ers?)?\b(?! of (?:complaints|abuse|criticism|hate|"
        r"emails|messages|rain|tears|praise|insults|memes|posts|comments|questions|love)\b)",
    ),
    rule(
        "1337x|rarbg|yts|fmovies|soap2day|123movies|putlocker|sflix|crackstreams|streameast|"
        "methstreams|streamsgate|sportsurge|sonarr|radarr|prowlarr|stremio|debrid|usenet|nzb|"
        "seedbox|m3u|iptv|popcorn|nyaa|gogoanime|9anime|hianime|aniwatch|magnet|warez|bootleg|cam",
        r"\b(?:1337x|rarbg|yts|fmovies|soap2day|123movies|putlocker|sflix|crackstreams|streameast|"
        r"methstreams|streamsgate|sportsurge|sonarr|radarr|prowlarr|stremio|real[- ]?debrid|"
        r"alldebrid|usenet|nzbs?|seedbox(?:es)?|m3u8?|iptv|popcorn ?time|nyaa|gogoanime|9anime|"
        r"hianime|aniwatch|magnet links?|warez|bootleg(?:s|ged)?|cam ?rips?)\b",
    ),
    rule(
        "seas|arr|ahoy|\U0001f3f4",
        r"\b(?:high|seven|7) seas\b|\by?arr+\b|\bahoy\b|\U0001f3f4\u200d\u2620",
        r"\b(?:sail(?:ing|ed)?|set sail|sails)(?: on)? (?:the )?(?:\w+ )?seas\b",
        r"\b(?:back (?:to|on)|return(?:ed|ing)? to) the (?:\w+ )?seas\b",
    ),
    rule(
        "loaded",
        r"\b(?:fire ?stick|fire tv stick|android box|box)\b" + F + r"{0,20}\bloaded\b",
        r"\bloaded (?:fire ?stick|fire tv stick|android box|box)\b|\bfully[- ]loaded\b",
    ),
    rule(
        "stick|box",
        r"\b(?:fire ?sticks?|android box(?:es)?|boxe?s?) (?:with|that (?:has|have|gets?)) "
        r"(?:every |all (?:the )?)(?:channels?|movies?|shows?)\b",
    ),
    rule(
        "jailbr|cracked|modded|dodgy|unofficial|illegal",
        r"\bjailbr(?:oken|eak|eaking)\b|\b(?:cracked|modded) (?:apks?|apps?)\b",
        r"\b(?:dodgy|modded|unofficial) (?:fire ?stick|box|apps?|apks?)\b",
        r"\billegal(?:ly)? (?:stream|download)",
    ),
    rule("kodi", r"\bkodi\b" + F + r"{0,30}\b(?:add-?ons?|builds?|box)\b"),
    rule("rip", r"\b(?:a|the) rip of\b|\bweb-?rips?\b"),
    rule(
        "stream",
        r"\bfind (?:a |some )?(?:free |sketchy )?streams?\b",
        r"\b(?:sketchy|illegal|reddit|dodgy|free|sports|f1|nfl|nba|ufc|football|soccer|boxing) "
        r"streams\b|\b(?:sketchy|illegal|dodgy) stream\b",
    ),
)
_REJECTED_QUESTION = re.compile(r"[^.!?\n]{0,40}\?\s*(?:nah|nope|no|lol no|hell no)\b")


def has_piracy(text: str) -> bool:
    for m in find(PIRACY, text):
        if negated(text, m.start()):
            continue
        # "Sail the seven seas? nah, ..." -- a rhetorical question answered with no
        if _REJECTED_QUESTION.match(text, m.end()):
            continue
        return True
    return False


# --- cancellation --------------------------------------------------------------------------

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


# --- content gap ---------------------------------------------------------------------------

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


# --- price complaints ----------------------------------------------------------------------

_MONEY = r"(?:\$\d+(?:\.\d\d)?|\b\d+(?:\.\d\d)? ?(?:bucks|dollars|usd|quid|euros?)\b)"
_MONEY_TRIGGERS = "$|bucks|dollars|usd|quid|euro"
PRICE: tuple[Rule, ...] = (
    rule(
        "price",
        r"\bprices? (?:hikes?|increases?|bumps?|jumps?|gouging)\b",
        r"\bprices? (?:are |is |just |have |has |keeps? |keep |will )?(?:(?:went|go|goes|going|"
        r"gone) up|jumped|jumps|rose|climb\w*|creep\w*|skyrocket\w*)\b",
        r"\bfull price for\b|\bbecause of the price\b|\bcable prices\b",
    ),
    rule(
        "price|rate|cost|fee",
        r"\b(?:rais|increas|hik|jack|bump|doubl|tripl|push)\w* (?:up )?(?:the |their |its |our |"
        r"my |all )?(?:prices?|rates?|costs?|fees?)\b",
    ),
    rule(
        _MONEY_TRIGGERS,
        rf"\bfrom {_MONEY} to {_MONEY}",
        rf"\bis (?:now )?(?:like |about |almost |nearly |over )?{_MONEY}(?: a month| per month|"
        r"/mo\w*)? now\b",
        rf"\b(?:went|gone|goes|going|jumped|jumps|creep\w*|keeps? going) up (?:to |by |again to )?"
        rf"{_MONEY}",
        rf"\b(?:wanted|wants|charging|asking) {_MONEY}",
        rf"\bpay(?:ing)? (?:like |over |almost |nearly |about )?{_MONEY} ?(?:a|per|/) ?(?:month|mo)\b",
        rf"{_MONEY}[^.!?\n]{{0,40}}\b(?:insane|ridiculous|crazy|absurd|a joke|too much|nuts|steep|"
        r"insulting|wild)\b",
        rf"\bwhy (?:does|is|are|do|am i|are we|should i|would i|would anyone) [^?.!\n]{{0,40}}?"
        rf"{_MONEY}",
    ),
    rule(
        "bill|cable",
        r"\bmore than (?:my |our |the )?(?:\w+ )?bill\b|\b(?:basically |same as |as much as )cable\b",
        r"\b(?:more|pricier) than (?:my |our |the )?(?:old )?cable\b|\bcable with extra steps\b",
    ),
    rule(
        "extra|than|too much|fortune|pay more|paying more",
        r"\b(?:charg\w*|pay(?:ing)?) extra\b|\b(?:more expensive|pricier|costs? more) than\b",
        r"\b(?:pay(?:ing)?|costs?|charg\w*) (?:way |so |far )?too much\b|\bcosts? a fortune\b",
        rf"{ANY_P} is (?:way |just |simply |getting )?too much\b",
        r"\bpay(?:ing)? more (?:for|than)\b",
    ),
    rule(
        "hike|increase",
        r"\b(?:next|latest|another|recent|last|new|this) (?:price )?(?:hike|increase)\b",
    ),
    rule(
        "expensive|pric|rip|grab|greed|robbery|gouging|scam",
        r"\b(?:too|so|way too|really|getting|very|insanely|crazy|ridiculously|super|stupid) "
        r"(?:expensive|pricey|pricy)\b|\bkeeps? getting (?:more )?(?:expensive|pricier)\b",
        r"\boverpriced\b|\bpricier\b|\bpricey\b|\brip-? ?off\b|\bcash ?grab\b|\bgreed(?:y)?\b|"
        r"\brobbery\b|\bgouging\b|\bscam\b",
    ),
    rule(
        "afford|justify|fatigue|of paying|with paying|worth|steal|cheap|afford",
        r"\b(?:can'?t|cannot|couldn'?t) (?:afford|justify)\b|\bhard to justify\b",
        r"\bsubscription fatigue\b|\b(?:sick|tired) of paying\b|\bfed up with paying\b",
        rf"\b(?:isn'?t|not|ain'?t)(?: even)? worth (?:{_MONEY}|the (?:money|price|cost)|paying)|"
        r"\bneither is worth\b",
        r"\bused to be (?:a steal|cheap|affordable)\b|\bsupposed to be cheaper\b",
    ),
    rule(
        "why",
        r"\bwhy (?:does|is|are|do|am i|are we|should i) [^?.!\n]{0,40}?(?:\bcosts?\b|\bcharg)",
    ),
)
_NOT_PRICE = re.compile(r"\bprice of admission\b")
# said of a price rise: "didn't bother me", "still worth it"
_PRICE_SHRUG = re.compile(
    r"\b(?:(?:didn'?t|doesn'?t|don'?t|won'?t) (?:bother|mind)|worth (?:it|every penny)|"
    r"(?:good|great) deal|bargain|reasonable|fine with)\b"
)
# Otherwise: a sentence that talks money and complains, in it or in a short sentence right
# after ("$13.99 for reruns? no thanks"), unless it also says the price is fine.
_PRICE_TERM = re.compile(
    rf"{_MONEY}|\b(?:prices?|pricing|costs?|costing|charg(?:e|es|ed|ing)|fees?|bill|paying|pay)\b|"
    r"\b(?:per|a) month\b|/mo(?:nth)?\b"
)
_PRICE_CUE = re.compile(
    r"\b(?:insane|ridiculous|absurd|a joke|crazy|nuts|steep|wild|out of (?:hand|control)|"
    r"unbelievable|outrageous|a fortune|insulting|no thanks|no thank you|wtf|are you kidding|"
    r"kidding me|getting old|painful|stings|adds up|more for less|laughable|bonkers|obscene|"
    r"criminal|hard pass|silly)\b"
)
_PRICE_CUE_TRIGGERS = _triggers(
    "insane|ridiculous|absurd|joke|crazy|nuts|steep|wild|out of|unbelievable|outrageous|fortune|"
    "insulting|no thank|wtf|kidding|getting old|painful|stings|adds up|more for less|laughable|"
    "bonkers|obscene|criminal|hard pass|silly"
)
_PRICE_OK = re.compile(
    r"\b(?:bargain|(?:good|great|solid) deal|worth (?:it|every penny)|reasonable|fair|affordable|"
    r"discount\w*|on sale|promo|cheap(?:er|est)?)\b"
)
_SENTENCE = re.compile(r"(?:[^.!?\n]|(?<=\d)\.(?=\d))+[.!?\n]*")


def _sentence_at(text: str, pos: int) -> str:
    for m in _SENTENCE.finditer(text):
        if m.start() <= pos < m.end():
            return m.group(0)
    return ""


def has_price_complaint(text: str) -> bool:
    for m in find(PRICE, text):
        if negated(text, m.start()) or _NOT_PRICE.search(text, max(0, m.start() - 5), m.end() + 15):
            continue
        if _PRICE_SHRUG.search(_sentence_at(text, m.start())) is None:
            return True
    if not any(t in text for t in _PRICE_CUE_TRIGGERS) or _PRICE_CUE.search(text) is None:
        return False
    sentences = _SENTENCE.findall(text)
    for i, sent in enumerate(sentences):
        if _PRICE_TERM.search(sent) is None or _PRICE_OK.search(sent) is not None:
            continue
        nxt = sentences[i + 1] if i + 1 < len(sentences) else ""
        for part in (sent, nxt if len(nxt.split()) <= 4 else ""):
            cue = _PRICE_CUE.search(part)
            if cue is not None and not negated(part, cue.start()):
                return True
    return False
