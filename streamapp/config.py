"""Settings from the environment (and a `.env` file).

Each section reads its own prefix so the variable names users already have keep
working (`KAFKA_BOOTSTRAP_SERVERS`, later `SNOWFLAKE_*`, `REDDIT_*`). Secrets are
`SecretStr`: their repr is masked, so logging a settings object leaks nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where things are by default: every command, `streamapp up` and the settings below take
# these, so a default is written once.
DEFAULT_DATA_DIR = Path(".streamapp")
DEFAULT_WEB_PORT = 6066  # the first worker's health, metrics and web views
DEFAULT_DASHBOARD_PORT = 5006
DEFAULT_WAREHOUSE_PORT = 8765  # the local warehouse (`streamapp warehouse serve`)
DEFAULT_BROKER_PORT = 9092  # the embedded broker of `streamapp up`


def _section(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=prefix, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )


class KafkaSettings(BaseSettings):
    """Where the broker is (`KAFKA_*`)."""

    model_config = _section("KAFKA_")

    bootstrap_servers: str = "127.0.0.1:9092"
    # Managed clusters (MSK, Confluent Cloud, Aiven): SASL_SSL with SCRAM or PLAIN, or
    # SSL with client certificates. Checked and turned into clients' options by
    # streamapp/kafka/security.py (SASL over plaintext is refused unless allowed).
    security_protocol: str = Field(
        default="PLAINTEXT", pattern=r"(?i)^(PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL)$"
    )
    sasl_mechanism: str = Field(
        default="PLAIN", pattern=r"(?i)^(PLAIN|SCRAM-SHA-256|SCRAM-SHA-512)$"
    )
    sasl_username: str = ""
    sasl_password: SecretStr = SecretStr("")
    ssl_cafile: Path | None = None  # the cluster's CA (PEM); empty = the system's CAs
    ssl_certfile: Path | None = None  # client certificate (PEM) for mutual TLS
    ssl_keyfile: Path | None = None
    ssl_key_password: SecretStr | None = None
    # Sends the SASL password in clear over the network: only for a test broker.
    allow_sasl_plaintext: bool = False

    @property
    def faust_broker_url(self) -> str:
        hosts = [h.strip() for h in self.bootstrap_servers.split(",") if h.strip()]
        return ";".join(f"kafka://{h}" for h in hosts)


class PipelineSettings(BaseSettings):
    """The worker, its windows and its topics (`STREAMAPP_*`)."""

    model_config = _section("STREAMAPP_")

    app_id: str = "streamapp"
    # Prepended to every topic name (e.g. "staging."), for shared clusters and for tests.
    topic_prefix: str = ""
    # Partitions for the topics we create; more partitions = more worker pods can share work.
    partitions: int = Field(default=4, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    # Standby copies of each table partition on other workers (faster fail-over).
    standby_replicas: int = Field(default=0, ge=0)
    window_seconds: float = Field(default=60.0, gt=0)
    baseline_windows: int = Field(default=30, ge=2)
    # Events up to this much older than the watermark still count in their window.
    allowed_lateness_seconds: float = Field(default=10.0, ge=0)
    # A partition quiet this long stops holding the watermark back (its event time is
    # then projected with the wall clock). Longer than a rebalance, so a partition that
    # moves between workers is waited for instead of having its events arrive late.
    idle_partition_seconds: float = Field(default=20.0, ge=0)
    # A partition whose newest event is further than this behind the wall clock is catching
    # up on a backlog (a replay, a restart): while one is, idle partitions are not projected
    # with the wall clock, so no window closes before the backlog has been read.
    backlog_seconds: float = Field(default=300.0, gt=0)
    # Search-interest points (Google Trends: hourly, complete an hour after their event time,
    # fetched every STREAMAPP_TRENDS_POLL_SECONDS) do not hold the windows' first close:
    # they are taken into closed windows as revisions, and judged by the interest rules,
    # once the Trends lanes pass the window, or at the latest once a quiet Trends lane is
    # this far behind the wall clock. Keep it above 1 h + the poll interval + Google's delay.
    interest_lateness_seconds: float = Field(default=10_800.0, ge=0)
    # Wall-clock ticks that close windows when a stream goes quiet.
    tick_seconds: float = Field(default=1.0, gt=0)
    # How often consumed offsets are committed (smaller = fewer duplicates after a crash).
    commit_interval_seconds: float = Field(default=2.0, gt=0)
    # Producer batching: a few ms of linger means far fewer, larger produce requests
    # (measured: ~15% less worker CPU and ~30% less broker CPU per post at 5 ms).
    producer_linger_seconds: float = Field(default=0.005, ge=0)
    # Classified posts per micro-batch in the classification agent.
    classify_batch_size: int = Field(default=200, ge=1)
    classify_batch_seconds: float = Field(default=0.05, gt=0)
    # A partition whose next record has not been processed for this long, while later
    # records of it have, is read again from that record (streamapp/delivery/head_watch.py; 0 = off).
    stalled_head_seconds: float = Field(default=15.0, ge=0)
    # An agent whose body fails is run again after this wait, doubling up to the max
    # (streamapp/runtime/agent_supervision.py); /healthz answers 503 meanwhile.
    agent_restart_first_seconds: float = Field(default=1.0, gt=0)
    agent_restart_max_seconds: float = Field(default=30.0, gt=0)
    # The worker and the sink create the topics they need before they start (where the
    # cluster allows it); false = only verify them, and exit naming what is missing.
    create_topics: bool = True
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=DEFAULT_WEB_PORT, ge=1, le=65535)
    # The host the other workers reach this one's web port at (they forward it requests
    # for the accounts it owns: GET /recommendations). Empty: `web_host`, or this
    # machine's name when that binds every interface (0.0.0.0). On Kubernetes: the pod IP.
    web_advertised_host: str = ""
    data_dir: Path = DEFAULT_DATA_DIR
    # `memory://` recovers tables from their changelogs on start; `rocksdb://` keeps them on disk.
    store: str = "memory://"
    session_timeout_seconds: float = Field(default=10.0, gt=0)
    heartbeat_interval_seconds: float = Field(default=1.0, gt=0)
    # Salt for hashing Reddit authors; authors never travel in clear.
    author_salt: SecretStr = SecretStr("streamapp-default-salt")
    # Hostile input (docs/hardening.md): a raw message over this size is dead-lettered
    # unparsed, with its size and SHA-256 instead of its bytes ...
    max_message_bytes: int = Field(default=524_288, ge=1)
    # ... and an event time more than this far ahead of the worker's clock is refused.
    max_future_seconds: float = Field(default=86_400.0, ge=0)
    # A model file written by `streamapp train` (docs/classification.md); empty = the
    # shipped one. A missing or corrupt file stops the worker at start.
    classifier_model: Path | None = None


class AlertSettings(BaseSettings):
    """Alert rule thresholds (`STREAMAPP_ALERT_*`)."""

    model_config = _section("STREAMAPP_ALERT_")

    fire_score: float = 3.0  # a window this many deviations above its baseline fires
    resolve_score: float = 1.0  # ... and resolves once it falls back under this (hysteresis)
    min_count: int = 5  # count rules need at least this many events in the window
    min_baseline_windows: int = 5  # no verdict before this much history
    cooldown_windows: int = 5  # after resolving, the same rule stays quiet this long
    min_sentiment_posts: int = 5
    min_interest_rise: float = 5.0  # interest points above baseline before a spike counts
    evidence_size: int = 5


DEFAULT_SUBREDDITS = (
    "cordcutters,netflix,DisneyPlus,Hulu,HBOMax,PrimeVideo,Piracy,StreamingBestOf,television"
)


class RedditSettings(BaseSettings):
    """The Reddit collector (`REDDIT_*`, the seed's names). It runs only with credentials."""

    model_config = _section("REDDIT_")

    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    user_agent: str = "streamapp:collector:0.1 (streaming-market research)"
    # A script app may also log in as a user; without these it is app-only (read-only).
    username: str | None = None
    password: SecretStr | None = None
    subreddits: str = DEFAULT_SUBREDDITS  # comma-separated, without the r/
    poll_seconds: float = Field(default=60.0, gt=0)
    # Endpoint overrides; unset, asyncpraw takes them from a praw.ini (or its defaults).
    oauth_url: str | None = None
    # `REDDIT_URL` (the token endpoint's host), not REDDIT_REDDIT_URL.
    reddit_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDDIT_URL", "reddit_url")
    )

    @property
    def configured(self) -> bool:
        return bool(self.client_id.strip() and self.client_secret.get_secret_value().strip())

    @property
    def subreddit_list(self) -> list[str]:
        return [s.strip().removeprefix("r/") for s in self.subreddits.split(",") if s.strip()]


