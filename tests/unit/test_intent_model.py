"""The learned intent model: the shipped file, its errors, training, evaluate and --explain,
and the labelled sets it is trained and selected on (never the blind set)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from streamapp import cli
from streamapp.analytics import intent_features, intent_model
from streamapp.analytics.classifier import (
    CLASSIFIER_VERSION,
    INTENTS,
    classify,
    classify_rules,
    explain,
    join_post,
    read,
)
from streamapp.analytics.evaluate import evaluate, load
from streamapp.analytics.intent_model import MODEL_FILE, MODEL_VERSION, ModelError
from streamapp.analytics.model_file import load_model
from streamapp.analytics.platforms import PLATFORM_IDS

DATA = intent_model.LABELLED_DIR  # shipped in the package; the blind set is not
TRAIN = DATA / "train.jsonl"
TRAIN2 = DATA / "train2.jsonl"
DEV = DATA / "dev.jsonl"
DEV2 = DATA / "dev2.jsonl"
LABELLED = DATA / "labelled_posts.jsonl"
TRAIN3, TRAIN4, TRAIN5, TRAIN6, TRAIN7, TRAIN10, TRAIN11 = (
    DATA / f"train{n}.jsonl" for n in (3, 4, 5, 6, 7, 10, 11)
)
RETIRED_BLIND = DATA / "retired_blind1.jsonl"  # the first blind set, retired after two releases
# what the shipped model is fitted on
TRAINING_FILES = [
    TRAIN, LABELLED, TRAIN2, TRAIN3, TRAIN4, TRAIN5, TRAIN6, TRAIN7, TRAIN10, TRAIN11, RETIRED_BLIND
]  # fmt: skip
BLIND = Path(__file__).parents[1] / "data" / "classifier" / "blind2.jsonl"  # never trained on
BLIND3 = BLIND.with_name("blind3.jsonl")  # never trained on


# --- the shipped file ----------------------------------------------------------------------


def test_shipped_model_loads_and_names_the_classifier() -> None:
    model = load_model()
    assert model.version == MODEL_VERSION
    assert MODEL_FILE.name == f"{MODEL_VERSION}.npz"
    assert CLASSIFIER_VERSION.startswith(MODEL_VERSION + "+")
    assert model.intents == INTENTS
    assert model.meta["sources"] == [p.name for p in TRAINING_FILES]
    assert all(0.2 <= t <= 0.65 for t in model.threshold)
    assert classify("netflix").classifier_version == CLASSIFIER_VERSION


def test_shipped_model_is_what_training_produces(tmp_path: Path) -> None:
    """Refitting on the shipped training files gives the shipped model: the same features
    and thresholds, weights equal up to the solver's last digits (lbfgs ends a few 1e-4
    apart on different BLAS builds), and the same verdicts on every development post."""
    pytest.importorskip("sklearn")
    from streamapp.analytics.intent_training import train

    fresh = train(TRAINING_FILES, tmp_path / "m.npz")
    with np.load(MODEL_FILE, allow_pickle=False) as a, np.load(fresh, allow_pickle=False) as b:
        assert a.files == b.files
        for name in a.files:
            if name == "meta":  # the same but for the name: `--out` elsewhere names it apart
                meta_a, meta_b = json.loads(str(a[name])), json.loads(str(b[name]))
                assert meta_a.pop("name") == MODEL_VERSION
                assert meta_b.pop("name").startswith(MODEL_VERSION + ".u")
                assert meta_a == meta_b
            elif a[name].dtype.kind in "US":
                assert (a[name] == b[name]).all(), name
            else:
                np.testing.assert_allclose(a[name], b[name], atol=2e-3, err_msg=name)
    shipped, refit = load_model(), load_model(fresh)
    for post in load(DEV):
        reading = read(join_post(post["title"], post["body"]))
        rules = reading.rule_features()
        verdicts = [m.score(reading.norm, rules).intents for m in (shipped, refit)]
        assert verdicts[0] == verdicts[1], post["id"]


def test_missing_model_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="missing"):
        load_model(tmp_path / "nope.npz")


@pytest.mark.parametrize(
    "content",
    [b"", b"not a zip at all", b"PK\x03\x04 truncated zip"],
    ids=["empty", "garbage", "truncated"],
)
def test_corrupt_model_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ModelError, match="corrupt"):
        load_model(path)


def _rewrite(tmp_path: Path, **changes: object) -> Path:
    with np.load(MODEL_FILE, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    arrays.update(changes)
    path = tmp_path / "changed.npz"
    np.savez(path, **arrays)
    return path


def test_model_with_mismatched_arrays_is_corrupt(tmp_path: Path) -> None:
    with np.load(MODEL_FILE, allow_pickle=False) as data:
        coef = data["coef"]
    with pytest.raises(ModelError, match="shape"):
        load_model(_rewrite(tmp_path, coef=coef[:-1]))
    with pytest.raises(ModelError, match="corrupt"):
        load_model(_rewrite(tmp_path, meta=np.array("{not json")))
    with zipfile.ZipFile(_rewrite(tmp_path)) as z:
        assert "idf.npy" in z.namelist()


def test_model_of_another_version_is_refused(tmp_path: Path) -> None:
    with np.load(MODEL_FILE, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
    meta["version"] = "intent-lr-0"
    with pytest.raises(ModelError, match="intent-lr-0"):
        load_model(_rewrite(tmp_path, meta=np.array(json.dumps(meta))))


def test_features_mark_negation_and_normalise_platforms() -> None:
    toks = intent_features.tokens("i'm not cancelling @max, @netflix is $0 now")
    assert toks[:4] == ["i'm", "not", "!cancelling", "!@p"]
    assert "@p" in toks and "$0" in toks
    feats = intent_features.text_features("not cancelling")
    assert "w:!cancelling" in feats and "c:canc" not in feats
    assert "c:canc" in intent_features.text_features("cancelling")


def test_fast_path_scores_exactly_like_the_named_features() -> None:
    model = load_model()
    for row in load(DEV)[:60] + [{"title": None, "body": "cancel cancel CANCEL, not cancelling"}]:
        norm = read(join_post(row["title"], row["body"])).norm
        fast = dict(zip(*model.vector_of(norm), strict=True))
        named = dict(zip(*model.vector(intent_features.text_features(norm)), strict=True))
        assert fast.keys() == named.keys()
        assert all(abs(fast[i] - named[i]) < 1e-12 for i in fast)


# --- explain, evaluate, train from the command line -----------------------------------------


def test_explain_gives_every_intent_its_probability_and_reasons() -> None:
    text = "Netflix is $24 now. Cancelled it and went back to torrents"
    got = explain(text)
    assert got["model"] == MODEL_VERSION
    per = got["intents"]
    assert set(per) == set(INTENTS)
    chosen = {i for i, v in per.items() if v["chosen"]}
    assert chosen == set(classify(text).intents)
    for v in per.values():
        assert 0.0 <= v["probability"] <= 1.0
        assert (v["probability"] >= v["threshold"]) == v["chosen"]
        assert all(isinstance(n, str) and isinstance(w, float) for n, w in v["top_features"])
    assert "rule:piracy" in got["rule_features"]


def test_classify_explain_end_to_end(monkeypatch, capsys) -> None:
    lines = '{"id": "a", "text": "Dropped Hulu for Peacock"}\n{"title": "hi", "body": ""}\n'
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    assert cli.main(["classify", "--explain"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == 2
    assert out[0]["id"] == "a" and "switching" in out[0]["intents"]
    assert set(out[0]["explain"]["intents"]) == set(INTENTS)
    assert out[0]["explain"]["intents"]["switching"]["chosen"] is True
    monkeypatch.setattr("sys.stdin", io.StringIO(lines))
    assert cli.main(["classify"]) == 0
    assert "explain" not in json.loads(capsys.readouterr().out.splitlines()[0])


def _labelled(tmp_path: Path) -> Path:
    rows = [
        {"id": "1", "title": None, "body": "Cancelled Netflix today", "platforms": ["netflix"],
         "intents": ["cancellation"], "switch_from": None, "switch_to": None},
        {"id": "2", "title": "Tubi is free", "body": "and legal", "platforms": [],
         "intents": [], "switch_from": None, "switch_to": None},
    ]  # fmt: skip
    path = tmp_path / "few.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_evaluate_end_to_end(tmp_path: Path, capsys) -> None:
    path = _labelled(tmp_path)
    assert cli.main(["evaluate", str(path), "--errors"]) == 0
    out = capsys.readouterr().out
    assert f"Classifier `{CLASSIFIER_VERSION}` on 2 labelled posts" in out
    assert "| cancellation | 1 |" in out and "macro-F1" in out
    assert "hard negatives left clean (no gold intent, none predicted) | 1/1" in out
    assert cli.main(["evaluate", str(path), "--rules"]) == 0
    assert "`lexicon-1+vader-" in capsys.readouterr().out


def test_evaluate_needs_a_file_and_reads_nothing_by_default(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["evaluate"])
    assert cli.main(["evaluate", str(tmp_path / "absent.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    assert cli.main(["evaluate", str(bad)]) == 2
    assert "not labelled JSON Lines" in capsys.readouterr().err


def test_train_command_writes_a_loadable_model(tmp_path: Path, capsys) -> None:
    pytest.importorskip("sklearn")
    out = tmp_path / "m.npz"
    assert cli.main(["train", "--out", str(out), str(TRAIN)]) == 0
    model = load_model(out)
    assert model.meta["sources"] == ["train.jsonl"]
    assert cli.main(["train", "--out", str(out), str(tmp_path / "absent.jsonl")]) == 2


# --- the labelled sets ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [*TRAINING_FILES[2:], TRAIN, DEV, DEV2, BLIND, BLIND3],
    ids=lambda p: p.stem,
)
def test_new_labelled_sets_are_well_formed(path: Path) -> None:
    rows = load(path)
    assert len(rows) >= 400
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r) == {"id", "title", "body", "platforms", "intents", "switch_from", "switch_to"}
        assert set(r["platforms"]) <= PLATFORM_IDS
        assert list(r["intents"]) == [i for i in INTENTS if i in r["intents"]]
        for side in (r["switch_from"], r["switch_to"]):
            assert side is None or side in r["platforms"]
        if r["switch_from"] or r["switch_to"]:
            assert "switching" in r["intents"]
    assert {i for r in rows for i in r["intents"]} == set(INTENTS)
    assert sum(1 for r in rows if not r["intents"]) >= len(rows) / 3  # hard negatives


def test_the_package_ships_what_trains_and_chooses_the_model() -> None:
    assert list(intent_model.SHIPPED_TRAINING) == TRAINING_FILES
    assert list(intent_model.SHIPPED_DEV) == [DEV, DEV2]
    assert not list(DATA.glob("blind*"))


def test_dev_and_blind_sets_share_no_post_with_the_training_files() -> None:
    def texts(path: Path) -> set[str]:
        return {f"{r['title'] or ''}\n{r['body']}".strip().lower() for r in load(path)}

    for held_out in (DEV, DEV2, BLIND, BLIND3):
        for path in TRAINING_FILES:
            assert not texts(held_out) & texts(path), (held_out, path)
    assert not texts(DEV) & texts(DEV2)
    assert not (texts(DEV) | texts(DEV2)) & (texts(BLIND) | texts(BLIND3))
    assert not texts(BLIND) & texts(BLIND3)


def test_dev_set_scores_are_a_regression_gate() -> None:
    """Development-set figures (the set chose the model, so they are not a blind score).
    The model must stay well clear of the rules alone."""
    rows = load(DEV)
    model, rules = evaluate(rows), evaluate(rows, classify_rules)
    assert model.macro_f1 >= 0.72
    assert model.macro_f1 >= rules.macro_f1 + 0.15
    assert model.negatives_clean / model.negatives >= 0.7
