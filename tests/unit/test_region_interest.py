"""The per-keyword region state: a newer fetch replaces, the same fetch adds, an older
one is ignored; snapshots are ranked."""

from __future__ import annotations

from streamapp.analytics.regions import merge_region_point, snapshot


def point(state, geo, interest, epoch=3600.0, region_of="US"):  # type: ignore[no-untyped-def]
    return merge_region_point(
        state,
        keyword="free streaming",
        platform=None,
        region_of=region_of,
        geo=geo,
        timestamp=f"t{epoch}",
        epoch=epoch,
        interest=interest,
    )


def test_a_fetch_adds_a_newer_one_replaces_an_older_one_is_ignored() -> None:
    state = point(point(None, "US-CA", 40.0), "US-TX", 100.0)
    assert state is not None and state["regions"] == {"US-CA": 40.0, "US-TX": 100.0}
    assert point(state, "US-CA", 40.0) is None  # a repeat changes nothing
    assert point(state, "US-NY", 10.0, epoch=0.0) is None  # from an older fetch
    newer = point(state, "US-NY", 70.0, epoch=7200.0)
    assert newer is not None and newer["regions"] == {"US-NY": 70.0}  # CA, TX are gone
    countries = point(newer, "GB", 5.0, epoch=7200.0, region_of="world")
    assert countries is not None and countries["regions"] == {"GB": 5.0}


def test_snapshot_ranks_highest_first_and_ties_share_a_rank() -> None:
    state = None
    for geo, value in [("US-CA", 50.0), ("US-TX", 100.0), ("US-NY", 50.0), ("US-WA", 0.0)]:
        state = point(state, geo, value)
    assert state is not None
    ranked = [(r["geo"], r["rank"]) for r in snapshot(state)["regions"]]
    assert ranked == [("US-TX", 1), ("US-CA", 2), ("US-NY", 2), ("US-WA", 4)]
    assert snapshot(state)["region_of"] == "US" and snapshot(state)["platform"] is None


def test_a_region_point_is_its_own_warehouse_row() -> None:
    import json

    from streamapp.loaders import TABLES_BY_NAME, to_row
    from streamapp.records import parse_trend_point

    spec = TABLES_BY_NAME["TRENDS"]
    names = [c.name for c in spec.all_columns]
    base = {"keyword": "netflix", "platform": "netflix", "geo": "US", "interest": 40.0}
    base["timestamp"] = "2026-12-06T01:00:00Z"
    national = parse_trend_point(json.dumps(base)).asdict()
    region = parse_trend_point(json.dumps(base | {"region_of": "world"})).asdict()
    a, b = (to_row(spec, r, "streaming-trends", 0, 1) for r in (national, region))
    assert a.event_id != b.event_id and b.event_id.endswith("|region")
    assert a.values[names.index("REGION_OF")] is None
    assert b.values[names.index("REGION_OF")] == "world"
