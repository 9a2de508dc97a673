"""`python -m bench recommend`: its last line, and which simulated records it sends."""

from __future__ import annotations

from bench.recommend import recommend_line, simulated
from streamapp import topics


def test_the_last_line_names_local_and_routed_percentiles() -> None:
    local = [1.0] * 98 + [5.0, 9.0]
    routed = [2.0] * 99 + [30.0]
    assert recommend_line(local, routed) == (
        "recommend: local_p50_ms=1.0 local_p99_ms=5.0 routed_p50_ms=2.0 routed_p99_ms=2.3"
    )


def test_the_catalogue_goes_first_and_the_live_day_is_kept_apart() -> None:
    items, live, accounts = simulated("p.", accounts=20, days=1)
    kinds = [topic for topic, _, _ in items]
    first_viewing = kinds.index("p." + topics.VIEWING_EVENTS)
    assert set(kinds[:first_viewing]) == {"p." + topics.TITLE_CATALOGUE}
    assert {topic for topic, _, _ in live} == {"p." + topics.VIEWING_EVENTS}
    assert accounts == sorted({key for topic, key, _ in items if topic.endswith("viewing-events")})
