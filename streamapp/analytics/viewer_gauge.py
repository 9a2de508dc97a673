"""The viewers' per-platform gauge that rides on the market windows.

The churn engine counts, at each event-time daily tick of a `viewing-events` partition,
the platform's active accounts, those at risk and the expected cancellations (the sum of
the risks). The viewers agent sends that snapshot to the platform's window partition;
the closer keeps the newest one per viewing partition and, when a window closes, stamps
their sums on it. A snapshot replaces, it never adds: a snapshot delivered twice (a
batch read again after a crash) changes nothing, and the exactly-once counting of the
market's mentions (offsets, lanes, watermarks) is not involved at all.
"""

from __future__ import annotations

from typing import Any

# Per viewing partition: [day, active, at_risk, expected_cancellations]
Gauge = dict[str, list[float]]


def fold(stored: Gauge | None, report: Gauge) -> Gauge:
    """The newest snapshot per viewing partition (an older day never replaces a newer)."""
    out = {p: list(row) for p, row in (stored or {}).items()}
    for partition, row in report.items():
        kept = out.get(partition)
        if kept is None or row[0] >= kept[0]:
            out[partition] = list(row)
    return out


def window_fields(gauge: Gauge | None) -> dict[str, Any]:
    """The window's viewers' fields: sums over the viewing partitions (None: no report)."""
    if not gauge:
        return {"accounts_active": None, "accounts_at_risk": None, "expected_cancellations": None}
    rows = list(gauge.values())
    return {
        "accounts_active": int(sum(r[1] for r in rows)),
        "accounts_at_risk": int(sum(r[2] for r in rows)),
        "expected_cancellations": round(sum(r[3] for r in rows), 3),
    }
