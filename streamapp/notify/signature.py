"""The webhook signature: `X-Streamapp-Signature: t=<unix ts>,v1=<hex>`.

`v1` is the hex HMAC-SHA256, keyed with `STREAMAPP_NOTIFY_WEBHOOK_SECRET`, of the bytes
`<ts>.<body>`: the timestamp as sent, a dot, and the exact request body. A receiver
recomputes it over the raw body it got, compares in constant time and refuses a
timestamp too far from its clock (a replayed request keeps its old timestamp, and changing
the timestamp breaks the signature). `verify` is that receiver, in a few lines.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Streamapp-Signature"
TOLERANCE_SECONDS = 300


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(
    secret: bytes,
    header: str,
    body: bytes,
    now: float | None = None,
    tolerance_s: float = TOLERANCE_SECONDS,
) -> bool:
    """True when `header` signs `body` with `secret` and its timestamp is recent."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
        given = fields["v1"]
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)
