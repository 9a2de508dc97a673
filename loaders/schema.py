"""The warehouse's tables, described once: their DDL (loaders/ddl.py) and the statements
of a load (loaders/load_sql.py) are generated from these specs.

Each target table is filled from one topic. A row is keyed by `EVENT_ID` (what makes
the MERGE idempotent) and remembers where it came from (`KAFKA_TOPIC`,
`KAFKA_PARTITION`, `KAFKA_OFFSET`). Semi-structured fields travel through the stage as
JSON text and become VARIANT/ARRAY/OBJECT in the target via PARSE_JSON.

Columns are only ever added (with `ADD COLUMN IF NOT EXISTS`) or widened (a VARCHAR
shorter than declared here, `ALTER COLUMN ... SET DATA TYPE`), and every INSERT and MERGE
names its columns, so a column someone adds later never breaks a running loader.
"""

from __future__ import annotations

from dataclasses import dataclass

from streamapp.loaders.identifiers import checked

JSON_TYPES = ("VARIANT", "ARRAY", "OBJECT")


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    field: str  # the record field the value comes from

    @property
    def is_json(self) -> bool:
        return self.sql_type in JSON_TYPES

    @property
    def stage_type(self) -> str:
        return "VARCHAR" if self.is_json else self.sql_type


def col(name: str, sql_type: str, field: str | None = None) -> Column:
    return Column(checked(name), sql_type, field or name.lower())


# Where every row came from; part of each target table and of its stage.
LINEAGE = (
    Column("KAFKA_TOPIC", "VARCHAR(255)", "_topic"),
    Column("KAFKA_PARTITION", "NUMBER(10,0)", "_partition"),
    Column("KAFKA_OFFSET", "NUMBER(20,0)", "_offset"),
)


@dataclass(frozen=True)
class TableSpec:
    name: str
    topic: str  # topic name without the prefix
    columns: tuple[Column, ...]  # the first one is EVENT_ID
    comment: str
    # A column whose higher value wins over the order of arrival (None: the newest offset
    # wins): a row is never replaced by one with a lower value. NULL in a row loaded
    # before the column existed, which any new row replaces.
    newest: str | None = None

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return self.columns + LINEAGE

    @property
    def stage_name(self) -> str:
        return f"{self.name}_STAGE"


POSTS = TableSpec(
    "POSTS",
    "discussion-signals",
    (
        col("EVENT_ID", "VARCHAR(64)"),
        col("KIND", "VARCHAR(16)"),
        col("SUBREDDIT", "VARCHAR(64)"),
        col("CREATED_AT", "TIMESTAMP_NTZ", "event_time"),
        col("PLATFORMS", "ARRAY"),
        col("INTENTS", "ARRAY"),
        col("SENTIMENT", "FLOAT"),
        col("SWITCH_FROM", "VARCHAR(32)"),
        col("SWITCH_TO", "VARCHAR(32)"),
        col("SCORE", "NUMBER(38,0)"),
        col("TEXT", "VARCHAR"),
        col("AUTHOR_HASH", "VARCHAR(64)"),
        # 32 was too short: the shipped version is 33 characters, a user model's about 41
        col("CLASSIFIER_VERSION", "VARCHAR(128)"),
    ),
    "Classified Reddit submissions and comments, one row per post (UTC times).",
)

TRENDS = TableSpec(
    "TRENDS",
    "streaming-trends",
    (
        col("EVENT_ID", "VARCHAR(300)"),
        col("KEYWORD", "VARCHAR(200)"),
        col("PLATFORM", "VARCHAR(32)"),
        col("GEO", "VARCHAR(16)"),
        col("POINT_AT", "TIMESTAMP_NTZ", "timestamp"),
        col("INTEREST", "FLOAT"),
        # Set on interest-by-region points: GEO is a region of it (a country or "world").
        col("REGION_OF", "VARCHAR(16)"),
    ),
    "Google Trends search interest points (0-100 on Google scale), UTC.",
)

ALERTS = TableSpec(
    "ALERTS",
    "streaming-alerts",
    (
        col("EVENT_ID", "VARCHAR(200)"),
        col("ALERT_ID", "VARCHAR(128)"),
        col("RULE", "VARCHAR(64)"),
        col("PLATFORM", "VARCHAR(32)"),
        col("STATUS", "VARCHAR(16)"),
        col("SEVERITY", "VARCHAR(16)"),
        col("WINDOW_START", "TIMESTAMP_NTZ"),
        col("WINDOW_END", "TIMESTAMP_NTZ"),
        col("OBSERVED", "FLOAT"),
        col("BASELINE", "FLOAT"),
        col("SCORE", "FLOAT"),
        col("MESSAGE", "VARCHAR"),
        col("EVIDENCE", "ARRAY"),
        col("FIRED_AT", "TIMESTAMP_NTZ"),
    ),
    "Every alert transition (firing, resolved), one row per alert id and status.",
)

