"""`streamapp classify`: JSON Lines in (`text`, or `title` and `body`), one result per line out."""

from __future__ import annotations

import json
from typing import TextIO

from streamapp.analytics.classifier import classify, classify_post


def classify_line(line: str) -> dict[str, object]:
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    if isinstance(data.get("text"), str):
        result = classify(data["text"])
    elif isinstance(data.get("title"), str) or isinstance(data.get("body"), str):
        result = classify_post(data.get("title"), data.get("body") or "")
    else:
        raise ValueError("needs a string 'text', or 'title' and/or 'body'")
    out: dict[str, object] = {"id": data["id"]} if "id" in data else {}
    out.update(result.as_dict())
    return out


def classify_lines(src: TextIO, out: TextIO, err: TextIO) -> int:
    """Bad lines are reported on stderr with their line number; the exit code says so."""
    failures = 0
    for number, line in enumerate(src, start=1):
        if not line.strip():
            continue
        try:
            result = classify_line(line)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            failures += 1
            err.write(f"line {number}: {exc}\n")
            continue
        out.write(json.dumps(result) + "\n")
    return 1 if failures else 0
