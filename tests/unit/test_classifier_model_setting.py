"""Bringing your own labels: STREAMAPP_CLASSIFIER_MODEL, the export's rows, and `train`'s
refusal of rows nobody checked. (The Kafka end of `label export` and a real worker refusing
a bad model are in tests/integration/test_label_export.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from streamapp import cli
from streamapp.analytics import model_file
from streamapp.analytics.classifier import CLASSIFIER_VERSION, INTENTS, classify
from streamapp.analytics.intent_model import LABELLED_DIR
from streamapp.analytics.label_sample import from_csv, least_confident, to_csv
from streamapp.analytics.model_file import MODEL_ENV, load_model

DATA = LABELLED_DIR


@pytest.fixture(autouse=True)
def shipped_model_afterwards(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test may load another model; the next one starts from the shipped file."""
    monkeypatch.setattr(model_file, "_model", None)
    monkeypatch.delenv(MODEL_ENV, raising=False)


@pytest.fixture(scope="module")
def user_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("sklearn")
    from streamapp.analytics.intent_training import train

    rows = (DATA / "train.jsonl").read_text().splitlines()[:300]
    labels = tmp_path_factory.mktemp("labels") / "mine.jsonl"
    labels.write_text("\n".join(rows) + "\n")
    return train([labels], tmp_path_factory.mktemp("model") / "mine.npz")


def test_a_user_model_named_in_the_setting_is_used_and_named(
    user_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODEL_ENV, str(user_model))
    got = classify("Cancelled Netflix today, too expensive")
    assert got.classifier_version != CLASSIFIER_VERSION
    assert got.classifier_version.startswith("intent-lr-4.u")
    assert got.classifier_version.endswith(CLASSIFIER_VERSION.removeprefix("intent-lr-4"))
    assert len(got.classifier_version) <= 64
    monkeypatch.delenv(MODEL_ENV)
    model_file.use_model()
    assert classify("Cancelled Netflix today").classifier_version == CLASSIFIER_VERSION


