"""Connection settings -> `snowflake.connector.connect` arguments, and the connection.

Secrets stay inside: nothing here logs them, and the errors we raise name the setting
that is wrong, never its value.
"""

from __future__ import annotations

from typing import Any

from streamapp.config import WarehouseSettings
from streamapp.loaders.identifiers import checked


class WarehouseConfigError(ValueError):
    """The warehouse settings cannot work (the message says which one and why)."""


def _private_key_der(settings: WarehouseSettings) -> bytes | None:
    """The private key as DER bytes (what the connector takes), from a file or a PEM."""
    if settings.private_key is not None:
        pem = settings.private_key.get_secret_value().encode()
        source = "SNOWFLAKE_PRIVATE_KEY"
    elif settings.private_key_path is not None:
        try:
            pem = settings.private_key_path.read_bytes()
        except OSError as exc:
            raise WarehouseConfigError(
                f"SNOWFLAKE_PRIVATE_KEY_PATH: cannot read {settings.private_key_path}: "
                f"{exc.strerror}"
            ) from None
        source = "SNOWFLAKE_PRIVATE_KEY_PATH"
    else:
        return None
    from cryptography.hazmat.primitives import serialization

    passphrase = settings.private_key_passphrase
    try:
        key = serialization.load_pem_private_key(
            pem, password=passphrase.get_secret_value().encode() if passphrase else None
        )
    except (ValueError, TypeError) as exc:
        # The library's message says what is wrong (bad passphrase, not a key...) but
        # never echoes the key.
        raise WarehouseConfigError(f"{source}: not a usable private key ({exc})") from None
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def connect_kwargs(settings: WarehouseSettings) -> dict[str, Any]:
    if not settings.account:
        raise WarehouseConfigError(
            "no warehouse configured: set SNOWFLAKE_ACCOUNT (and SNOWFLAKE_USER with a key "
            "or password), or run the local one with `streamapp warehouse serve`"
        )
    if not settings.user:
        raise WarehouseConfigError("SNOWFLAKE_USER is not set")
    kwargs: dict[str, Any] = {
        "account": settings.account,
        "user": settings.user,
        "database": checked(settings.database),
        "schema": checked(settings.schema_),
        "network_timeout": settings.network_timeout,
        "login_timeout": settings.network_timeout,
        # We run our own transactions (BEGIN ... COMMIT) and retries.
        "autocommit": True,
        # Server-side binding: values travel apart from the SQL text, never inside it.
        "paramstyle": "qmark",
        "session_parameters": {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
        "application": "streamapp",
    }
    key = _private_key_der(settings)
    if key is not None:
        kwargs["private_key"] = key
    elif settings.password is not None:
        kwargs["password"] = settings.password.get_secret_value()
    else:
        raise WarehouseConfigError(
            "no credentials: set SNOWFLAKE_PRIVATE_KEY_PATH (or SNOWFLAKE_PRIVATE_KEY) for "
            "key-pair authentication, or SNOWFLAKE_PASSWORD"
        )
    if settings.role:
        kwargs["role"] = checked(settings.role)
    if settings.warehouse:
        kwargs["warehouse"] = checked(settings.warehouse)
    if settings.host:
        kwargs.update(host=settings.host, protocol=settings.protocol)
        if settings.port:
            kwargs["port"] = settings.port
    return kwargs


def open_connection(settings: WarehouseSettings) -> Any:
    import snowflake.connector

    return snowflake.connector.connect(**connect_kwargs(settings))
