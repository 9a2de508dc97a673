"""The recommender's API: profiles fold events (once), the rules hold, reasons say why,
and the partition's counts rebuilt from the profiles equal the ones kept on fold."""

from __future__ import annotations

import json
from typing import Any

import pytest

from streamapp.analytics.recommend.catalogue import TitleCatalogue, TitleInfo
from streamapp.analytics.recommend.model import (
    PopularityRecommender,
    Recommender,
    build_recommender,
)
from streamapp.analytics.recommend.profile import FINISHED_TITLES, RECENT_TITLES, STARTED_TITLES

EPISODE_S = 3000.0
GENRES = ("drama", "comedy", "crime")


def catalogue() -> TitleCatalogue:
    """t0-t7 on netflix, t8-t11 on max; odd titles are films, even ones 2-episode series."""
    cat = TitleCatalogue()
    for i in range(12):
        platform = "netflix" if i < 8 else "max"
        episodes = 1 if i % 2 else 2
        cat.update(TitleInfo(f"t{i}", platform, GENRES[i % 3], episodes, EPISODE_S))
    return cat


def watch(
    rec: Recommender | PopularityRecommender,
    profile: dict[str, Any] | None,
    title: str,
    at: float,
    completed: bool = True,
    platform: str = "netflix",
) -> dict[str, Any]:
    profile = rec.fold(profile, platform, "play", at, {"title_id": title, "position_s": 0.0})
    position = EPISODE_S if completed else 0.3 * EPISODE_S
    fields = {"title_id": title, "position_s": position, "watched_s": position}
    return rec.fold(profile, platform, "stop", at + position, fields)


def test_build_recommender_gives_either_kind_and_refuses_others() -> None:
    cat = catalogue()
    assert build_recommender(cat).version == "rec-blend-1"
    assert build_recommender(cat, "popularity").version == "rec-pop-1"
    with pytest.raises(ValueError, match="unknown recommender"):
        build_recommender(cat, "magic")


def test_a_profile_is_json_and_an_offset_is_folded_once() -> None:
    rec = Recommender(catalogue())
    profile = rec.fold(None, "netflix", "session_start", 10.0, {"plan": "ads"}, offset=5)
    profile = rec.fold(profile, "netflix", "play", 20.0, {"title_id": "t0"}, offset=6)
    again = rec.fold(profile, "netflix", "play", 20.0, {"title_id": "t0"}, offset=6)
    assert again is profile and profile["plays"] == 1 and profile["o"] == 6
    assert rec.counts.accounts == {"t0": 1}
    assert json.loads(json.dumps(profile)) == profile


def test_a_series_is_finished_only_when_every_episode_was_completed() -> None:
    rec = Recommender(catalogue())
    profile = watch(rec, None, "t0", 100.0)  # episode 1 of 2
    assert "t0" in profile["started"] and not profile["finished"]
    profile = watch(rec, profile, "t0", 4000.0, completed=False)  # sampled, not completed
    assert profile["started"]["t0"][0] == 1
    profile = watch(rec, profile, "t0", 8000.0)  # episode 2: done
    assert profile["finished"] == ["t0"] and "t0" not in profile["started"]
    titles = [r.title_id for r in rec.recommend(profile, 10, 9000.0)]
    assert "t0" not in titles


def test_a_started_title_comes_first_as_continue_watching() -> None:
    rec = Recommender(catalogue())
    others = [watch(rec, None, f"t{i}", 50.0 * i) for i in range(6)]
    assert others
    profile = watch(rec, None, "t2", 500.0)  # episode 1 of 2
    top = rec.recommend(profile, 3, 600.0)[0]
    assert (top.title_id, top.reason) == ("t2", "continue watching")


def test_only_titles_on_a_platform_the_account_subscribes_to_now() -> None:
    cat = catalogue()
    rec = Recommender(cat)
    profile = rec.fold(None, "max", "signup", 0.0, {})
    profile = watch(rec, profile, "t8", 10.0, completed=False, platform="max")
    assert {r.platform for r in rec.recommend(profile, 10, 100.0)} == {"max"}
    cat.update(TitleInfo("t8", "netflix", "crime", 2, EPISODE_S, ts=50.0))  # t8 leaves max
    titles = {r.title_id for r in rec.recommend(profile, 10, 100.0)}
    assert titles == {"t9", "t10", "t11"}
    profile = rec.fold(profile, "max", "cancel", 200.0, {})
    assert rec.recommend(profile, 10, 300.0) == []
    profile = rec.fold(profile, "max", "cancel_page", 250.0, {})  # after the cancel
    assert rec.recommend(profile, 10, 300.0) == []
    profile = rec.fold(profile, "max", "resubscribe", 400.0, {})
    assert {r.platform for r in rec.recommend(profile, 10, 500.0)} == {"max"}


