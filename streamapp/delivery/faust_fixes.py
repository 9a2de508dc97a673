"""Faust 0.15.3 loses messages across rebalances; this makes its consumer never skip.

What we measured (tests/integration/test_scale_out.py, instrumented): a worker given a
partition after a rebalance seeks to the committed offset 227, yet the first record its
fetch loop sees is 230. Faust then books 228..230 as a "gap" (acknowledged, committed)
and, since its read offset is now 230, drops 227-229 as already read when they arrive:
they are never processed, and the commit moves past them.

Both the drop and the gap come from one mapping, the consumer's `_read_offset`, which
the fetch loop reads only through `__getitem__`. Reading it as "nothing read yet" makes
the loop hand over every record Kafka delivers and never invent a gap. The price is
that a record fetched again after a seek is processed again, which our pipeline already
absorbs: signals are idempotent by id, window counts are deduplicated by offset marks.

A second hole is an off-by-one in the commit: `Consumer._new_offset` refuses to commit
while the acknowledged offsets start more than one past the committed offset, so with
227 committed (227 is the next record to process) and 228.. acknowledged, it commits past
227 before 227 was processed. Right after a rebalance records can arrive out of order
(above), 227 late, and a worker that dies or loses the partition before it arrives has
lost it. We commit only once the committed offset itself has been acknowledged.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import faust

# The Faust releases these patches were written against and tested on (the scale-out and
# lost-record integration tests). Another release may have moved the private attributes
# they touch, or fixed the holes differently: refuse to start rather than guess.
PATCHED_FAUST_VERSIONS = ("0.15.3",)
# The consumer's private attributes the patches read or replace.
PATCHED_ATTRIBUTES = ("_read_offset", "_new_offset", "_acked", "_committed_offset")


class UnsupportedFaust(RuntimeError):
    """The installed Faust is not one the consumer patches were written for."""


def check_faust(consumer: Any, version: str = faust.__version__) -> None:
    """Raise UnsupportedFaust unless `version` is patched for and `consumer` has every
    attribute the patches touch."""
    if version not in PATCHED_FAUST_VERSIONS:
        raise UnsupportedFaust(
            f"faust-streaming {version} is installed; streamapp's consumer patches "
            f"(streamapp/delivery/faust_fixes.py) were written for {', '.join(PATCHED_FAUST_VERSIONS)}. "
            "Install the pinned version (pip install -c constraints.txt -e .)."
        )
    missing = [name for name in PATCHED_ATTRIBUTES if not hasattr(consumer, name)]
    if missing:
        raise UnsupportedFaust(
            f"Faust's consumer has no {', '.join(missing)}: the consumer patches "
            "(streamapp/delivery/faust_fixes.py) cannot be applied to this Faust."
        )


class NeverSkipReadOffsets(defaultdict):
    """Remembers read offsets like Faust's own map, but never answers with one."""

    def __init__(self) -> None:
        super().__init__(lambda: None)

    def __getitem__(self, tp: Any) -> None:
        return None


def commit_only_from_the_head(consumer: Any) -> None:
    """Wrap the consumer's `_new_offset`: no commit while the next record to process
    (the committed offset) has not been acknowledged."""
    if getattr(consumer._new_offset, "streamapp_fixed", False):
        return
    faust_new_offset = consumer._new_offset

    def _new_offset(tp: Any) -> int | None:
        acked = consumer._acked.get(tp)
        committed = consumer._committed_offset.get(tp)
        if acked and committed is not None and min(acked) > committed:
            return None  # the head is still being processed (or has not arrived)
        return faust_new_offset(tp)

    _new_offset.streamapp_fixed = True  # type: ignore[attr-defined]
    consumer._new_offset = _new_offset


def never_skip_messages(app: faust.App) -> None:
    consumer = app.consumer
    check_faust(consumer)
    if not isinstance(consumer._read_offset, NeverSkipReadOffsets):
        consumer._read_offset = NeverSkipReadOffsets()
    commit_only_from_the_head(consumer)
