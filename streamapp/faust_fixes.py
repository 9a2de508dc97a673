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
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import faust


class NeverSkipReadOffsets(defaultdict):
    """Remembers read offsets like Faust's own map, but never answers with one."""

    def __init__(self) -> None:
        super().__init__(lambda: None)

    def __getitem__(self, tp: Any) -> None:
        return None


def never_skip_messages(app: faust.App) -> None:
    consumer = app.consumer
    if not isinstance(consumer._read_offset, NeverSkipReadOffsets):
        consumer._read_offset = NeverSkipReadOffsets()
