"""The raw-topic agents' batch logic, with fake topics and tables (no broker)."""

import base64
import json

from streamapp.agents.classify_posts import classify_batch
from streamapp.agents.track_interest import track_batch
from streamapp.config import Settings
from streamapp.delivery.takeovers import MARGIN_SECONDS, Takeovers
from streamapp.runtime.context import PipelineContext
from streamapp.tables.definitions import PipelineTables
from tests.fakes import FakeTable, fake_event, fake_publish, fake_topics

TOPICS = ["signals", "piracy", "dead_letters", "contributions", "windows", "alerts"]


def make_ctx():
    tables = PipelineTables(*(FakeTable() for _ in range(5)))
    topics = fake_topics(TOPICS)
    settings = Settings()
    # The clock here counts from 0, far behind the posts' event times: no future bound.
    settings.pipeline.max_future_seconds = 3e9
    return PipelineContext(
        app=None,
        settings=settings,
        topics=topics,
        tables=tables,
        clock=lambda: 0,
        publish=fake_publish(list(vars(topics).values())),
    )


def post(pid, title, body="", author=None, created=1_700_000_000.0):
    return json.dumps(
        {
            "id": pid,
            "kind": "submission",
            "subreddit": "cordcutters",
            "title": title,
            "body": body,
            "score": 3,
            "created_utc": created,
            "author": author,
        }
    ).encode()


PIRACY = "Netflix raised prices again so I just torrent everything now, yarr"


async def test_posts_become_signals_piracy_and_one_contribution_per_window():
    ctx = make_ctx()
    events = [
        fake_event("reddit-discussions", 0, 10, post("t3_a", PIRACY)),
        fake_event("reddit-discussions", 1, 4, post("t3_b", "Loving the new season on Hulu")),
        fake_event("reddit-discussions", 0, 11, post("t3_c", PIRACY, created=1_700_000_001.0)),
    ]
    await classify_batch(ctx, events)
    signals = ctx.topics.signals.values
    assert [s.event_id for s in signals] == ["t3_a", "t3_b", "t3_c"]
    assert "piracy" in signals[0].intents and signals[0].platforms == ["netflix"]
    assert [s.event_id for s in ctx.topics.piracy.values] == ["t3_a", "t3_c"]
    contributions = {c.platform: c for c in ctx.topics.contributions.values}
    assert contributions["netflix"].mentions == 2
    assert contributions["netflix"].intent_counts["piracy"] == 2
    assert contributions["hulu"].mentions == 1
    assert ctx.tables.contributed == {
        "reddit-discussions:0": {"ranges": [[10, 11]], "at": 0},
        "reddit-discussions:1": {"ranges": [[4, 4]], "at": 0},
    }
    # Each contribution says which input offsets it folded in, per lane.
    assert contributions["netflix"].offsets == {"reddit-discussions:0": [[10, 11]]}
    assert contributions["hulu"].offsets == {"reddit-discussions:1": [[4, 4]]}


async def test_redelivered_posts_send_signals_again_but_are_not_counted_again():
    ctx = make_ctx()
    batch = [fake_event("reddit-discussions", 0, 10, post("t3_a", PIRACY))]
    await classify_batch(ctx, batch)
    await classify_batch(ctx, batch)  # Kafka redelivers after a crash
    assert len(ctx.topics.signals.values) == 2  # idempotent downstream by event_id
    assert len(ctx.topics.contributions.values) == 1


async def test_bad_messages_go_to_dead_letters_with_their_bytes():
    ctx = make_ctx()
    bad = [b"{not json", b'{"id": "t3_x"}', post("t3_y", "ok").replace(b"3,", b'"3x",')]
    events = [fake_event("reddit-discussions", 2, i, raw) for i, raw in enumerate(bad)]
    events.append(fake_event("reddit-discussions", 2, 3, post("t3_ok", "Hulu is fine")))
    await classify_batch(ctx, events)
    letters = ctx.topics.dead_letters.values
    assert [letter.offset for letter in letters] == [0, 1, 2]
    assert "not valid JSON" in letters[0].reason
    assert "missing field 'kind'" in letters[1].reason
    assert "'score' must be int or float" in letters[2].reason
    assert all(letter.source_topic == "reddit-discussions" for letter in letters)
    assert [base64.b64decode(x.original_value_b64) for x in letters] == bad
    assert [s.event_id for s in ctx.topics.signals.values] == ["t3_ok"]  # the rest flows on


