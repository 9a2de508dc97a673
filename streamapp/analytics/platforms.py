"""Canonical streaming platforms and the names people use for them."""

from __future__ import annotations

import re

# Canonical id -> display name. Ids are the contract used in every topic and table.
PLATFORMS: dict[str, str] = {
    "netflix": "Netflix",
    "disney_plus": "Disney+",
    "hulu": "Hulu",
    "max": "Max",
    "prime_video": "Prime Video",
    "apple_tv_plus": "Apple TV+",
    "peacock": "Peacock",
    "paramount_plus": "Paramount+",
    "youtube_tv": "YouTube TV",
    "sling_tv": "Sling TV",
}

PLATFORM_IDS: frozenset[str] = frozenset(PLATFORMS)


# --- finding platforms in text -----------------------------------------------------------
#
# Aliases are matched on lowercased text. Unambiguous aliases map straight to an id; the
# ambiguous ones (ordinary English words, a grade, a device) carry a `kind` and are accepted
# only when their neighbours say "streaming service" (see `_accept`).

# (group name, canonical id, pattern). Longer aliases come before their prefixes.
_ALIASES: tuple[tuple[str, str, str], ...] = (
    ("netflix", "netflix", r"netflix|netflx|netlfix|neflix|nflx"),
    ("hulu", "hulu", r"hulu(?:\s*(?:\+|with|plus)\s*live(?:\s*tv)?|\s+live(?:\s*tv)?)?"),
    ("disney_plus", "disney_plus", r"disney\s?\+|disney\s?plus|disneyplus|dplus"),
    ("amb_disney", "disney_plus", r"disney"),
    ("amb_dplus", "disney_plus", r"d\+"),
    ("max", "max", r"hbo\s?max|hbomax|hbo(?:\s?go|\s?now)?"),
    ("amb_max", "max", r"max"),
    ("prime_video", "prime_video", r"(?:amazon\s?)?prime\s?video|primevideo|amazon\s?video"),
    ("amb_amazon_prime", "prime_video", r"amazon\s?prime"),
    ("amb_prime", "prime_video", r"prime"),
    ("apple_tv_plus", "apple_tv_plus", r"apple\s?tv\s?(?:\+|plus)|appletv\s?(?:\+|plus)|atv\s?\+"),
    ("amb_apple_tv", "apple_tv_plus", r"apple\s?tv"),
    ("peacock", "peacock", r"peacock\s?tv|peacocktv"),
    ("amb_peacock", "peacock", r"peacock(?:\s?premium(?:\s?plus)?)?"),
    ("paramount_plus", "paramount_plus", r"paramount\s?(?:\+|plus)|paramountplus|pplus"),
    ("amb_paramount", "paramount_plus", r"paramount"),
    ("amb_pplus", "paramount_plus", r"p\+"),
    ("youtube_tv", "youtube_tv", r"youtube\s?tv|youtubetv|yttv|yt\s?tv"),
    ("sling_tv", "sling_tv", r"sling\s?tv|slingtv|sling\s(?:orange|blue)"),
    ("amb_sling", "sling_tv", r"sling"),
)

# The leading character class lets `re` skip most positions without trying every alias.
ALIAS_RE = re.compile(
    r"(?=[adhmnpsy])(?<![\w@+])(?:"
    + "|".join(rf"(?P<{name}>{pat})" for name, _, pat in _ALIASES)
    + r")(?![\w+])"
)
_GROUP_ID: dict[str, str] = {name: pid for name, pid, _ in _ALIASES}

