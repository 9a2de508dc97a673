"""The bulk path's file (loaders/bulk_stage.py): what each value becomes, and the
batches it must leave to the INSERT path."""

import gzip

import pytest

from streamapp.loaders import SourceRow
from streamapp.loaders.bulk_stage import BulkPath, Unsuitable, csv_bytes
from streamapp.loaders.schema import POSTS


def row(*values):
    return SourceRow(tuple(values), "t", 0, 0)


def text_of(*rows):
    return gzip.decompress(csv_bytes(rows)).decode()


def test_strings_are_quoted_nulls_are_bare_and_numbers_plain():
    assert text_of(row("a", None, "", 3, -0.25)) == '"a",\\N,"",3,-0.25\n'


def test_quotes_commas_and_newlines_stay_inside_their_field():
    assert text_of(row('say "hi", then\nleave'), row("x")) == '"say ""hi"", then\nleave"\n"x"\n'


@pytest.mark.parametrize("value", [True, float("nan"), float("inf"), "\\N", b"bytes", [1]])
def test_values_the_file_cannot_carry_exactly_send_the_batch_to_inserts(value):
    with pytest.raises(Unsuitable):
        csv_bytes([row("id", value)])


def test_after_good_data_failed_on_the_bulk_path_it_is_switched_off():
    path = BulkPath()
    path.inserted(POSTS, "COPY is not supported", found_refused_rows=True)
    assert path.enabled is None  # the data was bad: the bulk path is not to blame
    path.inserted(POSTS, "", found_refused_rows=False)
    assert path.enabled is None  # the batch only did not suit the file
    path.inserted(POSTS, "COPY is not supported", found_refused_rows=False)
    assert path.enabled is False
    assert path.stage(lambda sql: None, POSTS, [row("x")]) == ""  # INSERTs from now on