DEFAULT_TREND_KEYWORDS = (
    "netflix,hulu,disney plus,hbo max,prime video,peacock,youtube tv,paramount plus,"
    "apple tv plus,sling tv,free streaming,watch free online,cancel netflix"
)


class TrendsSettings(BaseSettings):
    """The Google Trends collector (`STREAMAPP_TRENDS_*`). Off unless enabled."""

    model_config = _section("STREAMAPP_TRENDS_")

    enabled: bool = False
    keywords: str = DEFAULT_TREND_KEYWORDS  # comma-separated
    # The term every request group shares, for rescaling onto one scale (default: the first).
    anchor: str = ""
    geo: str = "US"  # empty = worldwide
    timeframe: str = "now 7-d"  # hourly points
    poll_seconds: float = Field(default=1800.0, gt=0)
    # Pause between the requests of one poll (Google rate-limits bursts).
    request_pause_seconds: float = Field(default=5.0, ge=0)
    timeout_seconds: float = Field(default=15.0, gt=0)
    base_url: str = "https://trends.google.com/trends"
    # Interest by region as well (docs/collectors.md): one country code (`US`) for its
    # subregions (US states), a comma list of country codes for those countries; empty: off.
    regions: str = ""

    @property
    def keyword_list(self) -> list[str]:
        return list(dict.fromkeys(k.strip() for k in self.keywords.split(",") if k.strip()))

    @property
    def region_codes(self) -> list[str]:
        return list(dict.fromkeys(c.strip().upper() for c in self.regions.split(",") if c.strip()))

    @field_validator("regions")
    @classmethod
    def _check_regions(cls, value: str) -> str:
        # A typo would otherwise only show as an empty map, poll after poll.
        for code in value.split(","):
            code = code.strip()
            if code and not (len(code) == 2 and code.isascii() and code.isalpha()):
                raise ValueError(
                    f"STREAMAPP_TRENDS_REGIONS: {code!r} is not a two-letter country code"
                )
        return value


