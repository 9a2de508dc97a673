"""The learned intent model: the shipped weights, and scoring (its features are built by
`intent_features`).

One-vs-rest logistic regression over the normalised post (lowercased, each platform mention
replaced by ``@p``): word unigrams and bigrams and character 3-5-grams inside words, TF-IDF
weighted and L2-normalised, plus the lexicon's verdicts (``rule:<intent>``) and the switch
rules' findings as binary features. `streamapp.analytics.intent_training` fits it; this
module only reads the shipped file and scores, with plain Python and numpy, so the run time
does not depend on scikit-learn.

The model file (``models/<MODEL_VERSION>.npz``) holds arrays only, read with
``allow_pickle=False``: ``vocab`` (feature names), ``idf``, ``coef`` (features x intents),
``rule_coef`` (rule features x intents), ``intercept``, ``threshold`` and ``meta`` (a JSON
string: version, intents, rule feature names, training files). It is loaded once, on first
use (`streamapp.analytics.model_file` reads it); a missing, corrupt or mismatched file
raises `ModelError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from streamapp.analytics.intent_features import GRAMS_CACHE_SIZE, char_grams, tokens

MODEL_VERSION = "intent-lr-4"
MODEL_DIR = Path(__file__).with_name("models")
MODEL_FILE = MODEL_DIR / f"{MODEL_VERSION}.npz"
# The labelled posts shipped in the package: what the shipped model is trained on, and the
# development sets that chose it (never trained on). The blind test set is not shipped; a
# retired one (scored for two releases, then read) is training data like the rest.
LABELLED_DIR = Path(__file__).with_name("labelled")
SHIPPED_TRAINING: tuple[Path, ...] = tuple(
    LABELLED_DIR / name
    for name in (
        "train.jsonl",
        "labelled_posts.jsonl",
        "train2.jsonl",
        "train3.jsonl",
        "train4.jsonl",
        "train5.jsonl",
        "train6.jsonl",
        "train7.jsonl",
        "train10.jsonl",
        "train11.jsonl",
        "retired_blind1.jsonl",
    )
)
SHIPPED_DEV: tuple[Path, ...] = (LABELLED_DIR / "dev.jsonl", LABELLED_DIR / "dev2.jsonl")
INTENTS: tuple[str, ...] = ("piracy", "switching", "cancellation", "price_complaint", "content_gap")
# rule:<intent>: the lexicon's detector said yes; cue:<intent>: one of that intent's patterns
# matched but the detector turned it down (negated, not the poster's, a shrug), which is
# itself evidence against the intent; neg:<intent>: such a refused match is negated ("not
# cancelling"), where a cue alone may be a phrasing the rules misread; rule:show_cancelled: "Netflix cancelled <show>".
CUE_INTENTS: tuple[str, ...] = ("piracy", "cancellation", "price_complaint", "content_gap")
RULE_FEATURES: tuple[str, ...] = (
    *(f"rule:{i}" for i in INTENTS),
    *(f"cue:{i}" for i in CUE_INTENTS),
    *(f"neg:{i}" for i in CUE_INTENTS),
    "rule:show_cancelled",
    "rule:switch_both_sides",
    "rule:switch_one_side",
    "platforms:0",
    "platforms:1",
    "platforms:2+",
)


class ModelError(RuntimeError):
    """The shipped intent model is missing, unreadable or not the version this code expects."""


@dataclass(frozen=True)
class Scored:
    """The model's verdict on one post."""

    probabilities: dict[str, float]
    intents: tuple[str, ...]  # those at or above their threshold, in INTENTS order


