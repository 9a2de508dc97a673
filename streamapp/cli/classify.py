"""`streamapp classify`: JSON Lines in (`text`, or `title` and `body`), one result per line out."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from streamapp.analytics.classifier import classify, explain, join_post


def classify_line(line: str, explain_it: bool = False) -> dict[str, object]:
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    if isinstance(data.get("text"), str):
        text = data["text"]
    elif isinstance(data.get("title"), str) or isinstance(data.get("body"), str):
        title = data.get("title")
        text = join_post(title if isinstance(title, str) else None, data.get("body") or "")
    else:
        raise ValueError("needs a string 'text', or 'title' and/or 'body'")
    out: dict[str, object] = {"id": data["id"]} if "id" in data else {}
    out.update(classify(text).as_dict())
    if explain_it:
        out["explain"] = explain(text)
    return out


def classify_lines(src: TextIO, out: TextIO, err: TextIO, explain: bool = False) -> int:
    """Bad lines are reported on stderr with their line number; the exit code says so.

    With `explain`, each result has an ``explain`` object (see `classifier.explain`)."""
    failures = 0
    for number, line in enumerate(src, start=1):
        if not line.strip():
            continue
        try:
            result = classify_line(line, explain)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            failures += 1
            err.write(f"line {number}: {exc}\n")
            continue
        out.write(json.dumps(result) + "\n")
    return 1 if failures else 0


def cmd_classify(args: argparse.Namespace) -> int:
    from streamapp.cli.options import use_classifier_model
    from streamapp.config import Settings

    if not use_classifier_model(Settings(), "classify"):
        return 2
    return classify_lines(sys.stdin, sys.stdout, sys.stderr, explain=args.explain)


def register(sub: argparse._SubParsersAction) -> None:
    classify = sub.add_parser("classify", help="classify JSON Lines from stdin")
    # Each output line then carries, per intent, the model's probability, its threshold,
    # whether the rules fired, and the features that moved it most.
    classify.add_argument(
        "--explain",
        action="store_true",
        help="add per-intent probabilities and the rules/features that moved them",
    )
    classify.set_defaults(func=cmd_classify)
