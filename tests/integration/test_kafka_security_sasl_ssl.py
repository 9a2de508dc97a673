"""The KAFKA_* security settings against a real Apache Kafka with a SASL_SSL listener
(SCRAM-SHA-512 and PLAIN over TLS with our own CA): our aiokafka clients and a real
`streamapp worker` connect, wrong credentials and an unknown CA are refused, and the
password never shows up in the worker's log."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streamapp import topics
from streamapp.config import KafkaSettings
from streamapp.embedded import BrokerHandle, free_port, start_broker
from streamapp.embedded.kafka_broker import ExtraListener
from streamapp.embedded.kafka_dist import (
    KafkaDistError,
    classpath,
    ensure_kafka_libs,
    require_java,
)
from streamapp.kafka.security import client_options
from streamapp.sources.producer import encode_value, kafka_producer
from tests.harness.kafka import prepare_topics
from tests.harness.worker import Worker
from tests.integration.pipeline import netflix_windows
from tests.kafka_certs import TlsFiles, make_tls_files

pytestmark = pytest.mark.integration
USER, SCRAM_PASSWORD, PLAIN_PASSWORD = "alice", "scram-Pa55-for-alice", "plain-Pa55-for-alice"


@dataclass
class SecureBroker:
    handle: BrokerHandle
    secure: str  # bootstrap of the SASL_SSL listener
    tls: TlsFiles

    def env(self, mechanism: str = "SCRAM-SHA-512", password: str = SCRAM_PASSWORD) -> dict:
        return {
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_MECHANISM": mechanism,
            "KAFKA_SASL_USERNAME": USER,
            "KAFKA_SASL_PASSWORD": password,
            "KAFKA_SSL_CAFILE": str(self.tls.ca),
        }

    def settings(self, **env: str) -> KafkaSettings:
        fields = {k.removeprefix("KAFKA_").lower(): v for k, v in self.env(**env).items()}
        return KafkaSettings(bootstrap_servers=self.secure, **fields)


def add_scram_user(plaintext_bootstrap: str) -> None:
    """Kafka's own ConfigCommand over the PLAINTEXT listener (KRaft keeps SCRAM users)."""
    cmd = [
        require_java(),
        "-cp",
        classpath(ensure_kafka_libs()),
        "kafka.admin.ConfigCommand",
        "--bootstrap-server",
        plaintext_bootstrap,
        "--alter",
        "--add-config",
        f"SCRAM-SHA-512=[password={SCRAM_PASSWORD}]",
        "--entity-type",
        "users",
        "--entity-name",
        USER,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    try:
        require_java()
    except KafkaDistError as exc:
        pytest.fail(f"the Kafka integration tests need Java 17+: {exc}", pytrace=False)
    tls = make_tls_files(tmp_path_factory.mktemp("tls"))
    keystore = tls.server_key.with_name("server-keystore.pem")  # key, then certificate
    keystore.write_bytes(tls.server_key.read_bytes() + tls.server_cert.read_bytes())
    port = free_port()
    listener = ExtraListener(
        name="SECURE",
        protocol="SASL_SSL",
        port=port,
        properties={
            "listener.name.secure.sasl.enabled.mechanisms": "SCRAM-SHA-512,PLAIN",
            "listener.name.secure.scram-sha-512.sasl.jaas.config": (
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
            ),
            "listener.name.secure.plain.sasl.jaas.config": (
                "org.apache.kafka.common.security.plain.PlainLoginModule required "
                f'user_{USER}="{PLAIN_PASSWORD}";'
            ),
            "listener.name.secure.ssl.keystore.type": "PEM",
            "listener.name.secure.ssl.keystore.location": str(keystore),
        },
    )
    handle = start_broker(
        free_port(), tmp_path_factory.mktemp("kafka-secure"), kind="kafka", extra_listener=listener
    )
    try:
        add_scram_user(handle.bootstrap)
        yield SecureBroker(handle, f"127.0.0.1:{port}", tls)
    finally:
        handle.stop()


async def round_trip(bootstrap: str, topic: str, options: dict) -> bytes:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **options)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"hello over TLS")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", **options
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), 30)
    finally:
        await consumer.stop()
    return record.value