PLATFORM_WINDOWS = TableSpec(
    "PLATFORM_WINDOWS",
    "platform-windows",
    (
        col("EVENT_ID", "VARCHAR(128)", "window_id"),
        col("PLATFORM", "VARCHAR(32)"),
        col("WINDOW_START", "TIMESTAMP_NTZ"),
        col("WINDOW_END", "TIMESTAMP_NTZ"),
        col("MENTIONS", "NUMBER(38,0)"),
        col("INTENT_COUNTS", "OBJECT"),
        col("SENTIMENT_MEAN", "FLOAT"),
        col("SENTIMENT_COUNT", "NUMBER(38,0)"),
        col("INTEREST_MEAN", "FLOAT"),
        col("INTEREST_COUNT", "NUMBER(38,0)"),
        col("SWITCHING_TO", "OBJECT"),
        col("SWITCHING_FROM", "OBJECT"),
        col("LATE_EVENTS", "NUMBER(38,0)"),
        col("CLOSED_BY", "VARCHAR(16)"),
        col("CLOSED_AT", "TIMESTAMP_NTZ"),
        # The viewers' gauge at the window's close (null: no viewers reported)
        col("ACCOUNTS_ACTIVE", "NUMBER(38,0)"),
        col("ACCOUNTS_AT_RISK", "NUMBER(38,0)"),
        col("EXPECTED_CANCELLATIONS", "FLOAT"),
        # 0 at the first close, n for the n-th correction by late events (docs/windows-and-
        # alerts.md); the highest loaded wins, whatever order the records come in.
        col("REVISION", "NUMBER(10,0)"),
    ),
    "Closed event-time windows per platform: mentions, intents, sentiment, interest;"
    " the last revision of each window.",
    newest="REVISION",
)

FORECASTS = TableSpec(
    "FORECASTS",
    "platform-forecasts",
    (
        col("EVENT_ID", "VARCHAR(200)", "forecast_id"),
        col("PLATFORM", "VARCHAR(32)"),
        col("METRIC", "VARCHAR(32)"),
        col("MODEL", "VARCHAR(32)"),
        col("GENERATED_AT", "TIMESTAMP_NTZ"),
        col("POINTS", "ARRAY"),
        col("HISTORY_WINDOWS", "NUMBER(38,0)"),
        col("WINDOW_SECONDS", "FLOAT"),
        col("BACKTEST_MASE", "FLOAT"),
        col("DRIVERS", "ARRAY"),  # known drivers active over the fit, with `used`
        # `streamapp forecast FILE --warehouse`: the file's series and the run it belongs
        # to (null on the live forecasts); EVENT_ID is then file|run key|series|model.
        col("SERIES", "VARCHAR(200)"),
        col("RUN_KEY", "VARCHAR(64)"),
    ),
    "Forecasts per platform and metric or per file series and run; POINTS holds timestamp,"
    " yhat and its band per step.",
)

CHURN_SCORES = TableSpec(
    "CHURN_SCORES",
    "churn-risk",
    (
        col("EVENT_ID", "VARCHAR(100)"),
        col("ACCOUNT", "VARCHAR(64)"),
        col("PLATFORM", "VARCHAR(32)"),
        col("RISK", "FLOAT"),
        col("BASELINE_RISK", "FLOAT"),
        col("TOP_FEATURES", "ARRAY"),
        col("MODEL_VERSION", "VARCHAR(64)"),
        col("SCORED_AT", "TIMESTAMP_NTZ"),
        col("REASON", "VARCHAR(16)"),
    ),
    "The latest churn risk per account (salted hash) and platform; one row per pair.",
)

VIEWING_SESSIONS = TableSpec(
    "VIEWING_SESSIONS",
    "viewing-sessions",
    (
        col("EVENT_ID", "VARCHAR(100)", "session_id"),
        col("ACCOUNT", "VARCHAR(64)"),
        col("PLATFORM", "VARCHAR(32)"),
        col("STARTED_AT", "TIMESTAMP_NTZ"),
        col("ENDED_AT", "TIMESTAMP_NTZ"),
        col("PLAYS", "NUMBER(10,0)"),
        col("WATCHED_S", "FLOAT"),
    ),
    "Viewing sessions, sessionised in-stream, one row per session (account: salted hash).",
)

SUBSCRIPTION_EVENTS = TableSpec(
    "SUBSCRIPTION_EVENTS",
    "subscription-events",
    (
        col("EVENT_ID", "VARCHAR(200)"),
        col("ACCOUNT", "VARCHAR(64)"),
        col("PLATFORM", "VARCHAR(32)"),
        col("TYPE", "VARCHAR(16)"),
        col("OCCURRED_AT", "TIMESTAMP_NTZ"),
        # A signup or resubscribe after a cancel on that platform within the move window
        col("MOVED_FROM", "VARCHAR(32)"),
        col("PLAN", "VARCHAR(32)"),
        col("PRICE", "FLOAT"),
    ),
    "Observed signups, cancels and resubscribes, one row per viewing event (account: salted"
    " hash); MOVED_FROM is the platform a signup came from.",
)

TITLE_TRENDS = TableSpec(
    "TITLE_TRENDS",
    "title-trends",
    (
        col("EVENT_ID", "VARCHAR(100)", "window_id"),
        col("PLATFORM", "VARCHAR(32)"),
        col("WINDOW_START", "TIMESTAMP_NTZ"),
        col("WINDOW_END", "TIMESTAMP_NTZ"),
        col("PLAYS", "NUMBER(38,0)"),
        col("RECOMMENDED_PLAYS", "NUMBER(38,0)"),
        col("TITLES", "NUMBER(38,0)"),
        col("TOP", "ARRAY"),  # [{title_id, plays}], most played first
        col("RISING", "ARRAY"),  # [{title_id, plays, previous_plays, growth}]
        col("CLOSED_AT", "TIMESTAMP_NTZ"),
    ),
    "Plays per platform and window: the most played and fastest rising titles.",
)

TABLES: tuple[TableSpec, ...] = (
    POSTS,
    TRENDS,
    ALERTS,
    PLATFORM_WINDOWS,
    FORECASTS,
    CHURN_SCORES,
    VIEWING_SESSIONS,
    SUBSCRIPTION_EVENTS,
    TITLE_TRENDS,
)
TABLES_BY_NAME = {spec.name: spec for spec in TABLES}
