"""One account's viewing profile: a small JSON-able dict a Faust table can hold.

What the recommender needs to know about an account, and no more, all bounded:

- `subs`: platform -> 1 (subscribed now) or 0 (cancelled). A signup, a resubscribe or any
  activity on a platform makes it 1 (a cancel-page visit only on a platform not seen
  before); a cancel makes it 0.
- `recent`: the last RECENT_TITLES distinct titles played, oldest first, as
  [title_id, ts of the latest play]. The partition's counts (counts.py) are a function of
  these lists alone, which is what lets a restarted worker rebuild its model from the
  profiles its table restored instead of writing a checkpoint per batch.
- `started`: title -> [completed episodes, ts of the latest play], for titles begun and not
  finished (at most STARTED_TITLES, the least recent dropped).
- `finished`: titles whose every episode was completed (at most FINISHED_TITLES, oldest
  dropped): never recommended again.
- `genres`, `platforms`: titles chosen per genre and sessions per platform, halved whenever
  their total passes TASTE_TOTAL, so they follow a change of habits and stay bounded.
- `o`: the highest raw offset folded in; an event at or below it (read again after a
  crash) is skipped.
"""

from __future__ import annotations

from typing import Any

from streamapp.analytics.recommend.catalogue import TitleCatalogue

RECENT_TITLES = 20
STARTED_TITLES = 30
FINISHED_TITLES = 300
TASTE_TOTAL = 60.0
COMPLETED_SHARE = 0.9  # a stop at 90% of an episode's running time completes it
PROFILE_VERSION = 1


def new_profile() -> dict[str, Any]:
    return {
        "v": PROFILE_VERSION,
        "o": -1,
        "subs": {},
        "recent": [],
        "started": {},
        "finished": [],
        "genres": {},
        "platforms": {},
        "plays": 0,
    }


def is_new_offset(profile: dict[str, Any], offset: int | None) -> bool:
    """False for an event folded in before (a replay after a crash); records the offset."""
    if offset is None:
        return True
    if offset <= profile["o"]:
        return False
    profile["o"] = offset
    return True


def fold_event(
    profile: dict[str, Any],
    catalogue: TitleCatalogue,
    platform: str,
    kind: str,
    ts: float,
    fields: dict[str, Any],
) -> tuple[list[Any] | None, list[Any] | None]:
    """Fold one event into `profile`. On a play, (the entry that left `recent` to make
    room or None, the new entry); else (None, None). The caller keeps its counts in step."""
    subs = profile["subs"]
    if kind == "cancel":
        subs[platform] = 0
    elif kind != "cancel_page" or platform not in subs:
        # A visit to the cancel page proves no subscription (it may follow the cancel).
        subs[platform] = 1
    if kind == "session_start":
        _bump(profile["platforms"], platform)
    title = fields.get("title_id")
    if not title:
        return None, None
    if kind == "stop":
        _stopped(profile, catalogue, title, fields.get("position_s"), ts)
        return None, None
    if kind != "play":
        return None, None
    profile["plays"] += 1
    started = profile["started"]
    genre = catalogue.genre_of(title)
    if genre is not None and title not in started and all(e[0] != title for e in profile["recent"]):
        # A title chosen, not an episode played: a binge says little about taste.
        _bump(profile["genres"], genre)
    if title not in started and title not in profile["finished"]:
        started[title] = [0, ts]
        if len(started) > STARTED_TITLES:
            del started[min(started, key=lambda t: started[t][1])]
    elif title in started:
        started[title][1] = ts
    return _played(profile["recent"], title, ts)


def _played(recent: list[list[Any]], title: str, ts: float) -> tuple[list[Any] | None, list[Any]]:
    evicted = None
    for i, entry in enumerate(recent):
        if entry[0] == title:
            evicted = recent.pop(i)
            break
    else:
        if len(recent) >= RECENT_TITLES:
            evicted = recent.pop(0)
    entry = [title, ts]
    recent.append(entry)
    return evicted, entry


def _stopped(
    profile: dict[str, Any], catalogue: TitleCatalogue, title: str, position: Any, ts: float
) -> None:
    info = catalogue.titles.get(title)
    started = profile["started"]
    if info is None or info.episode_s is None or title not in started:
        return
    if not isinstance(position, int | float) or position < COMPLETED_SHARE * info.episode_s:
        return
    started[title][0] += 1
    started[title][1] = ts
    if info.episodes is not None and started[title][0] >= info.episodes:
        del started[title]
        finished = profile["finished"]
        finished.append(title)
        if len(finished) > FINISHED_TITLES:
            del finished[0]


def _bump(counts: dict[str, float], key: str) -> None:
    counts[key] = counts.get(key, 0.0) + 1.0
    if sum(counts.values()) > TASTE_TOTAL:
        for k in list(counts):
            counts[k] /= 2
            if counts[k] < 0.05:
                del counts[k]


def active_platforms(profile: dict[str, Any]) -> list[str]:
    return sorted(p for p, on in profile["subs"].items() if on)


def finished(profile: dict[str, Any]) -> set[str]:
    return set(profile["finished"])