class DashboardSettings(BaseSettings):
    """The live dashboard, `streamapp dashboard` (`STREAMAPP_DASHBOARD_*`)."""

    model_config = _section("STREAMAPP_DASHBOARD_")

    host: str = "127.0.0.1"
    port: int = Field(default=DEFAULT_DASHBOARD_PORT, ge=0, le=65535)
    # Extra `host:port` origins allowed to open the websocket (behind a proxy), comma-separated.
    allow_websocket_origin: str = ""
    # What the dashboard remembers and redraws: memory stays flat, whatever the event rate.
    history_seconds: float = Field(default=6 * 3600.0, gt=0)
    bucket_seconds: float = Field(default=5.0, gt=0)
    refresh_ms: int = Field(default=250, ge=50)
    # A password for any user name, or the path of a JSON file {"user": "password"}.
    basic_auth: SecretStr | None = None
    # Signs the login cookie; required with basic auth or OAuth.
    cookie_secret: SecretStr | None = None
    # Panel's OAuth providers (github, google, azure, gitlab, okta, auth0, generic, ...).
    oauth_provider: str | None = None
    oauth_key: str | None = None
    oauth_secret: SecretStr | None = None
    oauth_redirect_uri: str | None = None
    oauth_encryption_key: SecretStr | None = None


class ForecastSettings(BaseSettings):
    """Live forecasts of the closed windows (`STREAMAPP_FORECAST_*`)."""

    model_config = _section("STREAMAPP_FORECAST_")

    enabled: bool = True
    # A platform's forecasts are refitted at most this often (wall clock).
    refit_seconds: float = Field(default=300.0, gt=0)
    # Where fits run: a child process (off the worker's GIL and memory) or, where
    # processes cannot be started, a thread of the worker.
    fit_in: Literal["process", "thread"] = "process"
    horizon: int = Field(default=10, ge=1)  # windows ahead
    min_history: int = Field(default=40, ge=10)  # windows before the first forecast
    max_history: int = Field(default=720, ge=20)  # windows kept per platform
    band_level: float = Field(default=0.95, gt=0, lt=1)  # coverage of the forecast band
    origins: int = Field(default=4, ge=1)  # backtest origins that choose the model
    prophet: bool = True  # Prophet (and the ensemble) among the candidate models
    # A breach resolves once the window is back within this fraction of the band's half-width.
    resolve_score: float = Field(default=0.5, ge=0)
    # Public holidays of this country (ISO code, the `holidays` package's tables) are a
    # driver; empty: none. Drivers' dates are local dates of `timezone`.
    country: str = "US"
    timezone: str = "UTC"

    # Checked at start: a bad value would otherwise fail every refit, one at a time.
    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        value = value.strip().upper()
        if value:
            import holidays

            if value not in holidays.list_supported_countries():
                raise ValueError(f"{value!r} has no public holidays in the `holidays` package")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(
                f"{value!r} is not an IANA time zone (e.g. America/New_York)"
            ) from None
        return value


