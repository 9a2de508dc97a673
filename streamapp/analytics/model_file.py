"""Reading an intent model file, and which one the classifier uses.

The classifier uses the shipped model (`intent_model.MODEL_FILE`) unless
``STREAMAPP_CLASSIFIER_MODEL`` names another file (one that `streamapp train` wrote). The
file is read once; a missing, corrupt or mismatched one raises `ModelError`, which says
which file and what to do. A worker calls `use_model` before it connects to anything, so
a bad file stops it at start instead of at its first post.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from streamapp.analytics.intent_model import (
    INTENTS,
    MODEL_FILE,
    MODEL_VERSION,
    IntentModel,
    ModelError,
)

MODEL_ENV = "STREAMAPP_CLASSIFIER_MODEL"


def load_model(path: Path = MODEL_FILE, expected_version: str = MODEL_VERSION) -> IntentModel:
    """Read a model file; `ModelError` says what is wrong with a missing or corrupt one."""
    if not path.is_file():
        raise ModelError(
            f"intent model file {path} is missing: check {MODEL_ENV}, reinstall streamapp, "
            "or write one with `streamapp train`"
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        meta = json.loads(str(arrays["meta"]))
        vocab = [str(v) for v in arrays["vocab"]]
        rule_names = [str(v) for v in meta["rule_features"]]
        model = IntentModel(
            version=str(meta["version"]),
            intents=tuple(meta["intents"]),
            index={name: i for i, name in enumerate(vocab)},
            idf=np.asarray(arrays["idf"], dtype=np.float64),
            coef=np.asarray(arrays["coef"], dtype=np.float64),
            rule_index={name: j for j, name in enumerate(rule_names)},
            rule_coef=np.asarray(arrays["rule_coef"], dtype=np.float64),
            intercept=np.asarray(arrays["intercept"], dtype=np.float64),
            threshold=np.asarray(arrays["threshold"], dtype=np.float64),
            meta=meta,
        )
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelError(f"intent model file {path} is corrupt or unreadable: {exc}") from exc
    n, k = len(vocab), len(model.intents)
    shapes_ok = (
        model.idf.shape == (n,)
        and model.coef.shape == (n, k)
        and model.rule_coef.shape == (len(rule_names), k)
        and model.intercept.shape == (k,)
        and model.threshold.shape == (k,)
        and len(model.index) == n
    )
    if not shapes_ok:
        raise ModelError(f"intent model file {path} is corrupt: its arrays do not agree in shape")
    if not (np.isfinite(model.coef).all() and np.isfinite(model.rule_coef).all()):
        raise ModelError(f"intent model file {path} is corrupt: non-finite weights")
    if model.version != expected_version:
        raise ModelError(
            f"intent model file {path} is version {model.version!r}, this code expects "
            f"{expected_version!r}: retrain it with `streamapp train`"
        )
    if model.intents != INTENTS:
        raise ModelError(f"intent model file {path} scores {model.intents}, expected {INTENTS}")
    return model


def configured_path() -> Path:
    """The model file to use: ``STREAMAPP_CLASSIFIER_MODEL`` if set, else the shipped one."""
    named = os.environ.get(MODEL_ENV, "").strip()
    return Path(named).expanduser() if named else MODEL_FILE


_model: IntentModel | None = None


def use_model(path: Path | None = None) -> IntentModel:
    """Load `path` (default: `configured_path()`) now and classify with it from here on."""
    global _model
    _model = load_model(path if path is not None else configured_path())
    return _model


def get_model() -> IntentModel:
    """The model in use, loaded on first use."""
    return _model if _model is not None else use_model()
