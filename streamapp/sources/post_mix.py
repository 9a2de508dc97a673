"""Post-stream mix: platform and label shares, stable hashing, ids, authors, subreddits, scores."""

from __future__ import annotations

import hashlib
import random

from streamapp.sources.post_vocabulary import (
    GENERAL_SUBREDDITS,
    HOME_SUBREDDITS,
    NAME_WORDS_A,
    NAME_WORDS_B,
)

__all__ = [
    "AUTHOR_POPULATION",
    "DELETED_AUTHOR_SHARE",
    "ID_SPACE",
    "LABEL_SHARES",
    "PLATFORMLESS_SHARE",
    "PLATFORM_SHARES",
    "SUBMISSION_SHARE",
    "fake_username",
    "pick_score",
    "pick_subreddit",
    "scramble_id",
    "stable_hash",
    "weighted_choice",
]

# Share of each platform among posts that name one (roughly by subscribers and chatter).
PLATFORM_SHARES: dict[str, float] = {
    "netflix": 0.32,
    "disney_plus": 0.14,
    "hulu": 0.12,
    "prime_video": 0.12,
    "max": 0.10,
    "peacock": 0.05,
    "paramount_plus": 0.05,
    "apple_tv_plus": 0.04,
    "youtube_tv": 0.04,
    "sling_tv": 0.02,
}
# Template families in normal times: mostly chatter, about a third with an intent.
LABEL_SHARES: dict[str, float] = {
    "neutral": 0.38,
    "positive": 0.14,
    "hard_negative": 0.12,
    "price_complaint": 0.07,
    "cancellation": 0.06,
    "switching": 0.07,
    "piracy": 0.06,
    "content_gap": 0.07,
    "outage": 0.03,
}
# Families where some posts name no platform at all ("best torrent client?").
PLATFORMLESS_SHARE: dict[str, float] = {
    "neutral": 0.2,
    "positive": 0.1,
    "hard_negative": 0.1,
    "piracy": 0.35,
}
SUBMISSION_SHARE = 0.3
DELETED_AUTHOR_SHARE = 0.03
AUTHOR_POPULATION = 50_000

_ID_HALF = 36**5
ID_SPACE = _ID_HALF * _ID_HALF  # ten base-36 digits
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def stable_hash(*parts: object) -> int:
    """A stable 64-bit integer from parts (independent of PYTHONHASHSEED)."""
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=8).digest(), "big")


def _base36(number: int, width: int = 10) -> str:
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 36)
        digits.append(_ALPHABET[rest])
    return "".join(reversed(digits))


def scramble_id(counter: int, keys: tuple[int, ...]) -> str:
    """A keyed bijection on [0, 36**10) (a 4-round Feistel network on two halves):
    unique ids that do not look sequential."""
    left, right = divmod(counter, _ID_HALF)
    for key in keys:
        mixed = ((right ^ key) * 0x9E3779B1) & 0xFFFFFFFF
        left, right = right, (left + (mixed ^ (mixed >> 15))) % _ID_HALF
    return _base36(left * _ID_HALF + right)


def fake_username(seed: int, index: int) -> str:
    """The clear name of simulated author `index` (hashed before it leaves the simulator)."""
    h = stable_hash(seed, "author", index)
    a, b = len(NAME_WORDS_A), len(NAME_WORDS_B)
    return f"{NAME_WORDS_A[h % a]}_{NAME_WORDS_B[(h // a) % b]}{(h // (a * b)) % 10_000}"


def weighted_choice(
    rng: random.Random, weights: dict[str, float], exclude: str | None = None
) -> str:
    names = [n for n in weights if n != exclude]
    return rng.choices(names, [weights[n] for n in names])[0]


def pick_subreddit(rng: random.Random, label: str, platform: str | None) -> str:
    if label == "piracy" and rng.random() < 0.6:
        return "Piracy"
    home = HOME_SUBREDDITS.get(platform or "")
    if home and rng.random() < (0.5 if label in ("neutral", "positive") else 0.4):
        return home
    if label in ("neutral", "positive", "hard_negative"):
        return rng.choices(GENERAL_SUBREDDITS, (0.4, 0.35, 0.25))[0]
    return rng.choices(GENERAL_SUBREDDITS, (0.7, 0.2, 0.1))[0]


def pick_score(rng: random.Random, submission: bool, label: str) -> int:
    if submission:
        return min(int(rng.paretovariate(1.1)), 40_000)
    if label in ("outage", "price_complaint") and rng.random() < 0.1:
        return -rng.randint(1, 12)
    return min(int(rng.paretovariate(1.6)), 5_000) - (1 if rng.random() < 0.05 else 0)