def test_a_cold_start_gets_what_is_trending_on_its_platforms() -> None:
    rec = Recommender(catalogue())
    for i in range(5):
        watch(rec, None, "t4", 10.0 * i)
    newcomer = rec.fold(None, "netflix", "signup", 100.0, {})
    recs = rec.recommend(newcomer, 3, 200.0)
    assert recs[0].title_id == "t4" and recs[0].reason == "trending on netflix"
    assert all(r.reason.startswith("trending on ") for r in recs)


def test_at_most_a_third_of_the_list_per_genre() -> None:
    rec = Recommender(catalogue())
    profile = rec.fold(None, "netflix", "signup", 0.0, {})
    profile = rec.fold(profile, "max", "signup", 0.0, {})
    for n in (1, 3, 6, 10):
        genres = [r.title_id for r in rec.recommend(profile, n, 10.0)]
        per_genre = [sum(int(t[1:]) % 3 == g for t in genres) for g in range(3)]
        assert max(per_genre) <= -(-n // 3)


def test_the_cap_holds_even_when_it_leaves_the_list_short() -> None:
    cat = TitleCatalogue()
    for i in range(10):
        cat.update(TitleInfo(f"d{i}", "hulu", "drama", 1, EPISODE_S))
    cat.update(TitleInfo("c0", "hulu", "comedy", 1, EPISODE_S))
    rec = Recommender(cat)
    profile = rec.fold(None, "hulu", "signup", 0.0, {})
    recs = rec.recommend(profile, 6, 10.0)
    assert sorted(r.title_id[0] for r in recs) == ["c", "d", "d"]


def test_because_you_watched_names_the_title_that_brought_it() -> None:
    rec = Recommender(catalogue())
    for i in range(6):  # most accounts watch t5 and t7
        watch(rec, watch(rec, None, "t5", 10.0 * i), "t7", 10.0 * i + 5)
    for i in range(2):  # a few watch t1 then t3
        watch(rec, watch(rec, None, "t1", 10.0 * i), "t3", 10.0 * i + 5)
    mine = watch(rec, None, "t1", 100.0)
    by_title = {r.title_id: r for r in rec.recommend(mine, 3, 200.0)}
    assert by_title["t3"].reason == "because you watched t1"


def test_bounded_lists_stay_bounded() -> None:
    cat = TitleCatalogue()
    for i in range(FINISHED_TITLES + 10):
        cat.update(TitleInfo(f"f{i}", "netflix", GENRES[i % 3], 1, EPISODE_S))
    rec = Recommender(cat)
    profile = None
    for i in range(FINISHED_TITLES + 10):
        profile = watch(rec, profile, f"f{i}", 10_000.0 * i, completed=i % 2 == 0)
    assert profile is not None
    assert len(profile["recent"]) == RECENT_TITLES
    assert len(profile["started"]) == STARTED_TITLES
    assert len(profile["finished"]) <= FINISHED_TITLES


@pytest.mark.parametrize("kind", ["blend", "popularity"])
def test_rebuild_from_the_profiles_gives_the_counts_kept_on_fold(kind: str) -> None:
    cat = TitleCatalogue()
    for i in range(40):
        cat.update(TitleInfo(f"x{i}", "netflix", GENRES[i % 3], 3, EPISODE_S))
    rec = build_recommender(cat, kind)
    profiles: dict[int, dict[str, Any]] = {}
    for step in range(600):  # enough plays to evict from every recent list
        account = step % 7
        title = f"x{(step * 13 + account * 5) % 40}"
        profiles[account] = watch(rec, profiles.get(account), title, 1000.0 * step)
    pop, accounts = dict(rec.counts.pop), dict(rec.counts.accounts)
    co = {t: dict(row) for t, row in rec.counts.co.items()}
    fresh = build_recommender(cat, kind)
    fresh.rebuild(profiles.values())
    assert fresh.counts.accounts == accounts and fresh.counts.co == co
    scale = pop["x0"] / fresh.counts.pop["x0"]  # only the reference time differs
    assert fresh.counts.pop.keys() == pop.keys()
    for title, weight in pop.items():
        assert fresh.counts.pop[title] * scale == pytest.approx(weight, rel=1e-6)
    mine = profiles[3]
    again, before = fresh.recommend(mine, 10, 7e5), rec.recommend(mine, 10, 7e5)
    assert [(r.title_id, r.reason) for r in again] == [(r.title_id, r.reason) for r in before]
    assert [r.score for r in again] == pytest.approx([r.score for r in before], abs=1e-5)