async def test_clear_author_names_are_hashed_before_they_travel():
    ctx = make_ctx()
    await classify_batch(
        ctx, [fake_event("reddit-discussions", 0, 0, post("t3_a", "hi", author="alice"))]
    )
    [signal] = ctx.topics.signals.values
    assert (
        signal.author_hash and "alice" not in signal.author_hash and len(signal.author_hash) == 64
    )


async def test_trend_points_contribute_platform_interest_only():
    ctx = make_ctx()

    def point(keyword, platform, interest):
        return json.dumps(
            {
                "keyword": keyword,
                "platform": platform,
                "geo": "US",
                "timestamp": "2026-11-21T10:00:05Z",
                "interest": interest,
            }
        ).encode()

    events = [
        fake_event("streaming-trends", 0, 0, point("netflix", "netflix", 40)),
        fake_event("streaming-trends", 0, 1, point("free streaming", None, 70)),
        fake_event("streaming-trends", 0, 2, point("netflix", "netflix", 30)),
        fake_event("streaming-trends", 0, 3, point("netflix", "netflix", 130)),
    ]
    await track_batch(ctx, events)
    [contribution] = ctx.topics.contributions.values
    assert (contribution.platform, contribution.interest_sum, contribution.interest_count) == (
        "netflix",
        70,
        2,
    )
    assert "within 0-100" in ctx.topics.dead_letters.values[0].reason


async def test_records_redelivered_out_of_order_after_a_rebalance_are_all_counted():
    ctx = make_ctx()
    late_first = [fake_event("reddit-discussions", 0, 230, post("t3_230", PIRACY))]
    await classify_batch(ctx, late_first)
    earlier = [fake_event("reddit-discussions", 0, o, post(f"t3_{o}", PIRACY)) for o in (227, 228)]
    await classify_batch(ctx, earlier)
    await classify_batch(ctx, late_first + earlier)  # and everything once more
    counted = sum(c.mentions for c in ctx.topics.contributions.values)
    assert counted == 3
    assert ctx.tables.contributed["reddit-discussions:0"]["ranges"] == [[227, 228], [230, 230]]


async def test_marks_written_before_the_at_field_are_still_read():
    ctx = make_ctx()
    ctx.tables.contributed["reddit-discussions:0"] = [[10, 10]]  # the older plain-list form
    await classify_batch(ctx, [fake_event("reddit-discussions", 0, 10, post("t3_a", PIRACY))])
    assert ctx.topics.contributions.values == []


BOTH = "Cancelling Netflix for Hulu, the price went up again"


async def test_a_takeover_skips_exactly_what_the_killed_predecessor_delivered_unmarked():
    # The predecessor sent offset 10's Netflix partial, then died before its Hulu partial
    # and before its marks reached Kafka. The contributions log says so.
    reads = []

    async def read_log(lanes, since):
        reads.append((lanes, since))
        return {"reddit-discussions:0": {"netflix": [[10, 10]]}}

    ctx = make_ctx()
    ctx.app = type("App", (), {"consumer_generation_id": 7})()
    ctx.clock = lambda: 1_000.0
    ctx.tables.contributed["reddit-discussions:0"] = {"ranges": [[0, 9]], "at": 900.0}
    ctx.takeovers = Takeovers(read_log, ctx.clock)
    events = [
        fake_event("reddit-discussions", 0, 10, post("t3_10", BOTH)),
        fake_event("reddit-discussions", 0, 11, post("t3_11", BOTH)),
    ]
    await classify_batch(ctx, events)
    counted = {}
    for c in ctx.topics.contributions.values:
        counted[c.platform] = counted.get(c.platform, 0) + c.mentions
    assert counted == {"netflix": 1, "hulu": 2}  # 10's Netflix was already delivered
    # Looked up once, from shortly before the last mark; 10 and 11 are marked now.
    assert reads == [({"reddit-discussions:0"}, 900.0 - MARGIN_SECONDS)]
    assert ctx.tables.contributed["reddit-discussions:0"]["ranges"] == [[0, 11]]
    # The same generation does not read the log again.
    await classify_batch(ctx, [fake_event("reddit-discussions", 0, 12, post("t3_12", BOTH))])
    assert len(reads) == 1


