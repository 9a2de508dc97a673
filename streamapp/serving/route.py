"""Which worker answers GET /recommendations/<account>, decided without Faust or the network.

The account's profile lives on the worker that owns its `viewing-events` partition. That
partition is what the producer's partitioner gave the key it sent the events with: the
account as the URL names it (the simulator keys by the account hash; a producer of clear
ids keys by the clear id, which the worker hashes before it goes any further). Kafka's
default partitioner, aiokafka's and the Java client's alike: murmur2 of the key bytes,
made positive, modulo the partition count. The owner of a partition is read from the
assignment Faust's partition assignor shares with every member (as `app.topic_route`
does): any worker can forward to it, so every worker gives the same answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Literal

from yarl import URL

from streamapp.analytics.recommend.partitions import partition_of

DEFAULT_N = 10
MAX_N = 100
MAX_ACCOUNT_CHARS = 64  # as an account id on the wire (records/raw.py MAX_ID_CHARS)
ACCOUNT = re.compile(r"[A-Za-z0-9._:@+-]+")
# Set on a forwarded request: its receiver answers or says it cannot, never forwards again
# (two workers with different views of a rebalance would pass it back and forth).
ROUTED_HEADER = "X-Streamapp-Routed"

Decision = Literal["local", "forward", "unavailable"]
__all__ = ["BadRequest", "decide", "owner_of", "parse_query", "partition_of", "same_worker"]


class BadRequest(ValueError):
    """A request that cannot be answered as it is; the message says what to change."""


def parse_query(account: str, n: str | None) -> tuple[str, int]:
    """(the account key, n) from the URL, or BadRequest."""
    if not account:
        raise BadRequest("the account is empty: GET /recommendations/<account>?n=10")
    if len(account) > MAX_ACCOUNT_CHARS:
        raise BadRequest(f"the account is longer than {MAX_ACCOUNT_CHARS} characters")
    if not ACCOUNT.fullmatch(account):
        raise BadRequest(
            "the account may hold only letters, digits and . _ : @ + - (the key its"
            " viewing events were produced with: the account hash, or your clear id)"
        )
    if n is None:
        return account, DEFAULT_N
    try:
        count = int(n)
    except ValueError:
        raise BadRequest(f"n must be a whole number within 1-{MAX_N}, got {n[:20]!r}") from None
    if not 1 <= count <= MAX_N:
        raise BadRequest(f"n must be within 1-{MAX_N}, got {count}")
    return account, count


def owner_of(
    distribution: Mapping[str, Mapping[str, Iterable[int]]], topic: str, partition: int
) -> str | None:
    """The URL of the worker the assignment gives `topic`'s `partition` (None: nobody)."""
    for url, topics in distribution.items():
        if partition in topics.get(topic, ()):
            return url
    return None


def same_worker(a: str, b: str) -> bool:
    ua, ub = URL(a), URL(b)
    return (ua.host, ua.port) == (ub.host, ub.port)


def decide(me: str, owner: str | None, mine: bool, routed: bool) -> Decision:
    """`mine`: this worker reads the partition now (its consumer was assigned it)."""
    if mine:
        return "local"
    if routed or owner is None or same_worker(owner, me):
        # Forwarded here, or the assignment says us while we do not hold it yet: the
        # partition is moving (a rebalance). Say so; the client asks again.
        return "unavailable"
    return "forward"
