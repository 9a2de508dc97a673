"""Alerts that explain themselves: rising terms, example posts, the leading switching
flow; bounded per partial and per window, and the counts untouched."""

from __future__ import annotations

from streamapp.analytics import explain
from streamapp.analytics.windows import ContributionBuilder, empty_partial, merge_partial
from streamapp.records import Alert, Contribution
from streamapp.records.raw import iso_utc, parse_reddit_post
from streamapp.tables.window_close import WindowCloser
from tests.fakes import FakeTopic
from tests.unit.test_window_close import contribution, feed, make


def test_terms_leave_out_stop_words_platform_names_and_repeats():
    text = "Netflix and HBO Max: the password sharing crackdown, crackdown again! 42 $$"
    assert explain.terms_of(text) == ["password", "sharing", "crackdown"]


def add(builder, post_id, text, platforms=("netflix",), intents=(), sentiment=0.0,
        switch=(None, None), t=5.0, permalink=None):  # fmt: skip
    builder.add_signal(
        post_id, t, platforms, intents, sentiment, switch[0], switch[1],
        post=("cordcutters", text, permalink),
    )  # fmt: skip


def test_a_batch_keeps_its_top_terms_and_three_examples_per_label():
    builder = ContributionBuilder(size=60.0)
    for i in range(10):
        add(builder, f"t3_{i}", f"torrent site word{i} mirror", intents=("piracy",),
            permalink=f"https://www.reddit.com/r/x/comments/{i}/")  # fmt: skip
    add(builder, "t3_neg", "awful buffering again", sentiment=-0.9)
    for i in range(explain.PARTIAL_TERMS + 20):
        add(builder, f"t1_{i}", f"unique{i:03d}")
    [partial] = builder.drain()
    assert len(partial["terms"]) == explain.PARTIAL_TERMS
    assert partial["terms"]["torrent"] == 10 and partial["terms"]["mirror"] == 10
    piracy = partial["examples"]["piracy"]
    assert [e["id"] for e in piracy] == ["t3_0", "t3_1", "t3_2"]
    assert piracy[0] == {
        "id": "t3_0",
        "subreddit": "cordcutters",
        "text": "torrent site word0 mirror",
        "permalink": "https://www.reddit.com/r/x/comments/0/",
    }
    assert [e["id"] for e in partial["examples"]["negative"]] == ["t3_neg"]
    assert len(partial["examples"]["mention"]) == explain.EXAMPLES
    # The counts are what they were before explanations existed.
    assert partial["mentions"] == 10 + 1 + explain.PARTIAL_TERMS + 20
    assert partial["intent_counts"] == {"piracy": 10}
    Contribution(**partial)  # travels as the internal record


def test_examples_are_short_and_a_post_without_a_permalink_has_none():
    builder = ContributionBuilder(size=60.0)
    add(builder, "t3_long", "word " * 200, intents=("cancellation",))
    [partial] = builder.drain()
    [post] = partial["examples"]["cancellation"]
    assert len(post["text"]) == explain.EXAMPLE_CHARS and post["text"].endswith("…")
    assert "permalink" not in post


def test_counts_only_without_post_text():
    builder = ContributionBuilder(size=60.0)
    builder.add_signal("t3_a", 5.0, ["netflix"], ["piracy"], 0.0, None, None)
    [partial] = builder.drain()
    assert partial["terms"] == {} and partial["examples"] == {}


def test_windows_stay_bounded_however_many_partials_merge():
    window = empty_partial("netflix", 0.0)
    for batch in range(50):
        builder = ContributionBuilder(size=60.0)
        for i in range(30):
            add(builder, f"t3_{batch}_{i}", f"term{batch:02d}x{i:02d} common", intents=("piracy",))
        [partial] = builder.drain()
        merge_partial(window, Contribution(**partial).asdict())
    assert len(window["terms"]) == explain.WINDOW_TERMS
    assert window["terms"]["common"] == 50 * 30
    assert all(len(posts) <= explain.EXAMPLES for posts in window["examples"].values())
    assert window["mentions"] == 50 * 30 and window["intent_counts"] == {"piracy": 1500}


def test_a_partial_from_an_older_worker_merges_without_explanations():
    window = empty_partial("netflix", 0.0)
    old = empty_partial("netflix", 0.0)
    del old["terms"], old["examples"]
    old["mentions"] = 3
    merge_partial(window, old)
    assert window["mentions"] == 3 and window["terms"] == {}


def test_rising_terms_are_judged_against_their_baseline():
    baseline = {"password": 8.0, "price": 1.0}
    terms = {"password": 9, "price": 12, "crackdown": 6, "once": 1}
    rising = explain.rising_terms(terms, baseline)
    # (12 - 1) / sqrt(2) = 7.8, (6 - 0) / 1 = 6, (9 - 8) / 3 = 0.3; "once" is too rare
    assert [r["term"] for r in rising] == ["price", "crackdown", "password"]
    assert rising[0] == {"term": "price", "count": 12, "baseline": 1.0}
    assert explain.rising_terms({"password": 8}, baseline) == []