async def test_a_failing_look_up_is_retried_then_given_up(monkeypatch):
    monkeypatch.setattr("streamapp.delivery.takeovers.RETRY_SECONDS", (0.0, 0.0))
    calls = []

    async def read_log(lanes, since):
        calls.append(lanes)
        raise ConnectionError("broker away")

    takeovers = Takeovers(read_log, lambda: 1_000.0)
    assert await takeovers.delivered({"t:0": None}, generation=1) == {"t:0": {}}
    assert len(calls) == 3


async def test_a_lane_with_a_skipped_record_reports_no_progress_until_it_is_read():
    ctx = make_ctx()
    lane = "reddit-discussions:0"
    ctx.tables.contributed[lane] = {"ranges": [[0, 9]], "at": 0}
    # offset 10 was skipped (Faust, after a rebalance): 11 arrives first
    await classify_batch(ctx, [fake_event("reddit-discussions", 0, 11, post("t3_11", PIRACY))])
    [held] = ctx.topics.contributions.values
    assert held.mentions == 1 and held.sources == {}  # counted, but the lane holds
    assert ctx.lane_progress.reached == {}
    late = post("t3_10", PIRACY, created=1_699_999_999.0)
    await classify_batch(ctx, [fake_event("reddit-discussions", 0, 10, late)])
    # the partial names the earliest time of its batch; the report, how far it reached
    assert ctx.topics.contributions.values[-1].sources == {lane: 1_699_999_999.0}
    assert ctx.lane_progress.reached == {lane: 1_700_000_000.0}


async def test_a_batch_spanning_many_windows_closes_none_before_its_partials_are_folded():
    """A replay's micro-batch spans many windows of several platforms, all sent to one
    window partition. Its partials used to name the batch's newest time per lane: the
    first one folded closed the windows its batch-mates were about to fill: 85 and 129
    of 621 (post, platform) pairs late in two fast replays of the recorded file of
    tests/integration/test_replay_determinism.py, once the Trends lanes (which never
    delivered there, and so held every window until the whole file was read) stopped
    holding the posts' windows; 6 here. Now nothing folded from the batch is late."""
    from streamapp.tables.window_close import WindowCloser, tick
    from tests.fakes import FakeTopic

    ctx = make_ctx()
    events = []
    for lane in (0, 1):  # Faust hands a batch over partition by partition
        for w in range(lane, 10, 2):  # Netflix posts: even minutes on 0, odd ones on 1
            created = 1_700_000_040.0 + 60 * w
            for k, text in enumerate((PIRACY, "Hulu is great tonight")):
                pid = f"t3_{w}_{k}"
                events.append(
                    fake_event(
                        "reddit-discussions",
                        lane,
                        len(events),
                        post(pid, text, created=created + k),
                    )
                )
    await classify_batch(ctx, events)
    partials = ctx.topics.contributions.values
    assert len({p.platform for p in partials}) == 2 and len(partials) > 10
    now = [2_000_000_000.0]
    tables = PipelineTables(*(FakeTable() for _ in range(5)))
    topics = type("T", (), {"windows": FakeTopic("w"), "alerts": FakeTopic("a")})()
    closer = WindowCloser(
        tables,
        topics,
        ctx.settings,
        lambda: now[0],
        lanes=("reddit-discussions:0", "reddit-discussions:1"),
    )
    for offset, partial in enumerate(partials):  # in the order sent, on one partition
        await closer.on_contribution(0, offset, partial)
    report = tick(now[0], dict(ctx.lane_progress.reached))  # sent once the partials are acked
    await closer.on_contribution(0, len(partials), report)
    now[0] += 300  # every lane quiet: the rest close
    await closer.on_contribution(0, len(partials) + 1, tick(now[0]))
    closed = topics.windows.values
    assert sum(w.late_events for w in closed) == 0
    assert sum(w.mentions for w in closed) == sum(p.mentions for p in partials)
