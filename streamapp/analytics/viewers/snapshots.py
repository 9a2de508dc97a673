"""An account's pending daily snapshots (scored, waiting for their label), packed.

An active account keeps one snapshot per day for the horizon (30 by default): the time,
the 18 features, the model's and the baseline's risk and whether it has cancelled since.
As Python lists of floats that was about 21 KB per account in memory and the largest part
of the JSON the table's changelog carries for every touched account on every batch. Packed
as fixed-size binary records (float64: exactly the values the model scored and will
learn) in one base64 string, the same snapshots take about a third of that and encode as
one JSON string. Each record is a multiple of 3 bytes, so records concatenate in base64
without padding and the first one can be read without decoding the rest.
"""

from __future__ import annotations

import base64
import struct
from typing import Any

from streamapp.analytics.viewers.features import FEATURES

# t, features, model risk, baseline risk, cancelled, two pad bytes (a multiple of 3)
_RECORD = struct.Struct(f"<d{len(FEATURES)}dddBxx")
_CHARS = _RECORD.size // 3 * 4
assert _RECORD.size % 3 == 0

Snapshot = tuple[float, list[float], float, float, bool]


def pack(snapshots: list[Snapshot]) -> str:
    return "".join(_one(s) for s in snapshots)


def _one(snapshot: Snapshot) -> str:
    t, x, risk, base, cancelled = snapshot
    raw = _RECORD.pack(t, *x, risk, base, int(cancelled))
    return base64.b64encode(raw).decode("ascii")


def unpack(packed: str | list[Any]) -> list[Snapshot]:
    """The snapshots; a list is the unpacked form of states written before packing."""
    if isinstance(packed, list):
        return [(s[0], list(s[1]), s[2], s[3], bool(s[4])) for s in packed]
    raw = base64.b64decode(packed)
    out = []
    for values in _RECORD.iter_unpack(raw):
        n = len(FEATURES)
        out.append(
            (values[0], list(values[1 : n + 1]), values[n + 1], values[n + 2], bool(values[n + 3]))
        )
    return out


def append(packed: str | list[Any], snapshot: Snapshot) -> str:
    if isinstance(packed, list):
        return pack(unpack(packed) + [snapshot])
    return packed + _one(snapshot)


def first_time(packed: str | list[Any]) -> float | None:
    """The oldest snapshot's time (None: none pending), reading that one only."""
    if not packed:
        return None
    if isinstance(packed, list):
        return float(packed[0][0])
    return float(struct.unpack_from("<d", base64.b64decode(packed[:_CHARS]))[0])


def mark_cancelled(packed: str | list[Any]) -> str:
    return pack([(t, x, r, b, True) for t, x, r, b, _ in unpack(packed)])
