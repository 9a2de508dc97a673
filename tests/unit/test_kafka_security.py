"""KAFKA_* security settings -> Faust credentials and aiokafka options; secrets stay hidden."""

from __future__ import annotations

import logging
import ssl

import pydantic
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from streamapp.app import create_app
from streamapp.config import KafkaSettings, Settings
from streamapp.kafka.security import (
    KafkaSecurityError,
    client_options,
    faust_credentials,
)
from streamapp.runtime.faust_app import faust_options
from tests.kafka_certs import make_tls_files

PASSWORD = "s3cr3t-sasl-pa55word"
KEY_PASSWORD = "key-pass-123"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    # Settings also read a .env in the working directory: run from an empty one.
    monkeypatch.chdir(tmp_path)
    for name in (
        "SECURITY_PROTOCOL",
        "SASL_MECHANISM",
        "SASL_USERNAME",
        "SASL_PASSWORD",
        "SSL_CAFILE",
        "SSL_CERTFILE",
        "SSL_KEYFILE",
        "SSL_KEY_PASSWORD",
        "ALLOW_SASL_PLAINTEXT",
    ):
        monkeypatch.delenv(f"KAFKA_{name}", raising=False)


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return make_tls_files(tmp_path_factory.mktemp("tls"), KEY_PASSWORD)


def sasl_ssl(**overrides) -> KafkaSettings:
    fields = {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_username": "svc-streamapp",
        "sasl_password": PASSWORD,
        **overrides,
    }
    return KafkaSettings(**fields)


def test_plaintext_is_the_default():
    kafka = KafkaSettings()
    assert client_options(kafka) == {"security_protocol": "PLAINTEXT"}
    assert faust_credentials(kafka) is None
    assert faust_options(Settings())["broker_credentials"] is None


async def test_sasl_ssl_scram_gives_verifying_tls_and_sasl_options(tls):
    kafka = sasl_ssl(ssl_cafile=tls.ca)
    options = client_options(kafka)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "svc-streamapp"
    assert options["sasl_plain_password"] == PASSWORD
    context = options["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    # aiokafka accepts them (it validates protocol/mechanism pairs in its constructor).
    AIOKafkaProducer(bootstrap_servers="broker:9096", **options)
    AIOKafkaConsumer("t", bootstrap_servers="broker:9096", **client_options(kafka))


def test_faust_credentials_reach_faust_driver_as_the_same_options(tls):
    kafka = sasl_ssl(ssl_cafile=tls.ca, sasl_mechanism="scram-sha-256")
    auth = credentials_to_aiokafka_auth(faust_credentials(kafka))
    assert auth["security_protocol"] == "SASL_SSL"
    assert auth["sasl_mechanism"] == "SCRAM-SHA-256"
    assert auth["sasl_plain_username"] == "svc-streamapp"
    assert isinstance(auth["ssl_context"], ssl.SSLContext)


def test_ssl_with_client_certificate_and_encrypted_key(tls):
    kafka = KafkaSettings(
        security_protocol="ssl",
        ssl_cafile=tls.ca,
        ssl_certfile=tls.client_cert,
        ssl_keyfile=tls.client_key,
        ssl_key_password=KEY_PASSWORD,
    )
    options = client_options(kafka)
    assert options["security_protocol"] == "SSL"
    assert "sasl_mechanism" not in options
    auth = credentials_to_aiokafka_auth(faust_credentials(kafka))
    assert auth["security_protocol"] == "SSL"


def test_wrong_key_password_is_a_clear_error_without_the_password(tls):
    kafka = KafkaSettings(
        security_protocol="SSL",
        ssl_cafile=tls.ca,
        ssl_certfile=tls.client_cert,
        ssl_keyfile=tls.client_key,
        ssl_key_password="not-the-" + KEY_PASSWORD,
    )
    with pytest.raises(KafkaSecurityError) as info:
        client_options(kafka)
    assert "KAFKA_SSL_CERTFILE" in str(info.value)
    assert KEY_PASSWORD not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_missing_ca_file_is_named(tmp_path):
    kafka = sasl_ssl(ssl_cafile=tmp_path / "nope.pem")
    with pytest.raises(KafkaSecurityError, match="KAFKA_SSL_CAFILE .*nope.pem"):
        client_options(kafka)


def test_sasl_over_plaintext_is_refused_unless_allowed():
    kafka = sasl_ssl(security_protocol="SASL_PLAINTEXT")
    with pytest.raises(KafkaSecurityError, match="KAFKA_ALLOW_SASL_PLAINTEXT") as info:
        client_options(kafka)
    assert PASSWORD not in str(info.value)
    with pytest.raises(KafkaSecurityError):
        faust_credentials(kafka)
    allowed = sasl_ssl(security_protocol="SASL_PLAINTEXT", allow_sasl_plaintext=True)
    options = client_options(allowed)
    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert "ssl_context" not in options
    auth = credentials_to_aiokafka_auth(faust_credentials(allowed))
    assert auth["security_protocol"] == "SASL_PLAINTEXT"


def test_sasl_without_credentials_is_refused():
    with pytest.raises(KafkaSecurityError, match="KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"):
        client_options(KafkaSettings(security_protocol="SASL_SSL", sasl_username="u"))


def test_certificates_without_a_tls_protocol_are_refused(tls):
    with pytest.raises(KafkaSecurityError, match="KAFKA_SSL_CAFILE set but"):
        client_options(KafkaSettings(ssl_cafile=tls.ca))


def test_key_without_certificate_is_refused(tls):
    kafka = KafkaSettings(security_protocol="SSL", ssl_keyfile=tls.client_key)
    with pytest.raises(KafkaSecurityError, match="needs KAFKA_SSL_CERTFILE"):
        client_options(kafka)


def test_unknown_protocol_or_mechanism_is_refused_by_settings(monkeypatch):
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "TLS")
    with pytest.raises(pydantic.ValidationError, match="security_protocol"):
        KafkaSettings()
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "GSSAPI")
    with pytest.raises(pydantic.ValidationError, match="sasl_mechanism"):
        KafkaSettings()


def test_settings_come_from_the_environment(monkeypatch, tls):
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "PLAIN")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "api-key")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", PASSWORD)
    monkeypatch.setenv("KAFKA_SSL_CAFILE", str(tls.ca))
    options = client_options()  # what the aiokafka call sites use: read from the env
    assert options["sasl_mechanism"] == "PLAIN"
    assert options["sasl_plain_password"] == PASSWORD


def test_secrets_never_in_reprs_dumps_or_logs(monkeypatch, tls, caplog):
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "svc-streamapp")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", PASSWORD)
    monkeypatch.setenv("KAFKA_SSL_CAFILE", str(tls.ca))
    monkeypatch.setenv("KAFKA_SSL_KEY_PASSWORD", KEY_PASSWORD)
    settings = Settings()
    for text in (repr(settings), str(settings), str(settings.model_dump())):
        assert PASSWORD not in text and KEY_PASSWORD not in text
    caplog.set_level(logging.DEBUG)
    app = create_app(settings)
    credentials = app.conf.broker_credentials
    assert "svc-streamapp" in repr(credentials)
    assert PASSWORD not in repr(credentials)
    assert PASSWORD not in caplog.text and KEY_PASSWORD not in caplog.text
