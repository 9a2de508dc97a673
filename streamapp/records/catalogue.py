"""Title catalogue records (`title-catalogue`): which platform carries a title now.

Compacted and keyed by title id: the last record of a title is what the catalogue says
about it. Parsed strictly like the other raw records (records/raw.py): a bad record
becomes an `InvalidRecord` whose reason a person can act on, and goes to `dead-letters`.
A record names its platform explicitly; `null` means the title is on no platform (it
left one and went nowhere), so a recommender never offers it.
"""

from __future__ import annotations

from typing import Any

from streamapp.analytics.recommend.catalogue import TitleInfo
from streamapp.records.raw import (
    DEFAULT_LIMITS,
    MAX_ID_CHARS,
    RAW_SCHEMA_VERSION,
    InvalidRecord,
    RecordLimits,
    _decode_object,
    _event_time,
    _field,
    _finite,
    _name,
    _platform,
    _schema_version,
    _text,
    iso_utc,
    parse_iso_utc,
)

CATALOGUE_SCHEMA_VERSION = RAW_SCHEMA_VERSION
MAX_GENRE_CHARS = 32
MAX_EPISODES = 100_000
MAX_EPISODE_S = 86_400.0  # one episode (or film) longer than a day is a unit error
FIELDS = ("title_id", "platform", "genre", "episodes", "episode_s", "ts", "schema_version")


def title_record(info: TitleInfo) -> dict[str, Any]:
    """The wire form of one title (what the simulator and `catalogue load` write)."""
    return {
        "title_id": info.title_id,
        "platform": info.platform,
        "genre": info.genre,
        "episodes": info.episodes,
        "episode_s": None if info.episode_s is None else round(info.episode_s, 1),
        "ts": iso_utc(info.ts),
        "schema_version": CATALOGUE_SCHEMA_VERSION,
    }


def parse_title_record(raw: bytes | str | None, limits: RecordLimits = DEFAULT_LIMITS) -> TitleInfo:
    data = _decode_object(raw, limits)
    return title_from_fields(data, limits)


def title_from_fields(data: dict[str, Any], limits: RecordLimits = DEFAULT_LIMITS) -> TitleInfo:
    """The checks of `parse_title_record` on an already decoded object (a CSV row too)."""
    _schema_version(data, CATALOGUE_SCHEMA_VERSION)
    title_id = _name(data, "title_id", MAX_ID_CHARS)
    if "platform" not in data:
        # Absent is not the same as null: a producer that forgot the field must not
        # take the title off every platform.
        raise InvalidRecord("missing field 'platform' (null: the title is on no platform)")
    platform = _platform(data, required=False)
    genre = _text(data, "genre", MAX_GENRE_CHARS, required=False)
    if genre is not None and not genre.strip():
        genre = None
    episodes = _field(data, "episodes", (int,), required=False)
    if episodes is not None and not 1 <= episodes <= MAX_EPISODES:
        raise InvalidRecord(f"field 'episodes' must be within 1-{MAX_EPISODES}, got {episodes}")
    episode_s = _field(data, "episode_s", (int, float), required=False)
    if episode_s is not None:
        episode_s = _finite("episode_s", episode_s)
        if not 0 < episode_s <= MAX_EPISODE_S:
            raise InvalidRecord(
                f"field 'episode_s' must be within 0-{MAX_EPISODE_S:g} seconds (above 0),"
                f" got {episode_s:g}"
            )
    ts = _text(data, "ts", 40)
    epoch = _event_time("ts", parse_iso_utc(ts), limits)
    return TitleInfo(
        title_id=title_id,
        platform=platform,
        genre=genre,
        episodes=episodes,
        episode_s=episode_s,
        ts=epoch,
    )
