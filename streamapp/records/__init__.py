"""Record schemas (JSON on the wire). Every record carries `schema_version`."""

from streamapp.records.derived import (
    Alert,
    Contribution,
    DeadLetter,
    DiscussionSignal,
    WindowAggregate,
)
from streamapp.records.raw import (
    InvalidRecord,
    RecordLimits,
    RedditPost,
    TrendPoint,
    hash_author,
    parse_reddit_post,
    parse_trend_point,
)

__all__ = [
    "Alert",
    "Contribution",
    "DeadLetter",
    "DiscussionSignal",
    "InvalidRecord",
    "RecordLimits",
    "RedditPost",
    "TrendPoint",
    "WindowAggregate",
    "hash_author",
    "parse_reddit_post",
    "parse_trend_point",
]