@pytest.mark.parametrize("content", [None, b"", b"PK\x03\x04 not really"])
def test_worker_with_a_bad_model_file_stops_before_connecting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, content: bytes | None
) -> None:
    path = tmp_path / "model.npz"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setenv(MODEL_ENV, str(path))

    def no_app(*args: object, **kwargs: object) -> None:
        raise AssertionError("the worker was built with a bad model")

    monkeypatch.setattr("streamapp.app.create_app", no_app)
    assert cli.main(["worker", "--bootstrap", "127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert MODEL_ENV in err and str(path) in err
    assert ("missing" if content is None else "corrupt") in err
    assert "Traceback" not in err


def test_classify_and_evaluate_refuse_a_bad_model_file_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"garbage")
    monkeypatch.setenv(MODEL_ENV, str(bad))
    assert cli.main(["classify"]) == 2
    assert cli.main(["evaluate", str(DATA / "dev2.jsonl")]) == 2
    assert capsys.readouterr().err.count(str(bad)) == 2


SIGNALS = [
    {"event_id": "a", "text": "Cancelled Netflix after the price hike", "subreddit": "x"},
    {"event_id": "b", "text": "What a great episode of Severance"},
    {"event_id": "c", "text": "hmm peacock, thinking about it, idk"},
    {"event_id": "a", "text": "Cancelled Netflix after the price hike", "subreddit": "x"},
    {"event_id": "d", "text": ""},
    {"text": "no id"},
]


def reviewed_export(rows: list[dict], path: Path) -> Path:
    """An export a person has checked: every row marked reviewed, written as CSV."""
    for r in rows:
        r["reviewed"] = True
    path.write_text(to_csv(rows))
    return path


def test_export_rows_come_least_confident_first_once_each() -> None:
    rows = least_confident(SIGNALS, limit=10)
    assert [r["id"] for r in rows] == sorted(
        {"a", "b", "c"}, key=lambda i: next(r["margin"] for r in rows if r["id"] == i)
    )
    margins = [r["margin"] for r in rows]
    assert margins == sorted(margins) and all(m >= 0 for m in margins)
    for r in rows:
        assert r["reviewed"] is False
        assert set(r["probabilities"]) == set(INTENTS)
        assert r["intents"] == list(classify(r["body"]).intents)  # the model's guess
    assert least_confident(SIGNALS, limit=1) == rows[:1]


def test_csv_round_trip_keeps_the_labels() -> None:
    rows = least_confident(SIGNALS, limit=10)
    back = from_csv(to_csv(rows))
    assert [r["id"] for r in back] == [r["id"] for r in rows]
    for mine, theirs in zip(rows, back, strict=True):
        for key in ("body", "platforms", "intents", "switch_from", "switch_to", "reviewed"):
            assert mine[key] == theirs[key], key


def test_train_refuses_rows_nobody_reviewed(tmp_path: Path, capsys) -> None:
    rows = least_confident(SIGNALS, limit=10)
    path = tmp_path / "export.csv"
    path.write_text(to_csv(rows))
    out = tmp_path / "m.npz"
    assert cli.main(["train", "--out", str(out), str(path)]) == 2
    err = capsys.readouterr().err
    assert "reviewed" in err and not out.exists()


def test_a_reviewed_export_trains_beside_the_shipped_data(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    rows = least_confident(SIGNALS, limit=10)
    mine = reviewed_export(rows, tmp_path / "mine.csv")
    base = tmp_path / "base.jsonl"
    base.write_text("\n".join((DATA / "train.jsonl").read_text().splitlines()[:300]) + "\n")
    out = tmp_path / "m.npz"
    assert cli.main(["train", "--out", str(out), str(base), str(mine)]) == 0
    with np.load(out, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
    assert meta["training_posts"] == 300 + len(rows)
    assert meta["name"].startswith("intent-lr-4.u")


def test_train_prints_development_scores_before_and_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    pytest.importorskip("sklearn")
    base = tmp_path / "base.jsonl"
    base.write_text("\n".join((DATA / "train.jsonl").read_text().splitlines()[:300]) + "\n")
    dev = tmp_path / "dev.jsonl"
    dev.write_text("\n".join((DATA / "dev2.jsonl").read_text().splitlines()[:80]) + "\n")
    out = tmp_path / "m.npz"
    assert cli.main(["train", "--out", str(out), "--dev", str(dev), str(base)]) == 0
    lines = capsys.readouterr().out.splitlines()
    head = next(line for line in lines if line.startswith("train: dev.jsonl: macro-F1"))
    assert f"({CLASSIFIER_VERSION}) ->" in head and "(intent-lr-4.u" in head
    assert sum(1 for line in lines if " F1 " in line and "->" in line) == len(INTENTS)
    assert (
        cli.main(["train", "--out", str(out), "--dev", str(tmp_path / "no.jsonl"), str(base)]) == 2
    )
    # A first fit, or a new MODEL_VERSION whose file does not exist yet: training needs no
    # model in use, so it writes the model and prints only the new development scores.
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "absent.npz"))
    out.unlink()
    assert cli.main(["train", "--out", str(out), "--dev", str(dev), str(base)]) == 0
    captured = capsys.readouterr()
    assert "absent.npz" in captured.err
    assert "train: dev.jsonl: macro-F1" in captured.out and "no model in use" in captured.out
    assert load_model(out).name.startswith("intent-lr-4.u")


def test_train_shipped_adds_the_shipped_posts_and_scores_the_shipped_dev_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    pytest.importorskip("sklearn")
    from streamapp.analytics import intent_model

    shipped = tmp_path / "shipped.jsonl"
    shipped.write_text("\n".join((DATA / "train.jsonl").read_text().splitlines()[:300]) + "\n")
    dev = tmp_path / "dev2.jsonl"
    dev.write_text("\n".join((DATA / "dev2.jsonl").read_text().splitlines()[:60]) + "\n")
    monkeypatch.setattr(intent_model, "SHIPPED_TRAINING", (shipped,))
    monkeypatch.setattr(intent_model, "SHIPPED_DEV", (dev,))
    rows = least_confident(SIGNALS, limit=10)
    mine = reviewed_export(rows, tmp_path / "mine.csv")
    out = tmp_path / "m.npz"
    assert cli.main(["train", "--shipped", str(mine), "--out", str(out)]) == 0
    assert "train: dev2.jsonl: macro-F1" in capsys.readouterr().out
    with np.load(out, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
    assert meta["sources"] == ["shipped.jsonl", "mine.csv"]
    assert cli.main(["train", "--out", str(out)]) == 2
    assert "--shipped" in capsys.readouterr().err


def test_up_refuses_a_bad_model_file_before_starting_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "absent.npz"))

    def no_supervisor(*args: object, **kwargs: object) -> None:
        raise AssertionError("up started its processes with a bad model")

    monkeypatch.setattr("streamapp.local.supervisor.Supervisor", no_supervisor)
    assert cli.main(["up"]) == 2
    assert "streamapp up: STREAMAPP_CLASSIFIER_MODEL" in capsys.readouterr().err
