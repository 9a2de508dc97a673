"""The warehouse the sink loads into (`SNOWFLAKE_*`) and the sink's micro-batches and
retries (`STREAMAPP_SINK_*`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from streamapp.config.defaults import env_section


class WarehouseSettings(BaseSettings):
    """The Snowflake account the sink loads into (`SNOWFLAKE_*`, the seed's names).

    Key-pair authentication (a private key file or a PEM in the environment, with an
    optional passphrase) is preferred; a password works too. `HOST`/`PORT`/`PROTOCOL`
    point the connector somewhere other than `<account>.snowflakecomputing.com`: the
    local warehouse that `streamapp up` runs sets them.
    """

    model_config = SettingsConfigDict(**env_section("SNOWFLAKE_"), populate_by_name=True)

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

    model_config = env_section("STREAMAPP_SINK_")

    batch_size: int = Field(default=500, ge=1)
    flush_seconds: float = Field(default=5.0, gt=0)
    # Retries of a failed load: exponential from the first wait, jittered, capped.
    retry_first_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(default=60.0, gt=0)
