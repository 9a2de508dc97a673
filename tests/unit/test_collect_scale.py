"""Rescaling Google Trends groups onto one scale (streamapp.analytics.trends_scale)."""

from __future__ import annotations

import pytest

from streamapp.analytics.trends_scale import plan_groups, rescale


def test_groups_share_the_anchor_and_hold_at_most_five_terms() -> None:
    terms = ["netflix", "hulu", "max", "peacock", "sling", "free streaming", "cancel netflix"]
    groups = plan_groups(terms)
    assert groups == [
        ["netflix", "hulu", "max", "peacock", "sling"],
        ["netflix", "free streaming", "cancel netflix"],
    ]
    assert plan_groups(terms, anchor="hulu")[0] == ["hulu", "netflix", "max", "peacock", "sling"]
    assert plan_groups(["netflix"]) == [["netflix"]]
    assert plan_groups([]) == []


def test_a_second_group_is_rescaled_by_its_anchor_then_everything_onto_0_100() -> None:
    # Truth at t0, t1: A = 50, 100; B = 25, 50; C = 200, 100.
    # Google's group 0 (A, B): A's top is 100 -> A 50, 100; B 25, 50.
    # Google's group 1 (A, C): C's top (200) is 100 -> A 25, 50; C 100, 50.
    # factor = (50 + 100) / (25 + 50) = 2 -> C 200, 100; the top (200) becomes 100.
    group0 = {"A": {0.0: 50, 1.0: 100}, "B": {0.0: 25, 1.0: 50}}
    group1 = {"A": {0.0: 25, 1.0: 50}, "C": {0.0: 100, 1.0: 50}}
    result = rescale([group0, group1], "A")
    assert result.series == {
        "A": {0.0: 25.0, 1.0: 50.0},
        "B": {0.0: 12.5, 1.0: 25.0},
        "C": {0.0: 100.0, 1.0: 50.0},
    }
    assert result.unscaled == []


def test_one_group_is_left_as_google_scaled_it() -> None:
    group = {"A": {0.0: 40, 1.0: 100}, "B": {0.0: 10, 1.0: 20}}
    assert rescale([group], "A").series == {
        "A": {0.0: 40.0, 1.0: 100.0},
        "B": {0.0: 10.0, 1.0: 20.0},
    }


def test_a_group_whose_anchor_is_zero_is_reported_not_guessed() -> None:
    group0 = {"A": {0.0: 10, 1.0: 20}, "B": {0.0: 100, 1.0: 50}}
    group1 = {"A": {0.0: 0, 1.0: 0}, "C": {0.0: 100, 1.0: 80}}
    result = rescale([group0, group1], "A")
    assert set(result.series) == {"A", "B"}
    assert result.unscaled == ["C"]


def test_rescaling_recovers_true_ratios_from_rounded_google_answers() -> None:
    truth = {
        "A": [30, 35, 40, 38],
        "B": [6, 7, 8, 9],
        "C": [90, 60, 45, 30],
        "D": [1.2, 1.5, 1.1, 1.4],
    }
    times = [float(t) for t in range(4)]

    def google(terms: list[str]) -> dict[str, dict[float, float]]:
        top = max(truth[k][i] for k in terms for i in range(4))
        return {k: {t: round(truth[k][i] * 100 / top) for i, t in enumerate(times)} for k in terms}

    result = rescale([google(["A", "B"]), google(["A", "C"]), google(["A", "D"])], "A")
    top = max(v for series in truth.values() for v in series)
    for keyword, series in truth.items():
        for i, t in enumerate(times):
            expected = series[i] * 100 / top
            assert result.series[keyword][t] == pytest.approx(expected, abs=1.5), keyword
