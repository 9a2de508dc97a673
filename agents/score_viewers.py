"""viewing-events -> per-account features (table) -> churn-risk, and the account's
recommender profile (tables/viewer_profiles.py) for GET /recommendations/<account>.

Runs on the raw topic's partitions (keyed by account), so the per-account work spreads
over every worker. Not a lane of the post/trend windows: nothing here moves their
watermarks, and a quiet clickstream never holds a market window back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from faust.types import EventT

from streamapp.agents.batches import failed, guarded_batches, valid_records
from streamapp.agents.follow_catalogue import catalogue_loaded
from streamapp.analytics.viewers import moves
from streamapp.observability.metrics import observe_batch
from streamapp.records.raw import iso_utc
from streamapp.records.viewing import (
    ChurnRisk,
    SubscriptionEvent,
    ViewingEvent,
    ViewingSession,
    account_hash,
    parse_viewing_event,
)
from streamapp.runtime.context import PipelineContext
from streamapp.tables.viewer_profiles import ProfileBatch, ProfileBook
from streamapp.tables.viewer_scoring import PartitionBatch, Scored, ViewerScoring
from streamapp.tables.window_close import viewers_report

_FIELDS = ("title_id", "position_s", "watched_s", "plan", "price")
# Events folded between two turns of the event loop: a batch of a few hundred takes tens
# of milliseconds of CPU, which GET /recommendations would otherwise wait behind.
YIELD_EVERY = 25


def scoring(ctx: PipelineContext) -> ViewerScoring:
    if ctx.viewers is None:
        ctx.viewers = ViewerScoring(ctx.tables.viewer_state, ctx.settings.viewers)
    return ctx.viewers


def profiles(ctx: PipelineContext) -> ProfileBook:
    if ctx.profiles is None:
        viewers = ctx.settings.viewers
        ctx.profiles = ProfileBook(
            ctx.tables.viewer_state,
            ctx.catalogue,
            viewers.recommender,
            viewers.account_expiry_days,
            ctx.trending,
        )
    return ctx.profiles


async def score_batch(ctx: PipelineContext, events: Sequence[EventT]) -> None:
    await catalogue_loaded(ctx)  # the genres and lengths a profile folds in
    ops, book = scoring(ctx), profiles(ctx)
    salt = ctx.settings.pipeline.author_salt.get_secret_value()
    batches: dict[int, PartitionBatch] = {}
    folds: dict[int, ProfileBatch] = {}
    out: list[tuple[PartitionBatch, Scored]] = []
    sessions: list[ViewingSession] = []
    subscriptions: list[SubscriptionEvent] = []
    done = 0
    async for event, record in valid_records(ctx, events, parse_viewing_event):
        done += 1
        if not done % YIELD_EVERY:
            await asyncio.sleep(0)  # let the web server answer between slices of a batch
        partition, offset = event.message.partition, event.message.offset
        try:
            batch = batches.get(partition) or batches.setdefault(partition, ops.begin(partition))
            ts = record.epoch
            out.extend((batch, s) for s in ops.tick_to(batch, partition, ts, offset))
            sessions.extend(ended_sessions(None, batch))
            account = account_hash(record.account, salt)
            key = f"{account}|{record.platform}"
            state = ops.state(batch, key, ts, partition)
            batch.expired.discard(key)
            fields = {name: getattr(record, name) for name in _FIELDS}
            fold = folds.get(partition) or folds.setdefault(partition, book.begin(partition))
            book.fold(fold, account, partition, (record.platform, record.type, ts, fields), offset)
            change = subscription(ops, batch, record, (account, state), offset)
            if change is not None:
                subscriptions.append(change)
            score = batch.engine.on_event(state, record.type, ts, fields, offset)
            if score is not None:
                out.append((batch, Scored(key, score)))
            sessions.extend(ended_sessions(key, batch))
        except Exception as exc:  # one event's failure must not stop the stream
            batch = batches.get(partition)
            if batch is not None and batch.engine.closed:
                batch.engine.closed.clear()  # half-done: never attributed to another account
            await failed(ctx, event, "could not score the viewing event", exc)
    pending = []
    topic = ctx.topics.churn_risk
    for batch, scored in out:
        state = batch.states.get(scored.key)
        if state is None or not ops.should_send(state, scored.score.risk):
            continue
        account, platform = scored.key.rsplit("|", 1)
        risk = ChurnRisk(
            account=account,
            platform=platform,
            risk=round(scored.score.risk, 6),
            top_features=scored.score.top,
            model_version=batch.engine.version,
            scored_at=iso_utc(scored.score.at),
            reason=scored.score.reason,
            baseline_risk=round(scored.score.baseline, 6),
        )
        pending.append(await topic.send(key=account.encode(), value=risk))
    for session in sessions:
        # At least once (a batch read again re-sends its sessions); the warehouse keys
        # them by session id, so each lands once.
        pending.append(await ctx.topics.sessions.send(key=session.account.encode(), value=session))
    for change in subscriptions:
        # Also at least once; the warehouse keys them by event id, the dashboard too.
        pending.append(
            await ctx.topics.subscriptions.send(key=change.account.encode(), value=change)
        )
    gauges = await send_gauges(ctx, batches)
    for delivery in pending + gauges:
        await delivery
    for partition, batch in batches.items():
        ops.commit(partition, batch)
    for partition, fold in folds.items():
        book.commit(partition, fold)
    ops.publish_quality(ctx.clock())
    if ctx.play_counter is not None:
        # The same batch's plays for title-trends. A second agent on viewing-events cost
        # the viewers' pipeline about 40% (Faust hands every record to both streams and
        # each holds the shared queue while it works); its offsets per lane make a retried
        # batch count once (agents/trend_titles.py).
        await ctx.play_counter.count_batch(ctx, events)
    observe_batch(
        "score_viewers",
        events,
        {
            topic.get_topic_name(): len(pending) - len(sessions) - len(subscriptions),
            ctx.topics.sessions.get_topic_name(): len(sessions),
            ctx.topics.subscriptions.get_topic_name(): len(subscriptions),
        },
    )


async def send_gauges(ctx: PipelineContext, batches: dict[int, PartitionBatch]) -> list:
    """Each daily tick's per-platform counts to the platform's window partition, where the
    closer stamps them on the windows (streamapp/analytics/viewer_gauge.py)."""
    out = []
    for partition, batch in batches.items():
        for platform, row in (batch.gauge or {}).items():
            gauge = viewers_report(platform, partition, row)
            out.append(await ctx.topics.contributions.send(key=platform, value=gauge))
    return out


def subscription(
    ops: ViewerScoring,
    batch: PartitionBatch,
    record: ViewingEvent,
    account_state: tuple[str, dict[str, Any]],
    offset: int,
) -> SubscriptionEvent | None:
    """The record of a signup, cancel or resubscribe (account hashed), before the engine
    folds the event; None for other events and for one folded already. Only when folded
    now: a batch read again after its commit sends nothing twice, one read again before
    it finds the states as they were. A cancel is remembered in the state; a signup looks
    for the cancel it may have moved from."""
    account, state = account_state
    if record.type not in moves.SUBSCRIPTION_TYPES or offset <= state["o"]:
        return None
    ts = record.epoch
    if record.type == "cancel":
        moves.note_cancel(state, ts)
        moved = None
    else:
        moved = ops.moved_from(batch, account, record.platform, ts)
    return SubscriptionEvent(
        event_id=record.event_id,
        account=account,
        platform=record.platform,
        type=record.type,
        occurred_at=iso_utc(ts),
        moved_from=moved,
        plan=record.plan,
        price=record.price,
    )


def ended_sessions(key: str | None, batch: PartitionBatch) -> list[ViewingSession]:
    """The sessions the engine's last call ended (`key` None: a tick, each carries its own)."""
    closed = batch.engine.closed or []
    out = []
    for session in closed:
        account, platform = (key or session["key"]).rsplit("|", 1)
        out.append(
            ViewingSession(
                session_id=f"{account}|{platform}|{round(session['start'] * 1000)}",
                account=account,
                platform=platform,
                started_at=iso_utc(session["start"]),
                ended_at=iso_utc(session["end"]),
                plays=session["plays"],
                watched_s=round(session["watched_s"], 1),
            )
        )
    closed.clear()
    return out


def register(ctx: PipelineContext) -> None:
    profiles(ctx)  # made now: GET /recommendations reads it before the first batch

    @ctx.app.agent(ctx.topics.viewing, name="score_viewers")
    async def score_viewers(stream):  # type: ignore[no-untyped-def]
        await guarded_batches(ctx, stream, "score_viewers", score_batch)