def test_the_baseline_averages_decays_over_gaps_and_ignores_a_replayed_close():
    b = explain.update_baseline(None, {"window_start": 0.0, "terms": {"a": 10}}, 60.0, 10)
    assert b == {"last_start": 0.0, "terms": {"a": 1.0}}
    assert explain.update_baseline(b, {"window_start": 0.0, "terms": {"a": 99}}, 60.0, 10) == b
    # Two empty windows in between decay it as three windows would.
    after = explain.update_baseline(b, {"window_start": 180.0, "terms": {"b": 10}}, 60.0, 10)
    assert after["terms"] == {"b": 1.0, "a": round(0.9**3, 4)}
    many = {f"t{i:03d}": 1000 for i in range(explain.BASELINE_TERMS + 50)}
    big = explain.update_baseline(None, {"window_start": 0.0, "terms": many}, 60.0, 10)
    assert len(big["terms"]) == explain.BASELINE_TERMS


def test_switching_names_the_leading_flow_and_other_rules_do_not():
    window = {"switching_to": {"hulu": 3, "max": 7, "peacock": 7}, "examples": {}}
    found = explain.explanation("switching_surge", "netflix", window, None)
    assert found["switch_flow"] == {"from": "netflix", "to": "max", "count": 7}
    assert "switch_flow" not in explain.explanation("piracy_surge", "netflix", window, None)
    assert explain.explanation("switching_surge", "netflix", {}, None)["switch_flow"] is None


def test_a_rule_without_a_label_takes_posts_that_mention_the_platform():
    window = {"examples": {"mention": [{"id": "t3_m", "subreddit": "s", "text": "x"}]}}
    found = explain.explanation("some_future_rule", "netflix", window, None)
    assert [e["id"] for e in found["examples"]] == ["t3_m"]


def test_permalinks_are_reddit_addresses_only():
    post = b'{"id": "t3_a", "kind": "submission", "subreddit": "s", "title": "t", "body": "",'
    tail = b'"created_utc": 1.0}'
    link = parse_reddit_post(post + b'"permalink": "/r/s/comments/a/t/",' + tail).permalink
    assert link == "https://www.reddit.com/r/s/comments/a/t/"
    for bad in (b'"https://evil.example/r/s/"', b"42", b'"javascript:alert(1)"'):
        assert parse_reddit_post(post + b'"permalink": ' + bad + b"," + tail).permalink is None
    assert parse_reddit_post(post + tail).permalink is None


async def test_a_closed_window_fires_an_alert_that_explains_itself():
    """The whole path: partials with text -> windows -> a piracy alert whose terms rose
    against the windows before it, with example posts from its own evidence label."""
    closer, tables, topics, _ = make()
    for i in range(7):
        builder = ContributionBuilder(size=10.0)
        surge = i == 6
        for n in range(40 if surge else 1):
            text = f"free torrent mirror for the new season {n}" if surge else "the usual show"
            add(builder, f"t3_{i}_{n}", text, intents=("piracy",), t=i * 10 + 5)
        [partial] = builder.drain()
        await feed(closer, 0, Contribution(**partial))
    await feed(closer, 0, contribution("netflix", 70, 75))  # closes the surge window
    [alert] = [a for a in topics.alerts.values if a.status == "firing"]
    assert isinstance(alert, Alert) and alert.rule == "piracy_surge"
    terms = [t["term"] for t in alert.top_terms]
    assert {"free", "torrent", "mirror", "season"} <= set(terms) and "usual" not in terms
    assert all(t["count"] == 40 for t in alert.top_terms)
    assert [e["id"] for e in alert.examples] == ["t3_6_0", "t3_6_1", "t3_6_2"]
    assert alert.switch_flow is None
    assert tables.alert_state["netflix"][explain.STATE_KEY]["last_start"] == 60.0
    assert isinstance(closer, WindowCloser) and isinstance(topics.alerts, FakeTopic)
    # The window's record carries the same terms and its posts that mentioned netflix,
    # for the alerts judged on the record alone (forecast_breach); the quiet ones none.
    [record] = [w for w in topics.windows.values if w.window_start == iso_utc(60.0)]
    assert record.top_terms == alert.top_terms
    assert [e["id"] for e in record.examples] == ["t3_6_0", "t3_6_1", "t3_6_2"]
    assert all(not w.top_terms for w in topics.windows.values if w is not record)


def test_an_alert_judged_on_a_window_record_is_explained_from_it():
    """forecast_breach: judged by the forecaster on `platform-windows`, explained from
    what the record carries, like the rules judged after the close."""
    post = explain.example("t3_a", "netflix", "the price went up again", None)
    window = {"platform": "netflix", "top_terms": [{"term": "price", "count": 9, "baseline": 1.0}],
              "examples": {"mention": [post], "piracy": []}, "switching_to": {"max": 4}}  # fmt: skip
    record = {"platform": "netflix", "switching_to": {"max": 4}, **explain.record_fields(window)}
    breach = {"rule": "forecast_breach", "platform": "netflix", "status": "firing"}
    [explained] = explain.explain_from_record([breach], record)
    assert explained == {**breach, "top_terms": window["top_terms"], "examples": [post]}
    # a record from before these fields (or a window without posts) explains nothing
    [bare] = explain.explain_from_record([breach], {"platform": "netflix"})
    assert bare == {**breach, "top_terms": [], "examples": []}
