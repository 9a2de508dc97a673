"""Price-complaint rules: hikes, money amounts with a complaint, "not worth it"."""

from __future__ import annotations

import re

from streamapp.analytics.lexicon.core import ANY_P, Rule, _triggers, find, negated, rule

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
