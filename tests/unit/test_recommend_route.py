"""GET /recommendations/<account>: what is a bad request, which partition an account is
on (as Kafka's producers put it there) and who answers."""

from __future__ import annotations

import pytest
from aiokafka.partitioner import DefaultPartitioner

from streamapp.records.raw import hash_author
from streamapp.serving.route import (
    DEFAULT_N,
    BadRequest,
    decide,
    owner_of,
    parse_query,
    partition_of,
)

ME, OTHER = "http://127.0.0.1:6066", "http://127.0.0.1:6067"


def test_a_good_request_gives_the_key_and_n() -> None:
    hashed = hash_author("acct-1", "salt")
    assert parse_query(hashed, None) == (hashed, DEFAULT_N)
    assert parse_query("user@example.com", "1") == ("user@example.com", 1)
    assert parse_query("acct_7:eu+x.y-z", "100") == ("acct_7:eu+x.y-z", 100)


@pytest.mark.parametrize(
    ("account", "n", "reason"),
    [
        ("", None, "the account is empty"),
        ("a" * 65, None, "longer than 64 characters"),
        ("acct 1", None, "only letters, digits and . _ : @ + -"),
        ("acct/1", None, "only letters, digits"),
        ("acct%00", None, "only letters, digits"),
        ("ünï", None, "only letters, digits"),
        ("acct-1", "0", "n must be within 1-100, got 0"),
        ("acct-1", "101", "n must be within 1-100, got 101"),
        ("acct-1", "-3", "n must be within 1-100, got -3"),
        ("acct-1", "ten", "n must be a whole number within 1-100, got 'ten'"),
        ("acct-1", "2.5", "n must be a whole number"),
        ("acct-1", "", "n must be a whole number"),
    ],
)
def test_a_malformed_request_says_what_to_change(account: str, n: str | None, reason: str) -> None:
    with pytest.raises(BadRequest, match=reason.replace("+", r"\+").replace(".", r"\.")):
        parse_query(account, n)


def test_the_partition_is_the_one_kafkas_default_partitioner_gives() -> None:
    # Kafka's own murmur2 test vectors (clients' UtilsTest), as signed 32-bit values.
    from aiokafka.partitioner import murmur2

    assert murmur2(b"21") - 2**32 == -973932308
    assert murmur2(b"foobar") - 2**32 == -790332482
    partitioner = DefaultPartitioner()
    for partitions in (1, 4, 7, 12):
        every = list(range(partitions))
        for i in range(200):
            key = hash_author(f"acct-{i}", "salt") if i % 2 else f"acct-{i}"
            assert partition_of(key, partitions) == partitioner(key.encode(), every, every)


def test_the_owner_is_read_from_the_assignment() -> None:
    distribution = {ME: {"viewing-events": [0, 2]}, OTHER: {"viewing-events": [1, 3], "x": [0]}}
    assert owner_of(distribution, "viewing-events", 3) == OTHER
    assert owner_of(distribution, "viewing-events", 2) == ME
    assert owner_of(distribution, "viewing-events", 4) is None
    assert owner_of(distribution, "x", 1) is None


@pytest.mark.parametrize(
    ("owner", "mine", "routed", "decision"),
    [
        (ME, True, False, "local"),
        (OTHER, True, True, "local"),  # we hold it: answer, whatever the metadata says
        (OTHER, False, False, "forward"),
        (OTHER, False, True, "unavailable"),  # forwarded to us and we do not hold it: no loop
        (ME, False, False, "unavailable"),  # the assignment says us, the consumer not yet
        (None, False, False, "unavailable"),  # rebalancing: nobody owns it now
        ("http://localhost:6066/", False, False, "forward"),  # another host is another worker
    ],
)
def test_who_answers(owner: str | None, mine: bool, routed: bool, decision: str) -> None:
    assert decide(ME, owner, mine, routed) == decision


def test_the_same_worker_is_recognised_whatever_the_url_spelling() -> None:
    assert decide(ME, "http://127.0.0.1:6066/", False, False) == "unavailable"


def test_the_other_workers_are_told_an_address_they_can_reach() -> None:
    from streamapp.config import Settings
    from streamapp.runtime.faust_app import faust_options

    settings = Settings()
    settings.pipeline.web_host, settings.pipeline.web_port = "127.0.0.1", 6070
    assert faust_options(settings)["canonical_url"] == "http://127.0.0.1:6070"
    settings.pipeline.web_host = "0.0.0.0"  # binds every interface: not an address to call
    assert faust_options(settings)["canonical_url"] != "http://0.0.0.0:6070"
    settings.pipeline.web_advertised_host = "10.1.2.3"  # the pod IP, on Kubernetes
    assert faust_options(settings)["canonical_url"] == "http://10.1.2.3:6070"
