"""The recommender's side of the viewers' table: profiles folded once, models rebuilt
from the profiles after a takeover or a failed batch, idle accounts expired, and account
states never confused with profiles."""

from __future__ import annotations

import copy

from streamapp.analytics.recommend.catalogue import TitleCatalogue, TitleInfo
from streamapp.tables.viewer_profiles import ProfileBook
from streamapp.tables.viewer_state import profile_key, rec_mark_key
from tests.fakes import FakeViewerTable

DAY = 86_400.0
T0 = 20_700 * DAY + 3600.0


Table = FakeViewerTable


def catalogue() -> TitleCatalogue:
    cat = TitleCatalogue()
    for i in range(10):
        platform = "netflix" if i < 6 else "max"
        cat.update(TitleInfo(f"t{i}", platform, ("drama", "comedy")[i % 2], 1, 3000.0, T0 - DAY))
    return cat


def plays(book: ProfileBook, partition: int, rows: list[tuple[str, str, int]], offset: int) -> int:
    """One batch: (account, title, minutes after T0) plays on netflix; returns the next offset."""
    batch = book.begin(partition)
    for account, title, minute in rows:
        event = ("netflix", "play", T0 + minute * 60, {"title_id": title, "position_s": 0.0})
        book.fold(batch, account, partition, event, offset)
        offset += 1
    book.commit(partition, batch)
    return offset


HISTORY = [("a", "t0", 1), ("a", "t1", 2), ("b", "t0", 3), ("b", "t2", 4), ("c", "t1", 5)]


def test_a_folded_account_gets_titles_it_can_watch_and_an_unknown_one_none() -> None:
    table, cat = Table(), catalogue()
    book = ProfileBook(table, cat)  # type: ignore[arg-type]
    plays(book, 1, HISTORY, 0)
    answer = book.recommend("a", 1, 5, T0)
    assert answer is not None and answer.model_version == "rec-blend-1"
    assert answer.recommendations and len(answer.recommendations) <= 5
    assert {r.platform for r in answer.recommendations} == {"netflix"}  # not on max: no sub
    assert book.recommend("nobody", 1, 5, T0) is None
    assert table[profile_key("a")]["p"] == 1 and table[rec_mark_key(1)]["g"] == 1
    # A title that leaves netflix is never offered again, with no refold.
    cat.update(TitleInfo("t2", None, "drama", 1, 3000.0, T0))
    again = book.recommend("a", 1, 10, T0)
    assert again is not None and "t2" not in {r.title_id for r in again.recommendations}


def test_an_event_read_again_after_a_crash_changes_nothing() -> None:
    table = Table()
    book = ProfileBook(table, catalogue())  # type: ignore[arg-type]
    plays(book, 0, HISTORY, 100)
    before = copy.deepcopy(table[profile_key("a")])
    counts = dict(book.model(0).counts.pop)
    plays(book, 0, HISTORY, 100)  # the same offsets, as after a restart from the last commit
    assert table[profile_key("a")]["rec"] == before["rec"]
    assert book.model(0).counts.pop == counts


def test_a_worker_that_takes_a_partition_over_rebuilds_the_same_model() -> None:
    table, cat = Table(), catalogue()
    first = ProfileBook(table, cat)  # type: ignore[arg-type]
    plays(first, 2, HISTORY, 0)
    second = ProfileBook(table, cat)  # type: ignore[arg-type]  # a restart, or the next owner
    assert second.model(2).counts.pop == first.model(2).counts.pop
    assert second.model(2).counts.co == first.model(2).counts.co
    assert second.recommend("b", 2, 4, T0) == first.recommend("b", 2, 4, T0)
    mine = first.model(2)
    plays(second, 2, [("a", "t3", 10)], 50)  # it folds more while the first is away
    back = first.model(2)  # the partition comes back: the mark moved, so it rebuilds
    assert back is not mine and "t3" in back.counts.pop and "t3" not in mine.counts.pop


def test_a_failed_batch_leaves_no_plays_in_the_model_that_the_table_lacks() -> None:
    table = Table()
    book = ProfileBook(table, catalogue())  # type: ignore[arg-type]
    plays(book, 0, HISTORY, 0)
    committed = dict(book.model(0).counts.pop)
    batch = book.begin(0)
    book.fold(batch, "z", 0, ("netflix", "play", T0 + 600, {"title_id": "t5"}), 99)
    assert "t5" in book.model(0).counts.pop  # folded, never committed (the batch failed)
    assert profile_key("z") not in table
    retry = book.begin(0)
    assert retry.model.counts.pop == committed


def test_idle_accounts_leave_at_the_first_batch_of_a_new_day() -> None:
    table = Table()
    book = ProfileBook(table, catalogue(), expiry_days=2)  # type: ignore[arg-type]
    plays(book, 0, HISTORY, 0)
    plays(book, 0, [("a", "t4", 24 * 60)], 10)  # a day later: nobody idle for two days yet
    assert {profile_key(x) for x in "abc"} <= set(table)
    plays(book, 0, [("a", "t5", 3 * 24 * 60)], 20)  # three days on: b and c leave, a stays
    assert profile_key("a") in table and profile_key("b") not in table
    assert "t2" not in book.model(0).counts.pop  # only b had played it


def test_profiles_and_marks_are_never_taken_for_account_states() -> None:
    table = Table()
    book = ProfileBook(table, catalogue())  # type: ignore[arg-type]
    plays(book, 3, HISTORY, 0)
    table["a|netflix"] = {"p": 3}
    assert [key for key, _ in table.accounts_of(3)] == ["a|netflix"]
    assert sorted(account for account, _ in table.profiles_of(3)) == ["a", "b", "c"]
