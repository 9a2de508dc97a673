"""Score the classifier against a labelled JSONL file and print a Markdown table.

    streamapp evaluate FILE [--errors] [--rules]
    python -m streamapp.analytics.evaluate FILE [--errors] [--rules]

Each line: {"id", "title", "body", "platforms", "intents", "switch_from", "switch_to"}.
FILE is required: nothing under tests/ is read unless it is named. ``--rules`` scores the
rules alone (the classifier before the learned model), for comparison.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from streamapp.analytics.classifier import (
    CLASSIFIER_VERSION,
    INTENTS,
    RULES_VERSION,
    Classification,
    classify,
    classify_rules,
    join_post,
)

Classifier = Callable[[str], Classification]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    posts: int = 0
    version: str = CLASSIFIER_VERSION
    intents: dict[str, Counts] = field(default_factory=lambda: {i: Counts() for i in INTENTS})
    negatives: int = 0  # posts labelled with no intent
    negatives_clean: int = 0  # ... that the classifier left with no intent
    platforms_exact: int = 0
    platform_mentions: Counts = field(default_factory=Counts)
    switch_posts: int = 0
    switch_exact: int = 0
    errors: list[tuple[dict, Classification]] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        return sum(c.f1 for c in self.intents.values()) / len(self.intents)


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def evaluate(rows: Iterable[dict], classifier: Classifier = classify) -> Report:
    rep = Report(version=RULES_VERSION if classifier is classify_rules else CLASSIFIER_VERSION)
    for row in rows:
        got = classifier(join_post(row.get("title"), row["body"]))
        rep.version = got.classifier_version
        rep.posts += 1
        wrong = False
        gold_i, got_i = set(row["intents"]), set(got.intents)
        for intent, c in rep.intents.items():
            c.tp += intent in gold_i and intent in got_i
            c.fp += intent not in gold_i and intent in got_i
            c.fn += intent in gold_i and intent not in got_i
        if not gold_i:
            rep.negatives += 1
            rep.negatives_clean += not got_i
        gold_p, got_p = set(row["platforms"]), set(got.platforms)
        rep.platforms_exact += gold_p == got_p
        rep.platform_mentions.tp += len(gold_p & got_p)
        rep.platform_mentions.fp += len(got_p - gold_p)
        rep.platform_mentions.fn += len(gold_p - got_p)
        gold_dir = (row.get("switch_from"), row.get("switch_to"))
        if gold_dir != (None, None):
            rep.switch_posts += 1
            rep.switch_exact += gold_dir == (got.switch_from, got.switch_to)
        wrong = gold_i != got_i or gold_p != got_p or gold_dir != (got.switch_from, got.switch_to)
        if wrong:
            rep.errors.append((row, got))
    return rep


def markdown(rep: Report) -> str:
    lines = [
        f"Classifier `{rep.version}` on {rep.posts} labelled posts",
        "",
        "| intent | support | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|",
    ]
    for intent, c in rep.intents.items():
        lines.append(
            f"| {intent} | {c.tp + c.fn} | {c.precision:.3f} | {c.recall:.3f} | {c.f1:.3f} |"
        )
    lines.append(f"| **macro-F1** | | | | **{rep.macro_f1:.3f}** |")
    pm = rep.platform_mentions
    lines += [
        "",
        "| measure | value |",
        "|---|---:|",
        f"| hard negatives left clean (no gold intent, none predicted) | {rep.negatives_clean}/"
        f"{rep.negatives} ({rep.negatives_clean / max(rep.negatives, 1):.3f}) |",
        f"| platform set exactly right (posts) | {rep.platforms_exact}/{rep.posts} "
        f"({rep.platforms_exact / max(rep.posts, 1):.3f}) |",
        f"| platform mentions precision / recall | {pm.precision:.3f} / {pm.recall:.3f} |",
        f"| switch direction exactly right (labelled switches) | {rep.switch_exact}/"
        f"{rep.switch_posts} ({rep.switch_exact / max(rep.switch_posts, 1):.3f}) |",
    ]
    return "\n".join(lines)


def _error_lines(rep: Report) -> Iterable[str]:
    for row, got in rep.errors:
        text = f"{row.get('title') or ''} | {row['body']}".strip(" |")
        yield f"- {row['id']}: {text}"
        if set(row["intents"]) != set(got.intents):
            yield f"    intents  gold={row['intents']} got={list(got.intents)}"
        if set(row["platforms"]) != set(got.platforms):
            yield f"    platforms gold={row['platforms']} got={list(got.platforms)}"
        gold_dir = (row.get("switch_from"), row.get("switch_to"))
        if gold_dir != (got.switch_from, got.switch_to):
            yield f"    switch   gold={gold_dir} got={(got.switch_from, got.switch_to)}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="labelled JSON Lines file")
    parser.add_argument("--errors", action="store_true", help="list every misclassified post")
    parser.add_argument(
        "--rules", action="store_true", help="score the rules alone, without the learned model"
    )


def run(args: argparse.Namespace) -> int:
    try:
        rows = load(args.file)
    except OSError as exc:
        print(f"evaluate: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except (ValueError, KeyError) as exc:
        print(f"evaluate: {args.file} is not labelled JSON Lines: {exc}", file=sys.stderr)
        return 2
    try:
        rep = evaluate(rows, classify_rules if args.rules else classify)
    except KeyError as exc:
        print(f"evaluate: {args.file}: a row lacks {exc}", file=sys.stderr)
        return 2
    print(markdown(rep))
    if args.errors:
        print()
        print("\n".join(_error_lines(rep)))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