async def refused(bootstrap: str, options: dict) -> str:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=5000, **options)
    try:
        await asyncio.wait_for(producer.start(), 20)
    except Exception as exc:  # what a user would see
        return f"{type(exc).__name__}: {exc}"
    finally:
        await producer.stop()
    raise AssertionError("the broker accepted a client it should have refused")


async def test_clients_connect_with_scram_and_plain_and_bad_ones_are_refused(
    secure_broker, unique_name, caplog
):
    caplog.set_level(logging.INFO, logger="aiokafka")
    scram = client_options(secure_broker.settings())
    assert await round_trip(secure_broker.secure, unique_name("scram"), scram) == b"hello over TLS"
    plain = client_options(secure_broker.settings(mechanism="PLAIN", password=PLAIN_PASSWORD))
    assert await round_trip(secure_broker.secure, unique_name("plain"), plain) == b"hello over TLS"

    wrong = client_options(secure_broker.settings(password="not-" + SCRAM_PASSWORD))
    caplog.clear()
    error = await refused(secure_broker.secure, wrong)
    assert "SaslAuthenticationFailed" in caplog.text  # refused for its credentials
    assert SCRAM_PASSWORD not in error and SCRAM_PASSWORD not in caplog.text
    # The system's CAs do not know our test CA: the broker's certificate is not trusted.
    untrusted = dict(scram)
    untrusted["ssl_context"] = client_options(
        KafkaSettings(
            security_protocol="SASL_SSL", sasl_username=USER, sasl_password=SCRAM_PASSWORD
        )
    )["ssl_context"]
    caplog.clear()
    await refused(secure_broker.secure, untrusted)
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text  # refused for the unknown CA


async def test_worker_producer_and_alerts_cli_over_sasl_ssl(
    secure_broker, unique_topic_prefix, tmp_path, monkeypatch
):
    bootstrap, prefix = secure_broker.secure, unique_topic_prefix + "."
    await prepare_topics(secure_broker.handle.bootstrap, prefix)  # admin over PLAINTEXT
    env = secure_broker.env()
    worker = Worker(bootstrap, prefix, tmp_path, env).start()
    try:
        worker.wait_ready(timeout=90)
        # The simulator's/replay's producer reads the same KAFKA_* variables.
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        producer = kafka_producer(bootstrap)
        await producer.start()
        try:
            start = (int(time.time()) // 2) * 2 - 60.0
            for posts in netflix_windows(start, 2.0, [1] * 8 + [20] + [1] * 3):
                for key, value in posts:
                    post = json.loads(value)
                    await producer.send(
                        prefix + topics.REDDIT_DISCUSSIONS, encode_value(post), key.encode()
                    )
                await producer.flush()
                await asyncio.sleep(0.2)
        finally:
            await producer.stop()
        out = subprocess.run(
            [sys.executable, "-m", "streamapp", "alerts", "--json", "--from-beginning"]
            + ["--max", "1", "--timeout", "45", "--bootstrap", bootstrap],
            env={**os.environ, **env, "STREAMAPP_TOPIC_PREFIX": prefix},
            capture_output=True,
            text=True,
            timeout=90,
            check=True,
        )
        [line] = out.stdout.splitlines()
        alert = json.loads(line)
        assert (alert["rule"], alert["platform"], alert["status"]) == (
            "piracy_surge",
            "netflix",
            "firing",
        )
        log = Path(tmp_path / f"worker-{worker.web_port}.log").read_text(errors="replace")
        assert SCRAM_PASSWORD not in log and SCRAM_PASSWORD not in out.stderr
    finally:
        worker.stop()
