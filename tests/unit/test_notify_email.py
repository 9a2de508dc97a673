"""E-mail delivery against a local aiosmtpd server with STARTTLS and a login: the message
travels encrypted and authenticated; a wrong password, a server without STARTTLS and
STARTTLS turned off against a server that requires it are permanent failures, and the
password shows nowhere. (No Kafka: the destination alone.)"""

from __future__ import annotations

import email
import logging
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from streamapp.config import NotifySettings
from streamapp.embedded import free_port
from streamapp.notify.destinations import destinations_from
from streamapp.notify.senders import EmailDestination
from tests.kafka_certs import make_tls_files

PASSWORD = "smtp-Pa55-word-9"


class Recorder:
    def __init__(self) -> None:
        self.messages: list[tuple[bool, email.message.Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append((session.ssl is not None, email.message_from_bytes(envelope.content)))
        return "250 OK"


def _authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_server(tmp_path):
    files = make_tls_files(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.server_cert, files.server_key, password=files.key_password)
    recorder = Recorder()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=_authenticator,
    )
    controller.start()
    try:
        yield controller, recorder, files.ca
    finally:
        controller.stop()


def _email(port: int, cafile, password: str = PASSWORD, starttls: bool = True) -> EmailDestination:
    [destination] = destinations_from(
        NotifySettings(
            _env_file=None,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_user="streamapp",
            smtp_password=password,
            smtp_from="streamapp@example.com",
            smtp_to="oncall@example.com",
            smtp_starttls=starttls,
            smtp_cafile=cafile,
            timeout_seconds=5,
        )
    )
    assert isinstance(destination, EmailDestination)
    return destination


ALERT = {
    "alert_id": "mail1",
    "rule": "cancellation_surge",
    "platform": "hulu",
    "status": "firing",
    "severity": "critical",
    "message": "Cancellation talk about hulu is 6x its baseline",
    "observed": 30,
    "baseline": 5,
    "evidence": ["t3_x"],
}


async def test_starttls_and_login_deliver_the_message(tls_server):
    controller, recorder, ca = tls_server
    outcome = await _email(controller.port, ca).attempt(ALERT, ALERT)
    assert outcome.accepted, outcome
    [(encrypted, message)] = recorder.messages
    assert encrypted
    assert message["Subject"] == "[streamapp] FIRING critical: cancellation_surge on hulu"
    assert message["Message-ID"] == "<mail1.firing.email@streamapp>"


async def test_refusals_are_permanent_and_never_show_the_password(tls_server, caplog):
    controller, recorder, ca = tls_server
    caplog.set_level(logging.DEBUG)
    wrong = await _email(controller.port, ca, password="not-the-" + PASSWORD).attempt(ALERT, ALERT)
    assert (wrong.accepted, wrong.retryable, wrong.detail) == (False, False, "SMTP 535")
    plain = await _email(controller.port, ca, starttls=False).attempt(ALERT, ALERT)
    assert not plain.accepted and not plain.retryable  # 530: STARTTLS required first
    untrusted = await _email(controller.port, None).attempt(ALERT, ALERT)
    # The test CA is not a system CA: the certificate is refused, and that is not retried.
    assert (untrusted.accepted, untrusted.retryable, untrusted.detail) == (
        False,
        False,
        "TLS certificate not trusted",
    )
    assert recorder.messages == []
    shown = repr([wrong, plain, untrusted]) + caplog.text
    assert PASSWORD not in shown


async def test_a_server_without_starttls_is_refused_not_downgraded():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        outcome = await _email(controller.port, None).attempt(ALERT, ALERT)
    finally:
        controller.stop()
    assert (outcome.accepted, outcome.retryable) == (False, False)
    assert outcome.detail == "SMTP server lacks STARTTLS or AUTH"
    assert recorder.messages == []
