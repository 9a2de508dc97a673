"""Kafka security from settings: TLS and SASL for managed clusters.

One place turns `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_*` and `KAFKA_SSL_*` into what
the clients need:

- `faust_credentials(kafka)` -> Faust's `broker_credentials` (the worker's consumer,
  producer and admin client);
- `client_options(kafka)` -> keyword arguments for our own aiokafka clients
  (`streamapp alerts`, the simulator/replay producer, the alert tail of `streamapp up`).

Both refuse SASL over plaintext (the password would cross the network in clear) unless
`KAFKA_ALLOW_SASL_PLAINTEXT=true`. Errors name settings and files, never a secret.
"""

from __future__ import annotations

import ssl
from typing import Any

from streamapp.config import KafkaSettings

SASL_PROTOCOLS = ("SASL_PLAINTEXT", "SASL_SSL")
TLS_PROTOCOLS = ("SSL", "SASL_SSL")


class KafkaSecurityError(ValueError):
    """The KAFKA_* security settings do not fit together."""


def protocol_of(kafka: KafkaSettings) -> str:
    return kafka.security_protocol.upper()


def mechanism_of(kafka: KafkaSettings) -> str:
    return kafka.sasl_mechanism.upper()


def check(kafka: KafkaSettings) -> None:
    """Raise KafkaSecurityError when the settings are inconsistent or unsafe."""
    protocol = protocol_of(kafka)
    if protocol in SASL_PROTOCOLS:
        if not kafka.sasl_username or not kafka.sasl_password.get_secret_value():
            raise KafkaSecurityError(
                f"KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_SASL_USERNAME and "
                "KAFKA_SASL_PASSWORD"
            )
        if protocol == "SASL_PLAINTEXT" and not kafka.allow_sasl_plaintext:
            raise KafkaSecurityError(
                "KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT would send the SASL password "
                "unencrypted: use SASL_SSL, or set KAFKA_ALLOW_SASL_PLAINTEXT=true for a "
                "test broker on a trusted network"
            )
    if protocol not in TLS_PROTOCOLS:
        tls_files = [
            name
            for name, value in (
                ("KAFKA_SSL_CAFILE", kafka.ssl_cafile),
                ("KAFKA_SSL_CERTFILE", kafka.ssl_certfile),
                ("KAFKA_SSL_KEYFILE", kafka.ssl_keyfile),
            )
            if value is not None
        ]
        if tls_files:
            # Certificates set but not used is almost always a forgotten protocol setting.
            raise KafkaSecurityError(
                f"{', '.join(tls_files)} set but KAFKA_SECURITY_PROTOCOL={protocol} does not "
                "use TLS: set it to SSL or SASL_SSL"
            )
    if kafka.ssl_keyfile is not None and kafka.ssl_certfile is None:
        # (a certificate file may hold its key too, so the reverse is fine)
        raise KafkaSecurityError("KAFKA_SSL_KEYFILE needs KAFKA_SSL_CERTFILE")


def ssl_context(kafka: KafkaSettings) -> ssl.SSLContext | None:
    """A verifying TLS context (hostname checked) for SSL / SASL_SSL, else None."""
    if protocol_of(kafka) not in TLS_PROTOCOLS:
        return None
    cafile = kafka.ssl_cafile
    try:
        # Without a CA file the system's CAs verify the broker (Confluent Cloud, Aiven
        # with a public CA, MSK): exactly what a browser would trust.
        context = ssl.create_default_context(
            ssl.Purpose.SERVER_AUTH, cafile=str(cafile) if cafile else None
        )
    except (OSError, ssl.SSLError) as exc:
        raise KafkaSecurityError(
            f"KAFKA_SSL_CAFILE {cafile}: cannot load it ({type(exc).__name__}: {exc})"
        ) from None
    if kafka.ssl_certfile is not None:
        password = kafka.ssl_key_password
        try:
            context.load_cert_chain(
                str(kafka.ssl_certfile),
                str(kafka.ssl_keyfile) if kafka.ssl_keyfile else None,
                password.get_secret_value() if password else None,
            )
        except (OSError, ssl.SSLError) as exc:
            # `from None`: the traceback of load_cert_chain shows its arguments' values.
            raise KafkaSecurityError(
                f"KAFKA_SSL_CERTFILE {kafka.ssl_certfile} / KAFKA_SSL_KEYFILE "
                f"{kafka.ssl_keyfile}: cannot load the client certificate "
                f"({type(exc).__name__}; a wrong KAFKA_SSL_KEY_PASSWORD looks like this too)"
            ) from None
    return context


def client_options(kafka: KafkaSettings | None = None) -> dict[str, Any]:
    """Security keyword arguments for AIOKafkaProducer/Consumer/AdminClient.

    Without an argument the settings are read from the environment, so a call site that
    only has a bootstrap string still connects the way the worker does.
    """
    kafka = kafka if kafka is not None else KafkaSettings()
    check(kafka)
    protocol = protocol_of(kafka)
    options: dict[str, Any] = {"security_protocol": protocol}
    context = ssl_context(kafka)
    if context is not None:
        options["ssl_context"] = context
    if protocol in SASL_PROTOCOLS:
        options["sasl_mechanism"] = mechanism_of(kafka)
        options["sasl_plain_username"] = kafka.sasl_username
        options["sasl_plain_password"] = kafka.sasl_password.get_secret_value()
    return options


def faust_credentials(kafka: KafkaSettings) -> Any:
    """Faust's `broker_credentials`, or None for PLAINTEXT."""
    check(kafka)
    protocol = protocol_of(kafka)
    if protocol == "PLAINTEXT":
        return None
    import faust  # here: the aiokafka-only call sites need not import Faust

    context = ssl_context(kafka)
    if protocol == "SSL":
        return faust.SSLCredentials(context)
    # SASLCredentials picks SASL_SSL when it has a context, SASL_PLAINTEXT otherwise; its
    # repr shows the user name only.
    return faust.SASLCredentials(
        username=kafka.sasl_username,
        password=kafka.sasl_password.get_secret_value(),
        ssl_context=context,
        mechanism=mechanism_of(kafka),
    )
