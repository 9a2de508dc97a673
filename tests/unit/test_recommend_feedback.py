"""The simulator's side of recommendations: a finished title is not watched again, the
recommenders' view of the catalogue follows its moves, and the feedback loop (seeded,
switchable) makes accounts play recommended titles the more they like the genre."""

from __future__ import annotations

from collections import Counter

from streamapp.analytics.recommend.model import Recommender
from streamapp.sources.viewers.catalogue import Catalogue, Title
from streamapp.sources.viewers.feedback import FeedbackLoop
from streamapp.sources.viewers.oracle import Oracle
from streamapp.sources.viewers.simulator import ViewerSimulator

DAY = 86_400.0
T0 = 20_700 * DAY


def test_a_finished_title_is_never_played_again() -> None:
    sim = ViewerSimulator(seed=12, accounts=150, recommendations=False)
    titles = sim._catalogue.titles
    completed: Counter[tuple[str, str, str]] = Counter()
    finished: set[tuple[str, str, str]] = set()
    replays_after_finish = 0
    for event in sim.events_between(T0, T0 + 40 * DAY):
        v = event.value
        # per platform: a title that moved is new to the platform it moved to
        key = (v["account"], v["platform"], v.get("title_id", ""))
        if v["type"] == "play" and key in finished:
            replays_after_finish += 1
        if v["type"] == "stop":
            title = titles[v["title_id"]]
            if v["position_s"] >= 0.9 * title.episode_s:
                completed[key] += 1
                if completed[key] >= title.episodes:
                    finished.add(key)
    assert len(finished) > 100  # films and short series do get finished
    assert replays_after_finish == 0


def test_the_recommenders_view_follows_the_catalogues_moves() -> None:
    sim = ViewerSimulator(seed=3, accounts=20, recommendations=False)
    sim.events_between(T0, T0 + 15 * DAY)  # two weekly rounds of moves
    moved = sim._catalogue.moved_on
    assert moved
    for title_id in moved:
        assert sim.titles.platform_of(title_id) == sim._catalogue.home[title_id]
    assert {t: sim.titles.platform_of(t) for t in sim._catalogue.home} == sim._catalogue.home


def test_plays_say_where_they_came_from_and_the_loop_can_be_turned_off() -> None:
    days = (T0, T0 + 20 * DAY)
    on = ViewerSimulator(seed=5, accounts=200).events_between(*days)
    off = ViewerSimulator(seed=5, accounts=200, recommendations=False).events_between(*days)
    sources_on = Counter(e.value["source"] for e in on if e.value["type"] == "play")
    sources_off = Counter(e.value["source"] for e in off if e.value["type"] == "play")
    assert set(sources_on) == {"continue", "browse", "recommendation"}
    assert set(sources_off) == {"continue", "browse"}
    share = sources_on["recommendation"] / sum(sources_on.values())
    assert 0.05 < share < 0.5, share
    again = ViewerSimulator(seed=5, accounts=200).events_between(*days)
    assert [e.value for e in again] == [e.value for e in on]  # seeded, loop included
    assert all("source" not in e.value for e in on if e.value["type"] != "play")


def test_an_account_takes_a_recommendation_more_often_the_more_it_likes_the_genre() -> None:
    cat = Catalogue(titles={"h1": Title("h1", "horror", 1, 5400.0, 1.0)}, home={"h1": "hulu"})
    loop = FeedbackLoop(Recommender(cat.view(0.0)), seed=1)
    loop.fold([("acc", "hulu", "signup", 0.0, {})])
    taken = {}
    for taste in (0.0, 0.2, 0.5):
        tastes = {"horror": taste}
        taken[taste] = sum(
            loop.row("acc", 0, day).take(tastes, "hulu", cat, set()) == "h1" for day in range(400)
        )
    assert taken[0.0] < taken[0.2] < taken[0.5]
    assert loop.row("acc", 0, 1).take({"horror": 1.0}, "max", cat, set()) is None  # not there
    assert loop.row("acc", 0, 1).take({"horror": 1.0}, "hulu", cat, {"h1"}) is None  # finished


def test_the_oracle_lists_only_what_the_account_can_watch_and_has_not_finished() -> None:
    sim = ViewerSimulator(seed=3, accounts=40, recommendations=False)
    sim.events_between(T0, T0 + 12 * DAY)
    oracle = Oracle(sim._catalogue)
    oracle.snapshot(sim._population or [])
    listed = 0
    for account in sim._population or []:
        titles = oracle.recommend(account.account, 10)
        on = {p for p, s in account.subs.items() if s.status != "cancelled"}
        assert all(sim._catalogue.home[t] in on for t in titles)
        assert not set(titles) & account.finished
        genres = Counter(sim._catalogue.titles[t].genre for t in titles)
        assert max(genres.values(), default=0) <= 4
        listed += len(titles)
    assert listed > 40 * 5
    assert oracle.place("nobody", 0, "t", 10, 0.0) is None