_WORD_BEFORE = re.compile(r"(\S+)\s*$")
_MEASURE_BEFORE = re.compile(
    r"\b(?:volume|brightness|quality|resolution|res|settings?|slider|bitrate|contrast|sharpness|"
    r"speed|graphics|it|everything|all|them)\s+(?:all the way\s+)?(?:up\s+)?(?:to|at|on)\s+$"
)
_DIGIT_NEXT = re.compile(r"\s*\d")
_LIST_GAP = re.compile(r"\s*(?:,|\+|/|&|>|->|→|and|or|vs\.?)\s*")
_WORD_AFTER = re.compile(r"\W*?([\w'+]+)")
_APP_ON = re.compile(r"app on (?:the |my |an |our )?$")
_AMAZON_SHOPPING = re.compile(
    r"[^.!?\n]{0,40}?\b(?:shipping|deliver\w*|prime day|orders?|packages?|returns)\b"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words around an ambiguous alias that make it a streaming service...
_STRONG_PREV = _words(
    "on to from for with and or vs vs. over than into via through cancel cancelled canceled "
    "cancelling canceling drop dropped dropping ditch ditched ditching quit left leaving keep "
    "keeping kept got get getting subscribe subscribed unsubscribed unsubbed add added try "
    "trying tried love hate pay paying -> > + , & /"
)
_STRONG_NEXT = _words(
    "is has had was isn't doesn't didn't won't does did just still now keeps keep sub subs "
    "subscription subscriptions app apps library catalog catalogue originals original price "
    "prices plan plans account removed added cancelled canceled cancels raised dropped pulled "
    "lost put needs charges costs wants tier tiers + & and or , ? vs"
)
# ...and words that make it something else.
_REJECT_NEXT: dict[str, frozenset[str]] = {
    "amb_max": _words(
        "resolution res quality settings setting bitrate volume brightness screens screen "
        "streams stream devices speed out level levels payne verstappen capacity size length "
        "amount limit number fps"
    ),
    "amb_prime": _words(
        "time example day days minister rib number numbers suspect candidate location spot "
        "real target cut focus shipping delivery deal deals reason mover factor lens gaming"
    ),
    "amb_peacock": _words(
        "feather feathers bird birds spider mantis bass chair tail tails pattern print eye"
    ),
    "amb_sling": _words(
        "some it them him her a an the my your his their our that this those these mud shots "
        "shot ink insults blade bag bags"
    ),
    "amb_apple_tv": _words("4k hd box remote device devices hardware settings home"),
    "amb_disney": _words(
        "world land park parks cruise channel channels springs princess princesses store resort "
        "junior jr"
    ),
    "amb_paramount": _words(
        "pictures picture movie movies film films studio studios global skydance network "
        "networks importance concern"
    ),
}
_REJECT_PREV: dict[str, frozenset[str]] = {
    # "Mad Max", "at max"; and a person or a pet: "my son Max", "a dog named Max"
    "amb_max": _words(
        "mad at named called son daughter dog cat puppy kid brother sister friend nephew niece "
        "husband wife boyfriend girlfriend cousin uncle"
    ),
    "amb_prime": _words("optimus my his her their its your our in the a"),
    "amb_peacock": _words("a an wild white male female pet proud"),
    "amb_sling": _words("a an"),
    "amb_apple_tv": _words("my our an his her their new"),
    "amb_dplus": _words("a an got grade"),
    "amb_pplus": _words("a an got grade"),
    "amb_paramount": _words("is are was be a"),
}
# Ambiguous aliases that mean the service unless their neighbours say otherwise; the rest
# (max, prime) need positive evidence.
_DEFAULT_ACCEPT = _words(
    "amb_peacock amb_sling amb_apple_tv amb_disney amb_dplus amb_pplus amb_paramount"
)


def _accept(kind: str, low: str, orig: str, start: int, end: int, last_end: int) -> bool:
    before = low[max(0, start - 30) : start]
    m = _WORD_BEFORE.search(before)
    prev = m.group(1).strip("\"'([*") if m else ""
    if prev not in _STRONG_PREV:
        prev = prev.rstrip(",.:;!?\"')]*")
    m = _WORD_AFTER.match(low, end, min(len(low), end + 30))
    nxt = m.group(1) if m else ""
    if nxt.endswith("'s"):
        nxt = nxt[:-2]
    if nxt in _REJECT_NEXT.get(kind, ()) or prev in _REJECT_PREV.get(kind, ()):
        return False
    if kind == "amb_amazon_prime":
        return _AMAZON_SHOPPING.match(low, end) is None
    if kind == "amb_apple_tv" and _APP_ON.search(before):
        return False
    if kind in _DEFAULT_ACCEPT:
        return True
    # max / prime: ordinary words unless the context is a service
    if _DIGIT_NEXT.match(low, end):  # "max 4 screens"
        return False
    capitalised = orig[start].isupper() and orig[start + 1 : start + 2].islower()
    if prev == "the" and not capitalised:
        return False
    if prev in ("to", "at", "on") and _MEASURE_BEFORE.search(low, max(0, start - 30), start):
        return False  # "set the volume to max"
    if prev in _STRONG_PREV or low[end : end + 2] == "'s" or nxt in _STRONG_NEXT:
        return True
    # in a list of services: "netflix, hulu, max" / "disney+ + max"
    if last_end >= 0 and _LIST_GAP.fullmatch(low, last_end, start):
        return True
    # a capitalised "Max"/"Prime" is the service's name, unless it is a person's first name
    # ("Max Verstappen") or a measure ("Max resolution", rejected above)
    return capitalised and not orig[end + 1 : end + 2].isupper()


def find_platform_spans(low: str, orig: str | None = None) -> list[tuple[int, int, str]]:
    """(start, end, platform id) for every platform mention in `low` (lowercased text).

    `orig` is the original text with the same length, used to tell a capitalised "Max"
    from "max"; without it every word is treated as lowercase.
    """
    if orig is None or len(orig) != len(low):
        orig = low
    spans: list[tuple[int, int, str]] = []
    last_end = -1
    for m in ALIAS_RE.finditer(low):
        kind = m.lastgroup
        assert kind is not None
        start, end = m.span()
        if kind.startswith("amb_") and not _accept(kind, low, orig, start, end, last_end):
            continue
        spans.append((start, end, _GROUP_ID[kind]))
        last_end = end
    return spans


def find_platforms(text: str) -> tuple[str, ...]:
    """Canonical ids of the platforms mentioned in `text`, in order of first mention."""
    seen: dict[str, None] = {}
    for _, _, pid in find_platform_spans(text.lower(), text):
        seen.setdefault(pid, None)
    return tuple(seen)
