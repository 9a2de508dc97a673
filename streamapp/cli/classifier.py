"""`streamapp evaluate` and `streamapp train`: score and refit the intent classifier."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_evaluate(args: argparse.Namespace) -> int:
    from streamapp.analytics import evaluate

    if not _model_ready("evaluate"):
        return 2
    return evaluate.run(args)


def cmd_train(args: argparse.Namespace) -> int:
    try:
        from streamapp.analytics import intent_training
    except ImportError as exc:  # pragma: no cover - depends on the install
        print(f"train: needs scikit-learn (pip install 'streamapp[dev]'): {exc}", file=sys.stderr)
        return 2
    from streamapp.analytics.intent_model import SHIPPED_DEV, SHIPPED_TRAINING

    if args.shipped:
        args.files = [*SHIPPED_TRAINING, *args.files]
        args.dev = args.dev or list(SHIPPED_DEV)
    if not args.files:
        print("train: name labelled files, or --shipped", file=sys.stderr)
        return 2
    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        print(f"train: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    pending = intent_training.unreviewed(intent_training.load_rows(args.files))
    if pending:
        print(
            f'train: {len(pending)} row(s) are still marked "reviewed": false (e.g. '
            f"{', '.join(pending[:3])}): check the model's guesses, correct them, set "
            "reviewed to true, and train again",
            file=sys.stderr,
        )
        return 2
    missing = [str(p) for p in args.dev if not p.is_file()]
    if missing:
        print(f"train: no such development file: {', '.join(missing)}", file=sys.stderr)
        return 2
    # Training needs no model in use; without a usable one (a first fit, or a new
    # MODEL_VERSION) only the new model's development scores are printed.
    before = _dev_scores(args.dev) if args.dev and _model_ready("train") else {}
    out = intent_training.train(args.files, args.out)
    print(f"train: wrote {out} from {len(args.files)} file(s)")
    if args.dev:
        from streamapp.analytics.model_file import use_model

        use_model(out)
        _print_before_after(before, _dev_scores(args.dev))
    return 0


def _dev_scores(paths: list[Path]) -> dict[str, object]:
    """Per development file: the classifier's version, macro-F1 and per-intent F1."""
    from streamapp.analytics.evaluate import evaluate, load

    scores: dict[str, object] = {}
    for path in paths:
        rep = evaluate(load(path))
        per = {i: round(c.f1, 3) for i, c in rep.intents.items()}
        scores[path.name] = (rep.version, round(rep.macro_f1, 3), per)
    return scores


def _print_before_after(before: dict, after: dict) -> None:
    """Development-set scores of the model in use and of the one just written."""
    for name, (new_version, new_macro, new_per) in after.items():
        if name not in before:
            print(f"train: {name}: macro-F1 {new_macro:.3f} ({new_version}); no model in use")
            for intent, f1 in new_per.items():
                print(f"  {intent:<16} F1 {f1:.3f}")
            continue
        old_version, old_macro, old_per = before[name]
        print(
            f"train: {name}: macro-F1 {old_macro:.3f} ({old_version}) -> "
            f"{new_macro:.3f} ({new_version})"
        )
        for intent, f1 in new_per.items():
            print(f"  {intent:<16} F1 {old_per[intent]:.3f} -> {f1:.3f}")


def register(sub: argparse._SubParsersAction) -> None:
    from streamapp.analytics.intent_model import MODEL_FILE

    ev = sub.add_parser(
        "evaluate",
        help="score the classifier on a labelled JSONL file (per-intent P/R/F1, macro-F1)",
    )
    from streamapp.analytics.evaluate import add_arguments

    add_arguments(ev)
    ev.set_defaults(func=cmd_evaluate)

    tr = sub.add_parser(
        "train",
        help="refit the intent model from labelled JSONL/CSV files (needs scikit-learn)",
        description="Refit the intent model. The shipped model is `train --shipped`: the "
        "labelled posts shipped in streamapp/analytics/labelled/. `--shipped FILE...` trains on "
        "those plus your own labels and prints the shipped development sets' scores before "
        "and after.",
    )
    tr.add_argument("files", nargs="*", type=Path, help="labelled JSON Lines or CSV files")
    tr.add_argument(
        "--shipped",
        action="store_true",
        help="also train on the shipped labelled posts (and score the shipped dev sets)",
    )
    tr.add_argument(
        "--out", type=Path, default=MODEL_FILE, help=f"model file to write (default: {MODEL_FILE})"
    )
    tr.add_argument(
        "--dev",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a labelled development file (repeatable): prints its scores with the model in "
        "use and with the new one (never trained on)",
    )
    tr.set_defaults(func=cmd_train)


def _model_ready(command: str) -> bool:
    from streamapp.cli.options import use_classifier_model
    from streamapp.config import Settings

    return use_classifier_model(Settings(), command)
