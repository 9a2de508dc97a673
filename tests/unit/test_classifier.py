"""The in-stream post classifier: aliases, hard negatives, switching, sentiment, and the
labelled set (streamapp/analytics/labelled/labelled_posts.jsonl).

About the labelled-set thresholds: the lexicon was written against this file, so the scores
on it are training scores, and the test is a regression gate, not a promise about unseen
text. The file holds a development set (ids r...) and three held-out rounds (h..., k...,
q...), each written before the rules it was scored against and added afterwards. On the
last round, before any rule saw it, per-intent precision was 0.75-1.00 and recall
0.55-0.78: that is the honest expectation for new Reddit text.
"""

from __future__ import annotations

import json

import pytest

from streamapp.analytics import classifier, lexicon, switching
from streamapp.analytics.classifier import (
    CLASSIFIER_VERSION,
    INTENTS,
    Classification,
    classify,
    classify_post,
)
from streamapp.analytics.evaluate import evaluate, load
from streamapp.analytics.intent_model import LABELLED_DIR
from streamapp.analytics.platforms import PLATFORM_IDS, find_platforms

DATA = LABELLED_DIR / "labelled_posts.jsonl"


def intents(text: str) -> tuple[str, ...]:
    return classify(text).intents


def direction(text: str) -> tuple[str | None, str | None]:
    c = classify(text)
    return c.switch_from, c.switch_to


# --- platform aliases ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HBO Max", "max"),
        ("HBOMax", "max"),
        ("HBO", "max"),
        ("hbo's documentaries", "max"),
        ("Max", "max"),
        ("Disney Plus", "disney_plus"),
        ("Disney+", "disney_plus"),
        ("disneyplus", "disney_plus"),
        ("D+ has the Deadpool movies", "disney_plus"),
        ("Amazon Prime Video", "prime_video"),
        ("Prime Video", "prime_video"),
        ("watching it on amazon prime tonight", "prime_video"),
        ("YTTV", "youtube_tv"),
        ("YouTube TV", "youtube_tv"),
        ("yt tv", "youtube_tv"),
        ("Apple TV+", "apple_tv_plus"),
        ("Apple TV Plus", "apple_tv_plus"),
        ("ATV+", "apple_tv_plus"),
        ("Paramount Plus", "paramount_plus"),
        ("Paramount+", "paramount_plus"),
        ("Sling", "sling_tv"),
        ("Sling TV", "sling_tv"),
        ("sling orange", "sling_tv"),
        ("Hulu + Live TV", "hulu"),
        ("Peacock", "peacock"),
        ("netflx", "netflix"),
    ],
)
def test_alias_resolves(text: str, expected: str) -> None:
    assert find_platforms(text) == (expected,)


def test_platforms_in_order_of_first_mention_without_duplicates() -> None:
    c = classify("Max, then Netflix, then HBO Max again and netflix once more; also Hulu")
    assert c.platforms == ("max", "netflix", "hulu")


@pytest.mark.parametrize(
    "text",
    [
        "What's the max resolution on the basic plan?",
        "you can stream on max 4 screens",
        "cranked the brightness to the max",
        "set the volume to max",
        "Max out the bitrate in the settings",
        "our dog named Max ate the remote",
        "prime time TV used to be appointment viewing",
        "I only keep Amazon Prime for the shipping",
        "Prime Day deals on TVs are live",
        "Optimus Prime is in this one",
        "in my prime I watched four shows a week",
        "saw a peacock at the zoo today",
        "the peacock feather scene was gorgeous",
        "gonna sling some burgers on the grill",
        "my arm is in a sling",
        "Sling Blade is a classic",
        "apple pie for dessert",
        "got a D+ on my midterm",
        "watching on my Apple TV 4K",
        "a Paramount movie",
        "Disney World was packed",
        "YouTube Premium removes the ads",
    ],
)
def test_ordinary_words_are_not_platforms(text: str) -> None:
    assert find_platforms(text) == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Max is way too expensive", ("max",)),
        ("cancelled max, kept netflix", ("max", "netflix")),
        ("netflix, hulu, max, all the same", ("netflix", "hulu", "max")),
        ("Mad Max is on Max right now", ("max",)),
        ("did it move to Prime?", ("prime_video",)),
        ("the peacock app keeps crashing", ("peacock",)),
        ("switching from youtube tv to sling", ("youtube_tv", "sling_tv")),
    ],
)
def test_ambiguous_words_in_a_service_context(text: str, expected: tuple[str, ...]) -> None:
    assert find_platforms(text) == expected


