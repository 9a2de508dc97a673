"""Cold-start accounts get what is trending on their platforms across every partition: the
`title-trends` windows every worker reads, not the counts of the account's own partition."""

from __future__ import annotations

import pytest

from streamapp.agents.follow_trends import TrendsFollower
from streamapp.analytics.recommend.model import PopularityRecommender, Recommender
from streamapp.analytics.recommend.trending import TrendingTitles
from streamapp.records.raw import iso_utc
from streamapp.records.trends import TitleTrends
from tests.unit.test_recommend_model import catalogue, watch

T0 = 1_800_000_000.0


def window(platform: str, start: float, top: dict[str, int]) -> bytes:
    record = TitleTrends(
        window_id=f"{platform}|{start:.0f}",
        platform=platform,
        window_start=iso_utc(start),
        window_end=iso_utc(start + 60),
        plays=sum(top.values()),
        recommended_plays=0,
        titles=len(top),
        top=[{"title_id": t, "plays": p} for t, p in top.items()],
        rising=[],
        closed_at=iso_utc(start + 70),
    )
    return record.dumps()


def test_the_recent_windows_of_a_platform_are_summed_and_older_ones_dropped() -> None:
    trending = TrendingTitles(span_s=3600)
    follower = TrendsFollower(trending)
    assert follower.take(window("netflix", T0, {"t1": 5, "t2": 1})) is None
    assert follower.take(window("netflix", T0 + 60, {"t2": 3})) is None
    assert trending.plays("netflix") == {"t1": 5, "t2": 4}
    assert follower.take(window("netflix", T0 + 60, {"t2": 2})) is None  # sent again
    assert trending.plays("netflix") == {"t1": 5, "t2": 3}
    follower.take(window("netflix", T0 + 3600, {"t3": 1}))  # t0's window is an hour back
    assert trending.plays("netflix") == {"t2": 2, "t3": 1}
    assert trending.plays("max") == {}


@pytest.mark.parametrize("bad", [b"not json", b"{}", b'{"platform": "hulu", "top": []}'])
def test_a_record_that_is_not_a_window_is_refused_with_a_reason(bad: bytes) -> None:
    trending = TrendingTitles()
    reason = TrendsFollower(trending).take(bad)
    assert reason is not None and reason.startswith("not a title-trends window")
    assert trending.plays("hulu") == {}


@pytest.mark.parametrize("kind", [Recommender, PopularityRecommender])
def test_a_cold_start_account_gets_the_titles_trending_cluster_wide(kind) -> None:
    rec = kind(catalogue())
    for i in range(5):  # this partition's accounts play t4 most
        watch(rec, None, "t4", 10.0 * i)
    watch(rec, None, "t2", 60.0)
    newcomer = rec.fold(None, "netflix", "signup", 100.0, {})
    local = [r.title_id for r in rec.recommend(newcomer, 3, 200.0)]
    assert local[0] == "t4"
    trending = TrendingTitles()
    assert rec.recommend(newcomer, 3, 200.0, trending) == rec.recommend(newcomer, 3, 200.0)
    # Cluster-wide (other partitions' accounts too), t6 then t1 trend on netflix; t9 on
    # max, which the newcomer is not on.
    trending.update("netflix", T0, [{"title_id": "t6", "plays": 9}, {"title_id": "t1", "plays": 4}])
    trending.update("max", T0, [{"title_id": "t9", "plays": 50}])
    recs = rec.recommend(newcomer, 4, 200.0, trending)
    assert [r.title_id for r in recs][:3] == ["t6", "t1", "t4"]  # then the partition's own
    assert all(r.reason == "trending on netflix" for r in recs)


def test_an_account_with_plays_is_not_a_cold_start() -> None:
    rec = Recommender(catalogue())
    for i in range(5):
        watch(rec, None, "t4", 10.0 * i)
    viewer = watch(rec, None, "t0", 100.0)
    trending = TrendingTitles()
    trending.update("netflix", T0, [{"title_id": "t6", "plays": 99}])
    assert rec.recommend(viewer, 5, 9000.0, trending) == rec.recommend(viewer, 5, 9000.0)
