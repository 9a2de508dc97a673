"""`streamapp catalogue load`: the CSV is checked whole, by the worker's own parser, before
anything is written; an unreachable broker is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamapp.cli.catalogue import CatalogueFileError, load_catalogue, parse_catalogue_csv
from streamapp.embedded import free_port
from streamapp.records.catalogue import parse_title_record
from streamapp.sources.producer import encode_value
from tests.unit.test_cli_unreachable import one_line, run

HEADER = "title_id,platform,genre,episodes,episode_s,ts\n"
ROW = "str-sci-001,netflix,scifi,34,3000,2026-01-01T00:00:00Z\n"
REPO = Path(__file__).resolve().parents[2]


def test_each_row_becomes_the_record_the_worker_reads() -> None:
    records = parse_catalogue_csv(
        HEADER + ROW + "old-com-001,,comedy,1,5400.5,2026-01-02T00:00:00+00:00\n", "c.csv"
    )
    first, second = (parse_title_record(encode_value(r)) for r in records)
    assert (first.title_id, first.platform, first.genre, first.episodes) == (
        "str-sci-001",
        "netflix",
        "scifi",
        34,
    )
    assert first.episode_s == 3000.0
    # An empty platform: on no platform; the timestamp is kept as its instant.
    assert second.platform is None and second.episode_s == 5400.5
    assert second.ts - first.ts == 86_400


def test_empty_genre_and_lengths_are_null() -> None:
    (record,) = parse_catalogue_csv(HEADER + "x-1,hulu,,,,2026-01-01T00:00:00Z\n", "c.csv")
    assert (record["genre"], record["episodes"], record["episode_s"]) == (None, None, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("title_id,platform,ts\n" + ROW, "c.csv: the header must name title_id,platform,genre,"),
        (HEADER, "c.csv: no titles"),
        (HEADER + ROW.replace("netflix", "netflx"), "c.csv line 2: field 'platform' 'netflx'"),
        (
            HEADER + ROW + ROW.replace(",34,", ",3.5,"),
            "c.csv line 3: column 'episodes' must be a whole number, got '3.5'",
        ),
        (HEADER + ROW.replace("3000", "long"), "c.csv line 2: column 'episode_s' must be a number"),
        (
            HEADER + ROW.replace("2026-01-01T00:00:00Z", "2026-01-01"),
            "c.csv line 2: timestamp '2026-01-01' has no UTC offset",
        ),
        (
            HEADER + ",hulu,drama,1,60,2026-01-01T00:00:00Z\n",
            "c.csv line 2: missing field 'title_id'",
        ),
    ],
)
def test_a_bad_file_names_the_line_and_the_reason(text: str, reason: str) -> None:
    with pytest.raises(CatalogueFileError) as caught:
        parse_catalogue_csv(text, "c.csv")
    assert str(caught.value).startswith(reason), str(caught.value)


def test_the_shipped_example_loads() -> None:
    records = load_catalogue(REPO / "examples" / "catalogue.csv")
    assert len(records) == 11 and sum(r["platform"] is None for r in records) == 1


def test_a_bad_file_writes_nothing_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + ROW.replace("netflix", "netflx"), encoding="utf-8")
    # No broker at all: a bad file must fail before any connection is tried.
    done, _ = run(
        ["catalogue", "load", str(path)], {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}, tmp_path
    )
    assert done.returncode == 2 and "bad.csv line 2: field 'platform'" in done.stderr
    assert "cannot reach" not in done.stderr


def test_an_unreachable_broker_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(HEADER + ROW, encoding="utf-8")
    bootstrap = f"127.0.0.1:{free_port()}"
    done, _ = run(
        ["catalogue", "load", str(path)], {"KAFKA_BOOTSTRAP_SERVERS": bootstrap}, tmp_path
    )
    line = one_line(done, bootstrap, "KAFKA_BOOTSTRAP_SERVERS")
    assert line.startswith(f"streamapp catalogue: cannot reach Kafka at {bootstrap}")
