"""Data for the pipeline tests: Reddit posts, windows of them, and what they count."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.harness.kafka import produce


def counted_once(windows: list[dict[str, Any]]) -> int:
    """Posts the closed windows count, each window_id once (a window can be re-emitted
    after a rebalance, always with the same totals)."""
    latest = {w["window_id"]: w for w in windows}
    return sum(w["mentions"] + w["late_events"] for w in latest.values())


def reddit_post(pid: str, title: str, created: float) -> tuple[str, bytes]:
    value = {
        "id": pid,
        "kind": "submission",
        "subreddit": "cordcutters",
        "title": title,
        "body": "",
        "score": 1,
        "created_utc": created,
    }
    return pid, json.dumps(value).encode()


PIRACY = "Honestly I just torrent every Netflix show now, yarr #{n}"
CHATTER = "Watched the new Netflix thriller last night, great cast #{n}"


def netflix_windows(start: float, size: float, piracy_per_window: list[int], chatter: int = 2):
    """Posts for consecutive windows: window i gets piracy_per_window[i] piracy posts."""
    windows = []
    n = 0
    for i, piracy in enumerate(piracy_per_window):
        posts = []
        base = start + i * size
        for j in range(piracy + chatter):
            n += 1
            text = (PIRACY if j < piracy else CHATTER).format(n=n)
            posts.append(reddit_post(f"t3_{int(start)}_{n}", text, base + 0.1 + j * 0.01))
        windows.append(posts)
    return windows


async def produce_paced(bootstrap: str, topic: str, windows: list, pause: float = 0.2) -> None:
    """One window of posts at a time, in event-time order, as a live source would."""
    for posts in windows:
        await produce(bootstrap, topic, posts)
        await asyncio.sleep(pause)
