"""The `bench peers` workload written plainly in Quix Streams (run by bench/peers.py in
its own virtualenv, .venv-peers: see bench/peers-requirements.txt).

What our worker does to a raw post, minus what only we do (dead letters, alerts,
forecasts, exactly-once window marks): decode it, classify it with our classifier, send
one signal per post, and count mentions and intents in 60 s event-time tumbling windows
per platform, sending each window once it closes. The way the Quix Streams docs show it:
a StreamingDataFrame, `group_by` the platform (a repartition topic), `tumbling_window`
with a `reduce`, `final()`.

    python bench/quix_peer.py BOOTSTRAP RAW_TOPIC SIGNALS_TOPIC WINDOWS_TOPIC GROUP STATE_DIR
"""

from __future__ import annotations

import sys
from typing import Any

from quixstreams import Application

from streamapp.analytics.classifier import classify_post

WINDOW_MS = 60_000
# Quix Streams closes a window by the stream time of the partition it is counted in,
# and after `group_by` a platform's partition takes records from every raw partition in
# the order they were read: on a backlog one raw partition was seen running 17 minutes
# of event time ahead of another, and with a short grace most records were dropped as
# late. So the grace covers the whole backlog, and once every post came out as a signal
# the bench sends one flush record per raw partition, an hour ahead, that moves every
# platform's stream time past all windows (our worker keeps a watermark per input
# partition instead, and closes a window once the slowest one passed it, plus 10 s).
GRACE_MS = 30 * 60_000


def event_time_ms(value: Any, headers: Any, timestamp: float, timestamp_type: Any) -> int:
    return int(float(value["created_utc"]) * 1000)


def signal(post: dict[str, Any]) -> dict[str, Any]:
    if "bench_flush" in post:  # not a post: see GRACE_MS
        return {"event_id": post["id"], "bench_flush": post["bench_flush"]}
    result = classify_post(post.get("title"), post.get("body") or "")
    return {
        "event_id": post["id"],
        "kind": post.get("kind"),
        "subreddit": post.get("subreddit"),
        "created_utc": post["created_utc"],
        "platforms": list(result.platforms),
        "intents": list(result.intents),
        "sentiment": result.sentiment,
        "switch_from": result.switch_from,
        "switch_to": result.switch_to,
        "classifier_version": result.classifier_version,
        "score": post.get("score"),
        "text": ((post.get("title") or "") + " " + (post.get("body") or ""))[:2000],
    }


def per_platform(s: dict[str, Any]) -> list[dict[str, Any]]:
    if "bench_flush" in s:
        return [{"platform": p, "intents": []} for p in s["bench_flush"]]
    out = []
    for platform in s["platforms"]:
        intents = list(s["intents"])
        if platform == s["switch_from"] and "switching" in intents:
            intents.append("switching_away")  # as our windows count it
        out.append({"platform": platform, "intents": intents})
    return out


def first(value: dict[str, Any]) -> dict[str, Any]:
    return {"mentions": 1, "intent_counts": {i: 1 for i in value["intents"]}}


def add(window: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    window["mentions"] += 1
    counts = window["intent_counts"]
    for intent in value["intents"]:
        counts[intent] = counts.get(intent, 0) + 1
    return window


def closed(window: dict[str, Any], key: Any, timestamp: int, headers: Any) -> dict[str, Any]:
    platform = key.decode() if isinstance(key, bytes) else str(key)
    return {
        "platform": platform,
        "window_start_ms": window["start"],
        "mentions": window["value"]["mentions"],
        "intent_counts": window["value"]["intent_counts"],
    }


def main(argv: list[str]) -> None:
    bootstrap, raw, signals_topic, windows_topic, group, state_dir = argv
    app = Application(
        broker_address=bootstrap,
        consumer_group=group,
        auto_offset_reset="earliest",
        state_dir=state_dir,
        processing_guarantee="at-least-once",
    )
    posts = app.topic(raw, value_deserializer="json", timestamp_extractor=event_time_ms)
    signals = app.topic(signals_topic, value_serializer="json")
    windows = app.topic(windows_topic, value_serializer="json")

    sdf = app.dataframe(posts)
    sdf = sdf.apply(signal)
    sdf.to_topic(signals, key=lambda s: s["event_id"])
    sdf = sdf.apply(per_platform, expand=True)
    sdf = sdf.group_by(lambda v: v["platform"], name="platform")
    sdf = sdf.tumbling_window(duration_ms=WINDOW_MS, grace_ms=GRACE_MS)
    sdf = sdf.reduce(reducer=add, initializer=first).final()
    sdf = sdf.apply(closed, metadata=True)
    sdf.to_topic(windows)
    app.run()


if __name__ == "__main__":
    main(sys.argv[1:])