class WarehouseSettings(BaseSettings):
    """The Snowflake account the sink loads into (`SNOWFLAKE_*`, the seed's names).

    Key-pair authentication (a private key file or a PEM in the environment, with an
    optional passphrase) is preferred; a password works too. `HOST`/`PORT`/`PROTOCOL`
    point the connector somewhere other than `<account>.snowflakecomputing.com`: the
    local warehouse that `streamapp up` runs sets them.
    """

    model_config = SettingsConfigDict(**_section("SNOWFLAKE_"), populate_by_name=True)

    account: str | None = None
    user: str | None = None
    password: SecretStr | None = None
    private_key_path: Path | None = None
    private_key: SecretStr | None = None  # the PEM text itself
    private_key_passphrase: SecretStr | None = None
    role: str | None = None
    warehouse: str | None = None
    database: str = "STREAMAPP"
    schema_: str = Field(default="PUBLIC", alias="SNOWFLAKE_SCHEMA")
    host: str | None = None
    port: int | None = None
    protocol: str = "https"
    # Seconds before a call to the warehouse counts as failed (then the sink backs off).
    network_timeout: float = Field(default=60.0, gt=0)

    @property
    def configured(self) -> bool:
        return bool(self.account)


class SinkSettings(BaseSettings):
    """The warehouse sink's micro-batches and retries (`STREAMAPP_SINK_*`)."""

    model_config = _section("STREAMAPP_SINK_")

    batch_size: int = Field(default=500, ge=1)
    flush_seconds: float = Field(default=5.0, gt=0)
    # Retries of a failed load: exponential from the first wait, jittered, capped.
    retry_first_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(default=60.0, gt=0)


class RouteFilterSettings(BaseSettings):
    """Which alerts one `notify` destination gets: `STREAMAPP_NOTIFY_<DEST>_RULES` and
    `_PLATFORMS` (comma-separated, empty = all), `_MIN_SEVERITY` (info < warning <
    critical). One type for every destination, each read with its own prefix."""

    model_config = _section("STREAMAPP_NOTIFY_")  # each field of NotifySettings sets its own

    rules: str = ""
    platforms: str = ""
    min_severity: str = Field(default="info", pattern=r"^(info|warning|critical)$")


def _route_filter(destination: str) -> Any:
    """A NotifySettings field: the filter read from `STREAMAPP_NOTIFY_<destination>_*`."""
    prefix = f"STREAMAPP_NOTIFY_{destination}_"
    # `_env_prefix` is BaseSettings' own init argument; the pydantic mypy plugin only
    # knows the declared fields.
    return Field(default_factory=lambda: RouteFilterSettings(_env_prefix=prefix))  # type: ignore[call-arg]


class NotifySettings(BaseSettings):
    """`streamapp notify`: alerts delivered to people (`STREAMAPP_NOTIFY_*`, docs/notify.md).

    Every destination is off until its address is set. URLs of webhooks carry tokens, so
    they are `SecretStr` like the passwords; only a destination's kind and host are logged.
    Routing per destination (`<DEST>` = `ALERTMANAGER`, `WEBHOOK`, `SLACK`, `SMTP`):
    `_RULES` and `_PLATFORMS` (comma-separated, empty = all) and `_MIN_SEVERITY`.
    """

    model_config = _section("STREAMAPP_NOTIFY_")

    alertmanager_url: SecretStr = SecretStr("")  # base URL(s), comma-separated (HA pairs)
    alertmanager_resend_seconds: float = Field(default=60.0, gt=0)
    webhook_url: SecretStr = SecretStr("")  # comma-separated for several
    webhook_secret: SecretStr = SecretStr("")  # HMAC-SHA256 key; required with a webhook
    slack_webhook_url: SecretStr = SecretStr("")
    # Slack's Web API instead (threads and edits the resolution): a bot token with
    # chat:write, the channel (name or id), and the API's base URL (tests point it home).
    slack_bot_token: SecretStr = SecretStr("")
    slack_channel: str = ""
    slack_api_url: str = "https://slack.com/api"
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = ""
    smtp_to: str = ""  # comma-separated
    smtp_starttls: bool = True
    smtp_cafile: Path | None = None  # PEM CA for the server's certificate; unset = system CAs
    # Routing, one filter per destination kind (`STREAMAPP_NOTIFY_<DEST>_RULES` ...).
    alertmanager_route: RouteFilterSettings = _route_filter("ALERTMANAGER")
    webhook_route: RouteFilterSettings = _route_filter("WEBHOOK")
    slack_route: RouteFilterSettings = _route_filter("SLACK")
    smtp_route: RouteFilterSettings = _route_filter("SMTP")
    # Delivery attempts per (alert, status, destination) before it goes to dead-letters.
    max_attempts: int = Field(default=8, ge=1)
    retry_first_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(default=60.0, gt=0)
    timeout_seconds: float = Field(default=10.0, gt=0)  # one HTTP request or SMTP session
    # A firing alert older than this (by fired_at) when read is not delivered (nor its
    # resolution): a new consumer group starts at the topic's beginning. 0 = no limit.
    max_age_seconds: float = Field(default=21600.0, ge=0)
    # The daily brief e-mailed at this time (HH:MM, UTC) to the SMTP recipients; empty = off.
    brief_at: str = Field(default="", pattern=r"^$|^([01][0-9]|2[0-3]):[0-5][0-9]$")
    # Delivery-ledger entries of episodes older than this (and than max_age_seconds) are
    # tombstoned, so `notify-deliveries` stays bounded (docs/notify.md).
    ledger_retention_seconds: float = Field(default=7 * 86400.0, gt=0)
    # Alert messages read ahead while some destination is still busy with older ones.
    max_in_flight: int = Field(default=1000, ge=1)
    # `/healthz` on this port (0 = none): the Kubernetes probes.
    health_host: str = "127.0.0.1"
    health_port: int = Field(default=0, ge=0, le=65535)

    @property
    def configured(self) -> bool:
        return any(
            value.strip()
            for value in (
                self.alertmanager_url.get_secret_value(),
                self.webhook_url.get_secret_value(),
                self.slack_webhook_url.get_secret_value(),
                self.slack_bot_token.get_secret_value(),
                self.smtp_host,
            )
        )


