"""reddit-discussions -> discussion-signals (+ piracy-sentiment) and platform contributions."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from faust.types import EventT

from streamapp.agents.batches import BatchContributions, failed, guarded_batches, valid_records
from streamapp.analytics.classifier import Classification, classify_post
from streamapp.delivery.source_offsets import source_key
from streamapp.observability.metrics import observe_batch
from streamapp.records import DiscussionSignal, RedditPost, hash_author, parse_reddit_post
from streamapp.records.raw import is_author_hash, iso_utc
from streamapp.runtime.context import PipelineContext

log = logging.getLogger(__name__)
TEXT_LIMIT = 2000


def to_signal(post: RedditPost, result: Classification, salt: str) -> DiscussionSignal:
    author = post.author
    if author is not None and not is_author_hash(author):
        # A producer sent a clear name: hash it here so it never travels further.
        author = hash_author(author, salt)
    return DiscussionSignal(
        event_id=post.id,
        kind=post.kind,
        subreddit=post.subreddit,
        created_utc=post.created_utc,
        event_time=iso_utc(post.created_utc),
        platforms=list(result.platforms),
        intents=list(result.intents),
        sentiment=result.sentiment,
        switch_from=result.switch_from,
        switch_to=result.switch_to,
        classifier_version=result.classifier_version,
        score=post.score,
        text=post.text[:TEXT_LIMIT],
        author_hash=author,
        permalink=post.permalink,
    )


async def classify_batch(ctx: PipelineContext, events: Sequence[EventT]) -> None:
    salt = ctx.settings.pipeline.author_salt.get_secret_value()
    partitions = ctx.settings.pipeline.partitions
    publish = ctx.publish
    assert publish is not None, "create_app wires the publisher"
    signals_topic = ctx.topics.signals.get_topic_name()
    piracy_topic = ctx.topics.piracy.get_topic_name()
    batch = BatchContributions(ctx)
    await batch.load(events)
    signals = piracy = 0  # counted into the metrics once per batch
    async for event, post in valid_records(ctx, events, parse_reddit_post):
        # Every step is guarded per post: a failure dead-letters that post, nothing is
        # sent for it, and the batch goes on.
        try:
            result = classify_post(post.title, post.body)
        except Exception as exc:  # a classifier bug must not stop the stream
            await failed(ctx, event, "classification failed", exc)
            continue
        try:
            # Serialised once for both topics; sent to the post's own partition number,
            # which is where its id hashes anyway when the topics share a partition count,
            # without paying for the pure-Python partitioner on every post.
            signal = to_signal(post, result, salt).dumps()
            key = post.id.encode()
        except Exception as exc:
            await failed(ctx, event, "could not make a signal", exc)
            continue
        partition = event.message.partition if event.message.partition < partitions else None
        await publish(signals_topic, key, signal, partition)
        signals += 1
        if "piracy" in result.intents:
            await publish(piracy_topic, key, signal, partition)
            piracy += 1
        try:
            batch.saw(event, post.created_utc)
            platforms = batch.new_platforms(event, result.platforms)
            if not platforms:
                continue  # counted before a crash; the signal above is idempotent by id
            batch.builder.add_signal(
                post.id,
                post.created_utc,
                platforms,
                result.intents,
                result.sentiment,
                result.switch_from,
                result.switch_to,
                at=(source_key(event.message.topic, event.message.partition), event.message.offset),
                post=(post.subreddit, post.text[:TEXT_LIMIT], post.permalink),
            )
        except Exception as exc:  # its signal went out; the letter says it is not counted
            await failed(ctx, event, "could not count the post", exc)
    await batch.flush()
    observe_batch("classify_posts", events, {signals_topic: signals, piracy_topic: piracy})


def register(ctx: PipelineContext) -> None:
    @ctx.app.agent(ctx.topics.reddit, name="classify_posts")
    async def classify_posts(stream):  # type: ignore[no-untyped-def]
        # A batch is acked once handled: every failure inside is handled per post (a dead
        # letter) or retried by the agent's guard.
        await guarded_batches(ctx, stream, "classify_posts", classify_batch)