# --- hard negatives ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Netflix cancelled 1899 after one season",
        "they cancelled my favorite show again",
        "Peacock cancelled Twisted Metal??",
        "The cancellation of Warrior Nun was the last straw for Netflix originals",
    ],
)
def test_show_cancelled_is_not_a_subscription_cancellation(text: str) -> None:
    got = intents(text)
    assert "cancellation" not in got
    assert "content_gap" in got  # a show they wanted is gone


@pytest.mark.parametrize(
    "text",
    [
        "I'm not cancelling Max, House of the Dragon alone is worth it",
        "I’m not cancelling Max",  # typographic apostrophe
        "Would never cancel Apple TV+",
        "Is anyone else not canceling Peacock after the Olympics?",
        "Cancelled my plans tonight to finish The Bear on Hulu",
        "my flight got cancelled so I'm binging Paramount+",
        "Cancel culture discourse around the new Disney+ series is exhausting",
    ],
)
def test_not_a_cancellation(text: str) -> None:
    assert "cancellation" not in intents(text)


@pytest.mark.parametrize(
    "text",
    [
        "cancelled my sub, Netflix isn't worth it",
        "How do I cancel Peacock?",
        "Unsubbed from Paramount+ the day Yellowstone ended",
        pytest.param(
            "churning again this month",
            marks=pytest.mark.xfail(reason="known miss of intent-lr-4 (intent-lr-3 had it)"),
        ),
        "Not renewing Apple TV+ when the free year runs out",
        "I'm leaving Netflix. 12 years a subscriber.",
    ],
)
def test_cancellation(text: str) -> None:
    assert "cancellation" in intents(text)


@pytest.mark.parametrize(
    "text",
    [
        "Peacock has a free tier? I thought it was all paid now",
        "Started the Paramount+ free trial for the Super Bowl",
        "The ad-supported plan on Hulu is only $9.99, good deal",
        "Tubi is free, legal and the horror section is huge",
        "Pluto TV has a channel that plays Star Trek all day",
        "Kanopy through my library is free and has all the A24 stuff",
        "Rewatching Pirates of the Caribbean on Disney+",
        "The Roku Channel is free, you don't need to torrent old sitcoms",
        "Got a torrent of complaints after I changed the Netflix password",
        "I have never pirated anything in my life",  # a known miss of intent-lr-3
        "Sail the seven seas? nah, I just borrow my sister's Netflix login",
    ],
)
def test_legal_free_options_and_pirate_words_are_not_piracy(text: str) -> None:
    assert "piracy" not in intents(text)


@pytest.mark.parametrize(
    "text",
    [
        "yarr, sailing the high seas again",
        "anyone know a good torrent site for The Boys?",
        "1337x has a better library than Prime Video",
        "my IPTV provider got shut down",
        "Got my firestick loaded by a buddy",
        "went back to piracy because of the price hike",
    ],
)
def test_piracy(text: str) -> None:
    assert "piracy" in intents(text)


@pytest.mark.parametrize(
    "text",
    [
        "Netflix is increasingly the only service my family agrees on",
        "Massive increase in quality for Apple TV+ originals this year",
        "The price of admission for Peacock is worth it for the Premier League",
        "Went on a hike and came home to a new Slow Horses on Apple TV+",
        "Netflix raised the bar with this season",
        "The cheapest Hulu plan is $9.99 and I think that's fair",
        "How much is YouTube TV per month now?",
    ],
)
def test_idioms_and_neutral_prices_are_not_price_complaints(text: str) -> None:
    assert "price_complaint" not in intents(text)


