"""Piracy rules: torrents, pirate sites and boxes, "sailing the seas", with negation."""

from __future__ import annotations

import re

from streamapp.analytics.lexicon.core import F, Rule, find, negated, rule

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
