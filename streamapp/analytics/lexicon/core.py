"""Rule machinery shared by every intent table: placeholders, guarded regexes, negation."""

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
