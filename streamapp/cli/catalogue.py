"""`streamapp catalogue load FILE.csv`: a title catalogue onto the compacted `title-catalogue`.

The CSV has the header `title_id,platform,genre,episodes,episode_s,ts` (docs/commands.md);
an empty cell is null, so an empty `platform` takes the title off every platform. Each
row becomes one record keyed by its title id (a later load of the same title replaces it;
compaction keeps the last). The whole file is checked first, by the parser the worker
reads the topic with: one bad row and nothing is written (exit 2, with the file, line
and reason). Every running worker follows the topic, so its next answers use the new
catalogue without a restart.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path
from typing import Any

from streamapp.cli.options import read_files, register_load

COLUMNS = ("title_id", "platform", "genre", "episodes", "episode_s", "ts")


class CatalogueFileError(ValueError):
    """A catalogue file that cannot be loaded; the message names the file and line."""


def _cell(row: dict[str, Any], name: str) -> str | None:
    value = (row.get(name) or "").strip()
    return value or None


def _number(text: str | None, kind: type, where: str, name: str) -> Any:
    if text is None:
        return None
    try:
        return kind(text)
    except ValueError:
        wanted = "a whole number" if kind is int else "a number"
        raise CatalogueFileError(
            f"{where}: column {name!r} must be {wanted}, got {text!r}"
        ) from None


def parse_catalogue_csv(text: str, source: str) -> list[dict[str, Any]]:
    """The records of a catalogue CSV, each checked as the worker will check it."""
    from streamapp.records.catalogue import title_from_fields, title_record
    from streamapp.records.raw import InvalidRecord, RecordLimits

    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CatalogueFileError(
            f"{source}: the header must name {','.join(COLUMNS)}; missing {', '.join(missing)}"
        )
    limits = RecordLimits(now=time.time())
    records = []
    for row in reader:
        where = f"{source} line {reader.line_num}"
        fields = {
            "title_id": _cell(row, "title_id"),
            "platform": _cell(row, "platform"),
            "genre": _cell(row, "genre"),
            "episodes": _number(_cell(row, "episodes"), int, where, "episodes"),
            "episode_s": _number(_cell(row, "episode_s"), float, where, "episode_s"),
            "ts": _cell(row, "ts"),
        }
        try:
            info = title_from_fields(fields, limits)
        except InvalidRecord as exc:
            raise CatalogueFileError(f"{where}: {exc}") from None
        records.append(title_record(info))
    if not records:
        raise CatalogueFileError(f"{source}: no titles (a header and at least one row)")
    return records


def load_catalogue(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueFileError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    return parse_catalogue_csv(text, str(path))


def cmd_catalogue_load(args: argparse.Namespace) -> int:
    from streamapp import topics
    from streamapp.sources.checkpoints import load_into_topic

    records = read_files("catalogue load", args.file, load_catalogue, (CatalogueFileError,))
    if records is None:
        return 2
    keyed = [(r["title_id"], r) for r in records]
    topic = load_into_topic(topics.TITLE_CATALOGUE, keyed, args.bootstrap)
    off = sum(r["platform"] is None for r in records)
    print(f"catalogue: {len(records)} titles loaded into {topic} ({off} on no platform)")
    return 0


def register(sub: Any) -> None:
    register_load(
        sub,
        "catalogue",
        help="the title catalogue the recommender serves from",
        load_help="write catalogue CSV files to the title-catalogue topic",
        file_help="CSV: title_id,platform,genre,episodes,episode_s,ts",
        func=cmd_catalogue_load,
    )