@pytest.mark.parametrize(
    "text",
    [
        "Netflix raising prices AGAIN",
        "$83/month for YouTube TV is just cable with extra steps",
        "Max is way too expensive for what you get now",
        "Can't afford YTTV anymore after the latest increase",
        "Disney+ went from $6.99 to $13.99 in four years. Absurd.",
    ],
)
def test_price_complaint(text: str) -> None:
    assert "price_complaint" in intents(text)


@pytest.mark.parametrize(
    "text",
    [
        "nothing to watch on netflix anymore",
        "They removed all the good shows from Max",
        "Prime Video library keeps shrinking",
        "The Office is leaving Peacock? No way",
    ],
)
def test_content_gap(text: str) -> None:
    assert "content_gap" in intents(text)


@pytest.mark.parametrize(
    "text",
    [
        "There's nothing better than a rainy Sunday and a Netflix binge",
        "Hulu removed the ads from my plan after I upgraded",
        "Nothing to complain about with Max this month",
    ],
)
def test_not_a_content_gap(text: str) -> None:
    assert "content_gap" not in intents(text)


# --- switching -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Switched from Netflix to Hulu last month", ("netflix", "hulu")),
        ("Switched from Hulu to Netflix last month", ("hulu", "netflix")),
        ("dropping netflix for hulu", ("netflix", "hulu")),
        ("dropping hulu for netflix", ("hulu", "netflix")),
        ("Hulu over Netflix for us now", ("netflix", "hulu")),
        ("Netflix over Hulu for us now", ("hulu", "netflix")),
        ("Left Sling, now on YouTube TV", ("sling_tv", "youtube_tv")),
        ("Left YouTube TV, now on Sling", ("youtube_tv", "sling_tv")),
        ("moving from disney+ to max", ("disney_plus", "max")),
        ("getting Max instead of Netflix this year", ("netflix", "max")),
        ("cancelled netflix, signed up for peacock", ("netflix", "peacock")),
        ("YTTV -> Hulu Live", ("youtube_tv", "hulu")),
        ("Went back to Netflix after a year on Prime Video", ("prime_video", "netflix")),
        ("I'm done with HBO Max, switching to Prime Video", ("max", "prime_video")),
        ("cable -> sling -> yttv -> back to sling lol", ("youtube_tv", "sling_tv")),
    ],
)
def test_switch_direction(text: str, expected: tuple[str, str]) -> None:
    c = classify(text)
    assert (c.switch_from, c.switch_to) == expected
    assert "switching" in c.intents


def test_switch_with_one_stated_side() -> None:
    assert direction("thinking about switching to hulu") == (None, "hulu")


@pytest.mark.parametrize(
    "text",
    [
        "Netflix vs Hulu, which one has better originals?",
        "We have Netflix and Hulu through the Xfinity bundle",
        "Hulu is honestly better than Netflix now",
        "Switched my Netflix plan to the ad tier",
        "How do I switch profiles in the Disney+ app?",
        "Disney+ to Hulu integration is finally live",
        "From Peacock to Paramount+ to Apple TV+, every service has been a letdown",
        "Went from Hulu with Live TV to just Hulu and an antenna",
        "Going back to piracy, Netflix's latest price hike was the last straw",
        "I'm not switching to Peacock, no way",
        "Is The Chosen still on Peacock or did it move to Prime?",
    ],
)
def test_not_switching(text: str) -> None:
    c = classify(text)
    assert "switching" not in c.intents
    assert (c.switch_from, c.switch_to) == (None, None)


# --- the contract --------------------------------------------------------------------------


def test_sentiment_is_vader_compound() -> None:
    good = classify("I love Netflix, it is great and amazing")
    bad = classify("Netflix is terrible, awful and I hate it")
    neutral = classify("")
    for c in (good, bad, neutral):
        assert -1.0 <= c.sentiment <= 1.0
    assert good.sentiment > 0.5 > -0.5 > bad.sentiment
    assert neutral.sentiment == 0.0


def test_long_posts_are_scored_on_their_opening() -> None:
    opening = "I love this show, it is wonderful. " * 20 + "x " * classifier.SENTIMENT_MAX_CHARS
    tail = "Awful, terrible, I hate it. " * 200  # past the cap: not read by VADER
    assert classify(opening + tail).sentiment == classify(opening).sentiment > 0.5


