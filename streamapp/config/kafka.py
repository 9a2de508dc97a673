"""Where the broker is and how to reach it securely (`KAFKA_*`).

Shared by every process that talks to Kafka: the worker, the sink, `notify`, the
collectors' checkpoints and the commands.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from streamapp.config.defaults import env_section


class KafkaSettings(BaseSettings):
    """Where the broker is (`KAFKA_*`)."""

    model_config = env_section("KAFKA_")

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
