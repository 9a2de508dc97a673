"""The brief as text (terminal, e-mail's plain part) and as one self-contained HTML page
(`--html`, the e-mail's HTML part). Pure: the summary dict in, a string out."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from streamapp.analytics.platforms import PLATFORMS


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _name(platform: str) -> str:
    return PLATFORMS.get(platform, platform)


def _pct(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value * 100:+.1f} pp" if signed else f"{value * 100:.1f}%"


def _num(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.1f}" if signed else f"{value:.1f}"


def _trend(now: int, before: int) -> str:
    return f"{now} (before {before}, {now - before:+d})"


def title(brief: dict[str, Any]) -> str:
    return f"streamapp brief {_when(brief['start'])} - {_when(brief['end'])}"


def sections(brief: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """(heading, column names, rows) for each part: shared by text and HTML."""
    alerts = brief["alerts"]
    parts = []
    parts.append(
        (
            f"Alerts: {alerts['fired']} fired, {alerts['resolved']} resolved, "
            f"{alerts['open']} still open",
            ["fired at", "rule", "platform", "severity", "resolved"],
            [
                [
                    str(a["fired_at"]),
                    str(a["rule"]),
                    _name(str(a["platform"])),
                    str(a["severity"]),
                    "yes" if a["resolved"] else "no",
                ]  # fmt: skip
                for a in alerts["list"][:20]
            ],
        )
    )
    rows = brief["platforms"]
    parts.append(
        (
            "Share of mentions and search interest (change against the period before)",
            ["platform", "mentions", "share", "share change", "interest", "interest change"],
            [
                [
                    _name(r["platform"]),
                    str(r["mentions"]),
                    _pct(r["share"]),
                    _pct(r["share_change"], True),
                    _num(r["interest"]),
                    _num(r["interest_change"], True),
                ]  # fmt: skip
                for r in rows
            ],
        )
    )
    parts.append(
        (
            "Top switching flows",
            ["from", "to", "posts"],
            [[_name(f["from"]), _name(f["to"]), str(f["count"])] for f in brief["flows"]],
        )
    )
    parts.append(
        (
            "Piracy and cancellation posts (against the period before)",
            ["platform", "piracy", "cancellation"],
            [
                [
                    _name(r["platform"]),
                    _trend(r["piracy"], r["piracy_before"]),
                    _trend(r["cancellation"], r["cancellation_before"]),
                ]  # fmt: skip
                for r in rows
                if r["piracy"]
                or r["piracy_before"]
                or r["cancellation"]
                or r["cancellation_before"]
            ],
        )
    )
    parts.append(
        (
            "Forecast against actual (the forecast made last before each window)",
            ["platform", "metric", "windows", "actual mean", "forecast mean", "MAE", "inside band"],
            [
                [
                    _name(f["platform"]),
                    f["metric"],
                    str(f["windows"]),
                    _num(f["actual_mean"]),
                    _num(f["forecast_mean"]),
                    _num(f["mae"]),
                    _pct(f["inside_band"]),
                ]  # fmt: skip
                for f in brief["forecasts"]
            ],
        )
    )
    return parts


def _table(columns: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return ["  (none)"]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    lines = ["  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    return [line.rstrip() for line in lines]


def text(brief: dict[str, Any]) -> str:
    lines = [title(brief), f"{brief['windows']} closed windows in the period", ""]
    for heading, columns, rows in sections(brief):
        lines += [heading, *_table(columns, rows), ""]
    return "\n".join(lines)


def page(brief: dict[str, Any]) -> str:
    out = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title(brief))}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:1em auto}"
        "table{border-collapse:collapse;margin-bottom:1.5em}"
        "th,td{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:left}</style>",
        "</head><body>",
        f"<h1>{html.escape(title(brief))}</h1>",
        f"<p>{brief['windows']} closed windows in the period.</p>",
    ]
    for heading, columns, rows in sections(brief):
        out.append(f"<h2>{html.escape(heading)}</h2>")
        if not rows:
            out.append("<p>(none)</p>")
            continue
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r) + "</tr>" for r in rows
        )
        out.append(f"<table><tr>{head}</tr>{body}</table>")
    out.append("</body></html>")
    return "\n".join(out)
