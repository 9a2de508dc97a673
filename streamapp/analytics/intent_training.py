"""Fit the intent model (`streamapp.analytics.intent_model`) on labelled JSONL files.

    streamapp train [--out FILE] TRAIN.jsonl [...]

Needs scikit-learn (the `dev` extra), only here: the shipped model is a plain array file.
Training is deterministic (liblinear, fixed seed, sorted vocabulary), so the same files give
the same model file; tests/unit/test_intent_model.py checks the shipped file against them.

Per intent: a binary L2 logistic regression (liblinear) on TF-IDF text features plus the
rules' binary features. Each intent's decision threshold is chosen by 5-fold cross-validation
on the training rows alone (the F1-best threshold of the out-of-fold probabilities, clamped
to [0.25, 0.6]); the development set is never read here.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from streamapp.analytics import intent_model, model_file
from streamapp.analytics.intent_model import INTENTS, MODEL_VERSION, RULE_FEATURES


@dataclass(frozen=True)
class Settings:
    """The hyper-parameters of the shipped model (chosen on the development set)."""

    c: float = 30.0  # inverse L2 strength (10 for intent-lr-1; 30 chosen on dev + dev2)
    min_df: int = 2  # a feature must appear in at least this many training posts
    text: bool = True  # word and character n-grams
    rules: bool = True  # the lexicon's verdicts as features
    class_weight: str | None = "balanced"
    folds: int = 5
    threshold_range: tuple[float, float] = (0.25, 0.6)
    round_to: int = 5  # decimals kept in the shipped weights


@dataclass
class Example:
    counts: dict[str, int]
    rules: list[str]
    labels: set[str] = field(default_factory=set)


def load_rows(paths: Iterable[Path]) -> list[dict]:
    """Labelled rows of JSON Lines files, or of CSV files written by `streamapp label export`."""
    from streamapp.analytics.label_sample import from_csv

    rows: list[dict] = []
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        if Path(path).suffix.lower() == ".csv":
            rows.extend(from_csv(text))
        else:
            rows.extend(json.loads(line) for line in text.splitlines() if line.strip())
    return rows


def unreviewed(rows: Iterable[dict]) -> list[str]:
    """Ids of rows `streamapp label export` wrote that nobody has checked yet."""
    return [str(r.get("id")) for r in rows if r.get("reviewed") is False]


def examples(rows: Iterable[dict]) -> list[Example]:
    from streamapp.analytics.classifier import join_post, read

    out = []
    for row in rows:
        counts, rules = read(join_post(row.get("title"), row["body"])).model_inputs()
        out.append(Example(counts, rules, set(row["intents"])))
    return out


def _vocabulary(exs: Sequence[Example], min_df: int) -> tuple[list[str], np.ndarray]:
    df: dict[str, int] = {}
    for ex in exs:
        for name in ex.counts:
            df[name] = df.get(name, 0) + 1
    vocab = sorted(name for name, n in df.items() if n >= min_df)
    n_docs = len(exs)
    idf = np.array([math.log((1 + n_docs) / (1 + df[name])) + 1.0 for name in vocab])
    return vocab, idf


def _matrix(exs: Sequence[Example], index: dict[str, int], idf: np.ndarray, s: Settings):
    from scipy.sparse import csr_matrix, hstack

    rows, cols, vals = [], [], []
    for r, ex in enumerate(exs):
        if not s.text:
            continue
        idx = [index[n] for n in ex.counts if n in index]
        v = np.array([(1.0 + math.log(ex.counts[n])) for n in ex.counts if n in index])
        if idx:
            v = v * idf[idx]
            v = v / math.sqrt(float(v @ v))
        rows += [r] * len(idx)
        cols += idx
        vals += list(v)
    text = csr_matrix((vals, (rows, cols)), shape=(len(exs), len(index)))
    rule_index = {n: j for j, n in enumerate(RULE_FEATURES)}
    rr, rc = [], []
    for r, ex in enumerate(exs):
        if s.rules:
            for name in ex.rules:
                rr.append(r)
                rc.append(rule_index[name])
    rules = csr_matrix(([1.0] * len(rr), (rr, rc)), shape=(len(exs), len(RULE_FEATURES)))
    return hstack([text, rules]).tocsr()


def _fit_binary(x, y: np.ndarray, s: Settings):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(
        C=s.c, solver="liblinear", class_weight=s.class_weight, random_state=0, max_iter=1000
    )
    clf.fit(x, y)
    return clf


def _best_threshold(y: np.ndarray, p: np.ndarray, s: Settings) -> float:
    lo, hi = s.threshold_range
    best, best_f1 = 0.5, -1.0
    for t in np.arange(lo, hi + 1e-9, 0.025):
        pred = p >= t
        tp = float((pred & (y == 1)).sum())
        f1 = 2 * tp / (pred.sum() + (y == 1).sum()) if pred.sum() + (y == 1).sum() else 0.0
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(t), f1
    return round(best, 3)


def fit(
    rows: Sequence[dict],
    s: Settings = Settings(),
    sources: Sequence[str] = (),
    name: str = MODEL_VERSION,
) -> dict:
    """Train on `rows`; returns the arrays of a model file (`name` is what
    `classifier_version` will call it)."""
    exs = examples(rows)
    vocab, idf = _vocabulary(exs, s.min_df) if s.text else ([], np.zeros(0))
    index = {n: i for i, n in enumerate(vocab)}
    x = _matrix(exs, index, idf, s)
    n_text = len(vocab)
    coef = np.zeros((n_text, len(INTENTS)))
    rule_coef = np.zeros((len(RULE_FEATURES), len(INTENTS)))
    intercept = np.zeros(len(INTENTS))
    threshold = np.zeros(len(INTENTS))
    folds = np.arange(len(exs)) % s.folds
    for k, intent in enumerate(INTENTS):
        y = np.array([intent in ex.labels for ex in exs], dtype=int)
        clf = _fit_binary(x, y, s)
        w = clf.coef_[0]
        coef[:, k] = w[:n_text]
        rule_coef[:, k] = w[n_text:]
        intercept[k] = clf.intercept_[0]
        oof = np.zeros(len(exs))
        for f in range(s.folds):
            train, test = folds != f, folds == f
            oof[test] = _fit_binary(x[train], y[train], s).predict_proba(x[test])[:, 1]
        threshold[k] = _best_threshold(y, oof, s)
    meta = {
        "version": MODEL_VERSION,
        "name": name,
        "intents": list(INTENTS),
        "rule_features": list(RULE_FEATURES),
        "settings": {
            "c": s.c,
            "min_df": s.min_df,
            "text": s.text,
            "rules": s.rules,
            "class_weight": s.class_weight,
            "folds": s.folds,
        },
        "training_posts": len(rows),
        "sources": list(sources),
    }
    return {
        "vocab": np.array(vocab, dtype=str),
        "idf": np.round(idf, s.round_to),
        "coef": np.round(coef, s.round_to),
        "rule_coef": np.round(rule_coef, s.round_to),
        "intercept": np.round(intercept, s.round_to),
        "threshold": threshold,
        "meta": np.array(json.dumps(meta, sort_keys=True)),
    }


def save(arrays: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        np.savez_compressed(fh, **arrays)
    return path


def train(
    paths: Sequence[Path], out: Path = intent_model.MODEL_FILE, s: Settings = Settings()
) -> Path:
    """Fit on the labelled files and write the model file (by default, the shipped one)."""
    rows = load_rows(paths)
    return save(fit(rows, s, [Path(p).name for p in paths], model_name(rows, out)), out)


def model_name(rows: Sequence[dict], out: Path) -> str:
    """The shipped file is `MODEL_VERSION`; any other is named after what it was trained on
    (``intent-lr-4.u<6 hex digits>``), so two models never share a `classifier_version`."""
    if Path(out).resolve() == intent_model.MODEL_FILE.resolve():
        return MODEL_VERSION
    blob = json.dumps([[r.get("title"), r["body"], sorted(r["intents"])] for r in rows])
    return f"{MODEL_VERSION}.u{hashlib.sha256(blob.encode()).hexdigest()[:6]}"


def in_memory(arrays: dict) -> intent_model.IntentModel:
    """A model from `fit`'s arrays without a file (for comparisons)."""
    import io
    import tempfile

    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.npz"
        path.write_bytes(buf.getvalue())
        return model_file.load_model(path)
