"""Property test over the catalogue's moves: whatever accounts watch and however titles
move (weekly moves, content exits), a list never holds a title the account cannot watch
now, never one it finished, and never more than the genre cap of one genre.

The truth is kept here, apart from the profile: subscriptions from the events, finished
titles from completed episodes, where a title is from the simulator's catalogue."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from streamapp.analytics.recommend.model import build_recommender
from streamapp.analytics.recommend.ranking import genre_cap
from streamapp.sources.viewers.catalogue import (
    SUBSCRIBE_SHARES,
    build_catalogue,
    exit_titles,
    weekly_moves,
)

# Three platforms (each exit hits one of them): events of one account often meet.
PLATFORMS = ["hulu", "max", "netflix"]
assert set(PLATFORMS) <= set(SUBSCRIBE_SHARES)
DAY = 86_400.0
ACCOUNTS = 2

watch = st.tuples(
    st.just("watch"),
    st.integers(0, ACCOUNTS - 1),
    st.sampled_from(PLATFORMS),
    st.integers(0, 39),  # which of the platform's titles (as it carries them now)
    st.booleans(),  # the episode completed
)
membership = st.tuples(
    st.just("member"),
    st.integers(0, ACCOUNTS - 1),
    st.sampled_from(PLATFORMS),
    st.sampled_from(["signup", "cancel", "resubscribe", "cancel_page"]),
)
market = st.one_of(
    st.tuples(st.just("week")),
    st.tuples(st.just("exit"), st.sampled_from(PLATFORMS)),
)
operations = st.lists(st.one_of(watch, watch, membership, membership, market), max_size=80)


class Truth:
    def __init__(self) -> None:
        self.subs: dict[int, dict[str, bool]] = {a: {} for a in range(ACCOUNTS)}
        self.completed: dict[tuple[int, str], int] = {}
        self.finished: dict[int, set[str]] = {a: set() for a in range(ACCOUNTS)}


@settings(max_examples=100, deadline=None)
@example(  # a cancel-page visit after the cancel once put the account back on the platform
    seed=1,
    kind="blend",
    ops=[
        ("member", 0, "max", "signup"),
        ("member", 0, "max", "cancel"),
        ("member", 0, "max", "cancel_page"),
    ],
    n=10,
)
@given(
    seed=st.integers(0, 10_000),
    kind=st.sampled_from(["blend", "popularity"]),
    ops=operations,
    n=st.integers(1, 12),
)
def test_a_list_obeys_the_rules_through_the_catalogues_moves(
    seed: int, kind: str, ops: list[tuple[Any, ...]], n: int
) -> None:
    catalogue = build_catalogue(seed)
    view = catalogue.view(0.0)
    rec = build_recommender(view, kind)
    truth = Truth()
    profiles = {a: rec.fold(None, "netflix", "signup", 0.0, {}) for a in range(ACCOUNTS)}
    for a in range(ACCOUNTS):
        truth.subs[a]["netflix"] = True
    day = 0
    for step, op in enumerate(ops):
        ts = DAY * day + step
        if op[0] == "week":
            day += 7
            for title, to in weekly_moves(seed, catalogue, day):
                catalogue.move(title, to, day)
                view.update(catalogue.info(title, day * DAY))
        elif op[0] == "exit":
            for title in exit_titles(catalogue, op[1]):
                catalogue.move(title, None, day)
                view.update(catalogue.info(title, day * DAY))
        elif op[0] == "member":
            _, a, platform, event = op
            profiles[a] = rec.fold(profiles[a], platform, event, ts, {})
            if event == "cancel_page":  # proves nothing, unless nothing was known
                truth.subs[a].setdefault(platform, True)
            else:
                truth.subs[a][platform] = event != "cancel"
        else:
            _, a, platform, which, completed = op
            on = catalogue.on(platform)
            if not on:
                continue
            title = on[which % len(on)]
            position = title.episode_s if completed else 0.5 * title.episode_s
            fields = {"title_id": title.title_id, "position_s": 0.0}
            profiles[a] = rec.fold(profiles[a], platform, "play", ts, fields)
            fields = {"title_id": title.title_id, "position_s": position, "watched_s": position}
            profiles[a] = rec.fold(profiles[a], platform, "stop", ts + position, fields)
            truth.subs[a][platform] = True
            if completed and title.title_id not in truth.finished[a]:
                key = (a, title.title_id)
                truth.completed[key] = truth.completed.get(key, 0) + 1
                if truth.completed[key] >= title.episodes:
                    truth.finished[a].add(title.title_id)
        for a in range(ACCOUNTS):
            _check(rec.recommend(profiles[a], n, ts), truth, a, catalogue, n)


def _check(recs: list[Any], truth: Truth, a: int, catalogue: Any, n: int) -> None:
    assert len(recs) <= n
    assert len({r.title_id for r in recs}) == len(recs)
    per_genre: dict[str, int] = {}
    for r in recs:
        home = catalogue.home[r.title_id]
        assert home == r.platform, f"{r.title_id} is on {home}, not {r.platform}"
        assert truth.subs[a].get(home), f"account {a} does not subscribe to {home} now"
        assert r.title_id not in truth.finished[a], f"{r.title_id} was finished"
        genre = catalogue.titles[r.title_id].genre
        per_genre[genre] = per_genre.get(genre, 0) + 1
    assert all(count <= genre_cap(n) for count in per_genre.values()), per_genre