class ViewerSettings(BaseSettings):
    """Per-account features and the churn model (`STREAMAPP_*`, docs/viewers.md)."""

    model_config = _section("STREAMAPP_")

    # A label is 1 when the account cancels within this many days of the score, else 0.
    churn_horizon_days: float = Field(default=30.0, gt=0)
    # An account idle this long (event time) leaves the features table: memory stays bounded.
    # Longer than the horizon, so its last labels are learned before it goes.
    account_expiry_days: float = Field(default=45.0, gt=0)
    # Risk above this counts an account as at risk.
    churn_risk_threshold: float = Field(default=0.5, gt=0, lt=1)
    # A score goes to `churn-risk` when it moved by more than this since the last one sent.
    churn_risk_min_change: float = Field(default=0.05, ge=0, lt=1)
    # A signup (or resubscribe) this many days or fewer after a cancel on another platform
    # is a move from it (`moved_from` on `subscription-events`; event time). At most the
    # expiry: the cancelled account's state, which remembers the cancel, must still be held.
    viewer_move_days: float = Field(default=30.0, gt=0)
    # What GET /recommendations serves: the blend, or the popularity baseline it is
    # measured against (docs/recommendations.md).
    recommender: Literal["blend", "popularity"] = "blend"

    @model_validator(mode="after")
    def _moves_within_expiry(self) -> ViewerSettings:
        if self.viewer_move_days > self.account_expiry_days:
            raise ValueError(
                "STREAMAPP_VIEWER_MOVE_DAYS must not exceed STREAMAPP_ACCOUNT_EXPIRY_DAYS: "
                "a cancel is remembered only while the account's state is kept"
            )
        return self


class TitleTrendSettings(BaseSettings):
    """Title trends per platform and window (`STREAMAPP_TITLE_TRENDS_*`, docs/viewers.md#trending);
    the windows are the platform windows' (`STREAMAPP_WINDOW_SECONDS`, lateness and idling)."""

    model_config = _section("STREAMAPP_TITLE_TRENDS_")

    # Titles listed in `top` and in `rising` of each window.
    top: int = Field(default=10, ge=1, le=100)
    # A title is rising only with at least this many plays in the window (0 -> 1 is noise).
    min_rising_plays: int = Field(default=3, ge=1)


class Settings(BaseSettings):
    model_config = _section("STREAMAPP_")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    reddit: RedditSettings = Field(default_factory=RedditSettings)
    trends: TrendsSettings = Field(default_factory=TrendsSettings)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)
    forecast: ForecastSettings = Field(default_factory=ForecastSettings)
    warehouse: WarehouseSettings = Field(default_factory=WarehouseSettings)
    sink: SinkSettings = Field(default_factory=SinkSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    viewers: ViewerSettings = Field(default_factory=ViewerSettings)
    title_trends: TitleTrendSettings = Field(default_factory=TitleTrendSettings)
