"""What the intent model sees of a post: its words (negation marked), word 1-2-grams and
in-word character n-grams, and the lexicon's findings as rule features.

Apart from the model (`intent_model`: the shipped weights and scoring): these depend on
the text alone, and are the same whether a model is being trained (`intent_training`,
through the classifier's reading of a post) or scores one. Plain Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CHAR_NGRAMS = (3, 5)
MAX_TOKEN_CHARS = 20  # a URL or a run of emoji gives no more n-grams than a long word

_PLACEHOLDER = re.compile(r"@[a-z_]+(?![a-z_])")
_DIGITS = re.compile(r"\d+")
_TOKEN = re.compile(r"@p|\$0(?:\.0)?|[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9'\"()-]")
# A negator marks the next NEGATION_REACH words of its clause with "!" ("not !cancelling
# !max"); those words give no character n-grams, so "not cancelling" is not "cancelling".
_NEGATORS = frozenset(
    {
        *("not", "never", "no", "nah", "nope", "cannot", "without"),
        *("don't", "dont", "won't", "wont", "isn't", "isnt", "aren't", "ain't"),
        *("didn't", "didnt", "doesn't", "doesnt", "wouldn't", "wouldnt", "can't", "cant"),
        "shouldn't",
    }
)
_CLAUSE_END = frozenset(".,;:!?") | {"but", "so", "because", "though", "although", "yet"}
NEGATION_REACH = 3


def tokens(norm: str) -> list[str]:
    """Words of a normalised post: ``@p`` for a platform, ``$0`` for money, digits as 0,
    punctuation as itself, and the words a negator governs prefixed with ``!``."""
    text = _PLACEHOLDER.sub("@p", norm)
    text = _DIGITS.sub("0", text)
    out: list[str] = []
    reach = 0
    for tok in _TOKEN.findall(text):
        if tok in _CLAUSE_END:
            reach = 0
        elif tok in _NEGATORS:
            reach = NEGATION_REACH
        elif reach:
            reach -= 1
            tok = "!" + tok
        out.append(tok)
    return out


def text_features(norm: str) -> dict[str, int]:
    """Counts of word 1-2-grams (``w:``, ``b:``) and in-word character n-grams (``c:``)."""
    toks = tokens(norm)
    counts: dict[str, int] = {}
    get = counts.get
    prev = "<s>"
    for tok in toks:
        key = "w:" + tok
        counts[key] = get(key, 0) + 1
        key = f"b:{prev} {tok}"
        counts[key] = get(key, 0) + 1
        prev = tok
        if len(tok) < 2 or tok[0] in "@!":
            continue
        for key in char_grams(tok):
            counts[key] = get(key, 0) + 1
    return counts


# A word's character n-grams, remembered: posts share most of their words, and this is
# the classifier's inner loop. Cleared when full, so memory stays bounded.
GRAMS_CACHE_SIZE = 50_000
_grams_cache: dict[str, tuple[str, ...]] = {}


def char_grams(tok: str) -> tuple[str, ...]:
    """The in-word character n-grams (``c:``) of one word, padded with a space each side."""
    cached = _grams_cache.get(tok)
    if cached is not None:
        return cached
    padded = f" {tok[:MAX_TOKEN_CHARS]} "
    size = len(padded)
    lo, hi = CHAR_NGRAMS
    grams = tuple(
        "c:" + padded[i : i + n] for n in range(lo, min(hi, size) + 1) for i in range(size - n + 1)
    )
    if len(_grams_cache) >= GRAMS_CACHE_SIZE:
        _grams_cache.clear()
    _grams_cache[tok] = grams
    return grams


def rule_features(
    rule_intents: Iterable[str],
    switch: tuple[str | None, str | None],
    n_platforms: int,
    cues: Iterable[str] = (),
    show_cancelled: bool = False,
    negated_cues: Iterable[str] = (),
) -> list[str]:
    """The lexicon's findings as feature names (each one present is worth 1.0)."""
    out = [f"rule:{i}" for i in rule_intents]
    out += [f"cue:{i}" for i in cues]
    out += [f"neg:{i}" for i in negated_cues]
    if show_cancelled:
        out.append("rule:show_cancelled")
    src, dst = switch
    if src and dst:
        out.append("rule:switch_both_sides")
    elif src or dst:
        out.append("rule:switch_one_side")
    out.append(
        "platforms:0" if n_platforms == 0 else "platforms:1" if n_platforms == 1 else "platforms:2+"
    )
    return out
