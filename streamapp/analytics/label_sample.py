"""Posts to label next: classified signals, least confident first, as labelled-file rows.

`streamapp label export` reads recent `discussion-signals` and hands them here. Each post is
classified again with the model in use; its *margin* is how close the nearest intent came
to flipping (the smallest |probability - threshold| over the intents), so the posts the
model is least sure of come first: labelling those teaches it most.

Rows carry the labelled-file fields (`id`, `title`, `body`, `platforms`, `intents`,
`switch_from`, `switch_to`) pre-filled with the model's guess, plus `margin`,
`probabilities`, `classifier_version`, `subreddit`, `created_utc` and ``"reviewed": false``.
`streamapp train` refuses a row still marked ``"reviewed": false``: a person corrects the
guess and sets it to true, so an unchecked guess never becomes a label.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from streamapp.analytics.classifier import INTENTS, classify_scored
from streamapp.analytics.model_file import get_model

CSV_FIELDS: tuple[str, ...] = (
    "id",
    "reviewed",
    "body",
    "platforms",
    "intents",
    "switch_from",
    "switch_to",
    "margin",
    "subreddit",
    "created_utc",
    "classifier_version",
)
LIST_SEP = ";"  # platforms and intents in one CSV cell: "netflix;hulu"


def candidate(signal: dict) -> dict | None:
    """One signal as a row to label, or None when it carries no text."""
    text = signal.get("text")
    event_id = signal.get("event_id")
    if not isinstance(text, str) or not text.strip() or not event_id:
        return None
    text = text.strip()  # a title without a body arrives as "title\n"
    result, scored = classify_scored(text)
    thresholds = dict(zip(INTENTS, get_model().threshold.tolist(), strict=True))
    margin = min(abs(scored.probabilities[i] - thresholds[i]) for i in INTENTS)
    return {
        "id": str(event_id),
        "title": None,
        "body": text,
        "platforms": list(result.platforms),
        "intents": list(result.intents),
        "switch_from": result.switch_from,
        "switch_to": result.switch_to,
        "reviewed": False,
        "margin": round(margin, 4),
        "probabilities": {i: round(p, 4) for i, p in scored.probabilities.items()},
        "classifier_version": result.classifier_version,
        "subreddit": signal.get("subreddit"),
        "created_utc": signal.get("created_utc"),
    }


def least_confident(signals: Iterable[dict], limit: int) -> list[dict]:
    """The `limit` posts the model is least sure of (each post once, its latest record)."""
    latest: dict[str, dict] = {}
    for signal in signals:
        event_id = signal.get("event_id")
        if event_id:
            latest[str(event_id)] = signal
    rows = [row for s in latest.values() if (row := candidate(s)) is not None]
    rows.sort(key=lambda row: (row["margin"], row["id"]))
    return rows[:limit]


def to_csv(rows: Sequence[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        cells = dict(row)
        cells["platforms"] = LIST_SEP.join(row["platforms"])
        cells["intents"] = LIST_SEP.join(row["intents"])
        cells["reviewed"] = "true" if row.get("reviewed") else "false"
        writer.writerow(cells)
    return out.getvalue()


def from_csv(text: str) -> list[dict]:
    """Rows of a CSV written by `to_csv` (and edited by a person) as labelled-file rows."""
    rows = []
    for cells in csv.DictReader(io.StringIO(text)):
        rows.append(
            {
                "id": cells.get("id") or "",
                "title": None,
                "body": cells.get("body") or "",
                "platforms": _split(cells.get("platforms")),
                "intents": _split(cells.get("intents")),
                "switch_from": cells.get("switch_from") or None,
                "switch_to": cells.get("switch_to") or None,
                "reviewed": (cells.get("reviewed") or "").strip().lower() in ("true", "yes", "1"),
            }
        )
    return rows


def _split(cell: str | None) -> list[str]:
    return [part.strip() for part in (cell or "").split(LIST_SEP) if part.strip()]
