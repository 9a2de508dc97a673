"""The prequential measure: a play is scored before it is folded, the three views count
what they say, accounts split over partitions as Kafka's partitioner splits them."""

from __future__ import annotations

import math
import os

import pytest
from aiokafka.partitioner import murmur2 as kafka_murmur2

from streamapp.analytics.recommend.catalogue import TitleCatalogue, TitleInfo
from streamapp.analytics.recommend.model import PopularityRecommender
from streamapp.analytics.recommend.partitions import murmur2, partition_of
from streamapp.analytics.recommend.quality import Contender, HitRate, contenders_for, replay


def test_murmur2_is_kafkas() -> None:
    for length in range(0, 70):
        data = os.urandom(length)
        assert murmur2(data) == kafka_murmur2(data) & 0xFFFFFFFF
    assert {partition_of(f"account-{i}", 4) for i in range(100)} == {0, 1, 2, 3}


def test_a_hit_rate_is_recall_and_ndcg() -> None:
    rate = HitRate()
    for place in (1, 3, None, None):
        rate.add(place)
    figures = rate.figures(10)
    assert figures["plays"] == 4 and figures["recall@10"] == 0.5
    assert figures["ndcg@10"] == pytest.approx((1 + 1 / math.log2(4)) / 4)


def catalogue() -> TitleCatalogue:
    cat = TitleCatalogue()
    for i in range(3):
        cat.update(TitleInfo(f"t{i}", "hulu", ("drama", "comedy", "crime")[i], 2, 1000.0))
    return cat


def play(account: str, title: str, ts: float) -> tuple[str, str, str, float, dict[str, object]]:
    return account, "hulu", "play", ts, {"title_id": title, "position_s": 0.0}


def test_a_play_is_scored_before_it_is_folded_and_counted_in_its_views() -> None:
    contenders = contenders_for(catalogue(), {"pop": PopularityRecommender}, partitions=2)
    events = [
        ("a", "hulu", "signup", 0.0, {}),
        ("b", "hulu", "signup", 0.0, {}),
        play("a", "t0", 10.0),  # before the span: folded, not scored
        play("b", "t0", 20.0),  # scored: t0 is what "a" made popular
        play("b", "t0", 30.0),  # the same title again: all plays only
        play("a", "t0", 40.0),  # first in the span, but "a" played it before
    ]
    figures = replay(events, contenders, span=(15.0, 100.0), partitions=1, k=1)["pop"]
    assert figures["all_plays"]["plays"] == 3 and figures["all_plays"]["recall@1"] == 1.0
    assert figures["first_plays"]["plays"] == 2  # (b, t0) and (a, t0), once each
    assert figures["new_titles"]["plays"] == 1  # only b's first t0 was new to its account


def test_a_title_nobody_played_yet_is_a_miss() -> None:
    contenders = contenders_for(catalogue(), {"pop": PopularityRecommender}, partitions=1)
    events = [("a", "hulu", "signup", 0.0, {}), play("a", "t0", 10.0), play("a", "t2", 20.0)]
    figures = replay(events, contenders, span=(0.0, 100.0), partitions=1, k=1)["pop"]
    # t0: the cold list was t0 (ties break on the id); t2: the list held t0 again
    assert figures["all_plays"]["recall@1"] == 0.5


def test_each_partition_has_its_own_model() -> None:
    contender = Contender(lambda: PopularityRecommender(catalogue()), partitions=4)
    accounts = [f"acc-{i}" for i in range(12)]
    for account in accounts:
        contender.fold(account, partition_of(account, 4), play(account, "t1", 1.0))
    counts = [m.counts.accounts.get("t1", 0) for m in contender.models]
    assert sum(counts) == 12 and max(counts) < 12
