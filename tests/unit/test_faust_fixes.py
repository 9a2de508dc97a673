"""The consumer fixes on a real Faust consumer object (no broker needed for its books)."""

from __future__ import annotations

import faust
import pytest
from faust.types import TP

from streamapp.delivery.faust_fixes import (
    PATCHED_FAUST_VERSIONS,
    UnsupportedFaust,
    check_faust,
    never_skip_messages,
)

PARTITION = TP("reddit-discussions", 0)


def consumer(acked: list[int], committed: int | None):  # type: ignore[no-untyped-def]
    app = faust.App("fix-test", broker="kafka://127.0.0.1:1", autodiscover=False)
    never_skip_messages(app)
    c = app.consumer
    c._acked[PARTITION] = list(acked)
    c._acked_index[PARTITION] = set(acked)
    c._committed_offset[PARTITION] = committed
    return c


def test_no_commit_past_a_committed_offset_that_is_not_yet_acknowledged() -> None:
    # 227 is the next record to process; 228 and 229 were processed first (they arrived
    # first after a rebalance). Faust 0.15.3 alone would commit 230 and lose 227.
    assert consumer([228, 229], committed=227)._new_offset(PARTITION) is None


def test_commits_once_the_head_is_acknowledged() -> None:
    assert consumer([227, 228, 229], committed=227)._new_offset(PARTITION) == 230
    assert consumer([227, 228, 230], committed=227)._new_offset(PARTITION) == 229


def test_never_reads_an_offset_as_already_read() -> None:
    c = consumer([], committed=None)
    c._read_offset[PARTITION] = 500
    assert c._read_offset[PARTITION] is None  # so the fetch loop never drops or invents gaps


def test_refuses_a_faust_version_the_patches_were_not_written_for() -> None:
    app = faust.App("fix-test", broker="kafka://127.0.0.1:1", autodiscover=False)
    with pytest.raises(UnsupportedFaust, match="0.16.0 is installed"):
        check_faust(app.consumer, version="0.16.0")
    check_faust(app.consumer)  # the installed, pinned one passes


def test_refuses_a_consumer_without_the_patched_attributes() -> None:
    class Bare:
        _acked: dict = {}

    with pytest.raises(UnsupportedFaust, match="_read_offset"):
        check_faust(Bare(), version=PATCHED_FAUST_VERSIONS[0])