@dataclass
class IntentModel:
    version: str
    intents: tuple[str, ...]
    index: dict[str, int]
    idf: np.ndarray  # (features,)
    coef: np.ndarray  # (features, intents)
    rule_index: dict[str, int]
    rule_coef: np.ndarray  # (rule features, intents)
    intercept: np.ndarray  # (intents,)
    threshold: np.ndarray  # (intents,)
    meta: dict

    @property
    def name(self) -> str:
        """What `classifier_version` calls this model: the shipped file's `MODEL_VERSION`, or
        a retrained one's own name (``intent-lr-4.u<digest of its training rows>``)."""
        return str(self.meta.get("name") or self.version)

    def __post_init__(self) -> None:
        # name -> (row, idf) as plain Python numbers: one dict look-up per feature, no numpy
        # scalars in the per-feature loop
        idf = self.idf.tolist()
        self._lookup: dict[str, tuple[int, float]] = {
            name: (i, idf[i]) for name, i in self.index.items()
        }
        self._thresholds: list[float] = self.threshold.tolist()
        self._token_cache: dict[str, tuple[int, ...]] = {}
        self._names: list[str] = sorted(self.index, key=self.index.__getitem__)

    def _token_rows(self, tok: str) -> tuple[int, ...]:
        """The model rows of a word's unigram and character n-grams (remembered)."""
        rows = self._token_cache.get(tok)
        if rows is None:
            names = ["w:" + tok]
            if len(tok) >= 2 and tok[0] not in "@!":
                names += char_grams(tok)
            index = self.index
            rows = tuple(index[n] for n in names if n in index)
            if len(self._token_cache) >= GRAMS_CACHE_SIZE:
                self._token_cache.clear()
            self._token_cache[tok] = rows
        return rows

    def vector_of(self, norm: str) -> tuple[np.ndarray, np.ndarray]:
        """`vector(text_features(norm))`, without building the feature names: the fast path
        for a post that needs no explanation."""
        counts: dict[int, int] = {}
        get = counts.get
        index = self.index
        prev = "<s>"
        for tok in tokens(norm):
            for i in self._token_rows(tok):
                counts[i] = get(i, 0) + 1
            j = index.get(f"b:{prev} {tok}")
            if j is not None:
                counts[j] = get(j, 0) + 1
            prev = tok
        # In numpy from here: a long post has hundreds of features, and this is per post.
        n = len(counts)
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=n)
        tf = np.fromiter(counts.values(), dtype=np.float64, count=n)
        vals = self.idf[idx] * (1.0 + np.log(tf))  # sublinear tf: 1 for a single use
        norm_ = math.sqrt(float(vals @ vals))
        if norm_:
            vals /= norm_
        return idx, vals

    def vector(self, counts: Mapping[str, int]) -> tuple[list[int], list[float]]:
        """Indices and TF-IDF values (sublinear tf, L2-normalised) of the known features."""
        idx: list[int] = []
        vals: list[float] = []
        lookup = self._lookup.get
        log = math.log
        for name, count in counts.items():
            hit = lookup(name)
            if hit is not None:
                idx.append(hit[0])
                vals.append(hit[1] if count == 1 else (1.0 + log(count)) * hit[1])
        norm = math.sqrt(sum([v * v for v in vals]))
        if norm:
            vals = [v / norm for v in vals]
        return idx, vals

    def logits(self, counts: Mapping[str, int] | str, rules: Iterable[str]) -> np.ndarray:
        """Per-intent logits; `counts` is `text_features(norm)`, or `norm` itself."""
        idx, vals = self.vector_of(counts) if isinstance(counts, str) else self.vector(counts)
        z = self.intercept.copy()
        if len(idx):
            z += np.dot(vals, self.coef[idx])
        for r in rules:
            j = self.rule_index.get(r)
            if j is not None:
                z += self.rule_coef[j]
        return z

    def score(self, counts: Mapping[str, int] | str, rules: Iterable[str]) -> Scored:
        z = self.logits(counts, rules)
        p = 1.0 / (1.0 + np.exp(-z))
        p_list, t_list = p.tolist(), self._thresholds
        probs = dict(zip(self.intents, p_list, strict=True))
        chosen = tuple(
            n for n, pk, tk in zip(self.intents, p_list, t_list, strict=True) if pk >= tk
        )
        return Scored(probs, chosen)

    def contributions(
        self, counts: Mapping[str, int], rules: Iterable[str], intent: str, top: int = 5
    ) -> list[tuple[str, float]]:
        """The features that moved `intent` most (signed logit contributions), largest first."""
        k = self.intents.index(intent)
        idx, vals = self.vector(counts)
        names = self._names
        parts = [(names[i], float(v * self.coef[i, k])) for i, v in zip(idx, vals, strict=True)]
        for r in rules:
            j = self.rule_index.get(r)
            if j is not None:
                parts.append((r, float(self.rule_coef[j, k])))
        parts.sort(key=lambda item: -abs(item[1]))
        return [(n, round(c, 3)) for n, c in parts[:top] if c]