def test_classifier_version() -> None:
    c = classify("netflix")
    assert c.classifier_version == CLASSIFIER_VERSION
    # The learned intent model names the version; the lexicon and VADER follow it.
    assert CLASSIFIER_VERSION.startswith("intent-lr-4+lexicon-")
    assert "vader-3.3.2" in CLASSIFIER_VERSION


def test_classify_post_reads_title_then_body() -> None:
    c = classify_post("Switching from Max to Netflix", "title says it all. cancelled yesterday")
    assert c.platforms == ("max", "netflix")
    assert (c.switch_from, c.switch_to) == ("max", "netflix")
    assert c.intents == ("switching", "cancellation")
    assert classify_post(None, "nothing to watch on hulu") == classify("nothing to watch on hulu")
    assert classify_post("nothing to watch on hulu", "") == classify("nothing to watch on hulu")


def test_as_dict_is_json_ready() -> None:
    c = classify("dropping netflix for hulu, nothing to watch")
    d = c.as_dict()
    assert json.loads(json.dumps(d)) == d
    assert d == {
        "platforms": ["netflix", "hulu"],
        "intents": ["switching", "cancellation"],
        "sentiment": c.sentiment,
        "switch_from": "netflix",
        "switch_to": "hulu",
        "classifier_version": CLASSIFIER_VERSION,
    }


def test_classification_is_frozen() -> None:
    c = classify("netflix")
    with pytest.raises(AttributeError):
        c.intents = ()  # type: ignore[misc]
    assert isinstance(c, Classification)


# --- the labelled set ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return load(DATA)


def test_labelled_set_is_well_formed(rows: list[dict]) -> None:
    assert len(rows) >= 170
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r) == {"id", "title", "body", "platforms", "intents", "switch_from", "switch_to"}
        assert r["title"] is None or isinstance(r["title"], str)
        assert set(r["platforms"]) <= PLATFORM_IDS
        assert len(set(r["platforms"])) == len(r["platforms"])
        assert set(r["intents"]) <= set(INTENTS)
        for side in (r["switch_from"], r["switch_to"]):
            assert side is None or side in r["platforms"]
        if r["switch_from"] or r["switch_to"]:
            assert "switching" in r["intents"]
    assert {p for r in rows for p in r["platforms"]} == PLATFORM_IDS
    assert {i for r in rows for i in r["intents"]} == set(INTENTS)
    assert sum(1 for r in rows if not r["intents"]) >= 50


def test_labelled_set_scores(rows: list[dict]) -> None:
    report = evaluate(rows)
    for intent, counts in report.intents.items():
        assert counts.precision >= 0.93, (intent, counts)
        assert counts.recall >= 0.92, (intent, counts)
    assert report.platforms_exact / report.posts >= 0.98
    assert report.switch_exact / report.switch_posts >= 0.9


def test_every_classification_keeps_the_contract(rows: list[dict]) -> None:
    for r in rows:
        c = classify_post(r["title"], r["body"])
        assert list(c.intents) == [i for i in INTENTS if i in c.intents]
        assert len(set(c.platforms)) == len(c.platforms)
        if c.switch_from or c.switch_to:
            assert "switching" in c.intents
        for side in (c.switch_from, c.switch_to):
            assert side is None or side in c.platforms
        assert c.switch_from is None or c.switch_from != c.switch_to


def test_rule_triggers_are_necessary(rows: list[dict]) -> None:
    """A rule's regex is skipped unless a trigger is in the text: every match must hold one."""
    rules = [
        *lexicon.PIRACY,
        *lexicon.CANCEL,
        *lexicon.CONTENT_GAP,
        *lexicon.PRICE,
        lexicon.SHOW_CANCELLED,
        *switching.SWITCH_RULES,
    ]
    for r in rows:
        text = f"{r['title'] or ''}\n{r['body']}"
        low = text.lower()
        norm = classifier.placeholders(low, classifier.find_platform_spans(low, text))
        for rule in rules:
            for m in rule.pattern.finditer(norm):
                assert any(t in norm for t in rule.triggers), (rule.triggers, m.group(0))
