"""Settings from the environment (and a `.env` file): one section per part of the system.

Each section reads its own prefix so the variable names users already have keep
working (`KAFKA_BOOTSTRAP_SERVERS`, `SNOWFLAKE_*`, `REDDIT_*`). Secrets are
`SecretStr`: their repr is masked, so logging a settings object leaks nothing.

`Settings` gathers the sections; each lives in the module of its part (`kafka`,
`pipeline`, `collectors`, `dashboard`, `forecast`, `warehouse`, `notify`, `viewers`),
and the defaults written once in `defaults`. Everything is imported from here:
`from streamapp.config import Settings, DEFAULT_WEB_PORT`. Imports only pydantic (and
`holidays` when checking a country): any part of the product may import it.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from streamapp.config.collectors import RedditSettings, TrendsSettings
from streamapp.config.dashboard import DashboardSettings
from streamapp.config.defaults import (
    DEFAULT_BROKER_PORT,
    DEFAULT_DASHBOARD_PORT,
    DEFAULT_DATA_DIR,
    DEFAULT_SUBREDDITS,
    DEFAULT_TREND_KEYWORDS,
    DEFAULT_WAREHOUSE_PORT,
    DEFAULT_WEB_PORT,
    env_section,
)
from streamapp.config.forecast import ForecastSettings
from streamapp.config.kafka import KafkaSettings
from streamapp.config.notify import NotifySettings, RouteFilterSettings
from streamapp.config.pipeline import AlertSettings, PipelineSettings
from streamapp.config.viewers import TitleTrendSettings, ViewerSettings
from streamapp.config.warehouse import SinkSettings, WarehouseSettings


class Settings(BaseSettings):
    model_config = env_section("STREAMAPP_")

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


__all__ = [
    "DEFAULT_BROKER_PORT",
    "DEFAULT_DASHBOARD_PORT",
    "DEFAULT_DATA_DIR",
    "DEFAULT_SUBREDDITS",
    "DEFAULT_TREND_KEYWORDS",
    "DEFAULT_WAREHOUSE_PORT",
    "DEFAULT_WEB_PORT",
    "AlertSettings",
    "DashboardSettings",
    "ForecastSettings",
    "KafkaSettings",
    "NotifySettings",
    "PipelineSettings",
    "RedditSettings",
    "RouteFilterSettings",
    "Settings",
    "SinkSettings",
    "TitleTrendSettings",
    "TrendsSettings",
    "ViewerSettings",
    "WarehouseSettings",
]
