"""The one answer to "already delivered?" (streamapp/delivery/already_delivered.py)."""

from __future__ import annotations

from streamapp.delivery.already_delivered import AlreadyDelivered
from streamapp.delivery.source_offsets import marks_value


class LogSays:
    """A takeover's read-back of the contributions log: fixed answers, calls recorded."""

    def __init__(self, found):  # type: ignore[no-untyped-def]
        self.found = found
        self.calls: list[tuple[dict, object]] = []

    async def delivered(self, marked_at, generation):  # type: ignore[no-untyped-def]
        self.calls.append((dict(marked_at), generation))
        return self.found


async def test_marked_offsets_repeats_and_logged_platforms_are_not_counted_again():
    table = {"posts:0": marks_value([[0, 9]], at=100.0)}
    log = LogSays({"posts:0": {"netflix": [[12, 12]]}})
    delivered = AlreadyDelivered(table, log)  # type: ignore[arg-type]
    await delivered.load(["posts:0", "posts:1"], generation=3)
    assert log.calls == [({"posts:0": 100.0, "posts:1": None}, 3)]

    assert delivered.to_count("posts:0", 5, ["netflix"]) == []  # marked
    assert delivered.to_count("posts:0", 12, ["netflix", "hulu"]) == ["hulu"]  # logged
    assert delivered.to_count("posts:0", 12, ["netflix", "hulu"]) == []  # a repeat
    assert delivered.to_count("posts:1", 0, ["max"]) == ["max"]

    delivered.commit(now=200.0)
    assert table["posts:0"] == {"ranges": [[0, 9], [12, 12]], "at": 200.0}
    assert table["posts:1"] == {"ranges": [[0, 0]], "at": 200.0}


async def test_nothing_is_marked_before_commit_and_a_new_batch_reads_the_marks_again():
    table: dict = {}
    delivered = AlreadyDelivered(table, None)
    await delivered.load(["posts:0"], generation=None)
    assert delivered.to_count("posts:0", 4, ["netflix"]) == ["netflix"]
    assert table == {}  # a crash here must count offset 4 again
    delivered.commit(now=1.0)
    await delivered.load(["posts:0"], generation=None)
    assert delivered.marks("posts:0") == [[4, 4]]
    assert delivered.to_count("posts:0", 4, ["netflix"]) == []
