"""An unreachable broker or warehouse: one line on stderr, exit 1, no traceback, no secret.

The commands run as real subprocesses against a port of 127.0.0.1 that nothing listens
on (refused at once); the bounded wait for a silent address is tested in-process with a
short timeout, against a socket that accepts and never answers.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import socket
import subprocess
import sys
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError

from streamapp.embedded import free_port
from streamapp.runtime.unreachable import (
    CONNECT_TIMEOUT_S,
    KafkaUnreachable,
    call_within,
    held_logs,
    start_client,
)

REPO = Path(__file__).resolve().parents[2]
MARKER = "s3cret-marker-7f3a"  # a password that must never be printed


def run(
    args: list[str], env: dict[str, str], cwd: Path
) -> tuple[subprocess.CompletedProcess[str], float]:
    # A clean environment (no KAFKA_*/SNOWFLAKE_* of the developer's), and a cwd without
    # a .env file, so only what the test sets is configured.
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KAFKA_", "SNOWFLAKE_", "STREAMAPP_", "REDDIT_"))
    }
    base["PYTHONPATH"] = str(REPO)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "streamapp", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done, time.monotonic() - started


def one_line(done: subprocess.CompletedProcess[str], *names: str) -> str:
    """The single stderr line, after the checks every failing command must pass."""
    assert done.returncode == 1, (done.returncode, done.stderr)
    for text in (done.stdout, done.stderr):
        assert "Traceback" not in text and "Unclosed" not in text, text
        assert MARKER not in text
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    for name in names:
        assert name in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def replay_file(tmp_path: Path) -> Path:
    point = {"keyword": "netflix", "geo": "US", "timestamp": "2023-11-14T22:13:30Z"}
    path = tmp_path / "trends.jsonl"
    path.write_text(json.dumps({**point, "interest": 40}) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["alerts", "--timeout", "5"],
        ["simulate", "--duration", "5"],
        ["replay", "{file}", "--fast"],
    ],
    ids=["alerts", "simulate", "replay"],
)
def test_kafka_commands_say_which_broker_they_could_not_reach(
    command: list[str], replay_file: Path, tmp_path: Path
) -> None:
    bootstrap = f"127.0.0.1:{free_port()}"
    args = [part.replace("{file}", str(replay_file)) for part in command]
    done, took = run(args, {"KAFKA_BOOTSTRAP_SERVERS": bootstrap}, tmp_path)
    line = one_line(done, bootstrap, "KAFKA_BOOTSTRAP_SERVERS")
    assert line.startswith(f"streamapp {command[0]}: cannot reach Kafka at {bootstrap}")
    assert took < CONNECT_TIMEOUT_S  # refused: fails at once, not after the timeout


def test_the_bootstrap_flag_is_named_when_it_gave_the_address(tmp_path: Path) -> None:
    bootstrap = f"127.0.0.1:{free_port()}"
    done, _ = run(["alerts", "--bootstrap", bootstrap], {}, tmp_path)
    line = one_line(done, bootstrap, "(--bootstrap)")
    assert "KAFKA_BOOTSTRAP_SERVERS" not in line


def test_sql_says_which_warehouse_it_could_not_reach(tmp_path: Path) -> None:
    port = free_port()
    env = {
        "SNOWFLAKE_ACCOUNT": "acme",
        "SNOWFLAKE_USER": "loader",
        "SNOWFLAKE_PASSWORD": MARKER,
        "SNOWFLAKE_HOST": "127.0.0.1",
        "SNOWFLAKE_PORT": str(port),
        "SNOWFLAKE_PROTOCOL": "http",
        "SNOWFLAKE_NETWORK_TIMEOUT": "5",
    }
    done, took = run(["sql", "SELECT 1"], env, tmp_path)
    line = one_line(done, f"127.0.0.1:{port}", "SNOWFLAKE_HOST/SNOWFLAKE_PORT")
    assert line.startswith("streamapp sql: cannot reach the warehouse at")
    assert took < CONNECT_TIMEOUT_S


def test_a_kafka_password_never_reaches_the_output(tmp_path: Path) -> None:
    bootstrap = f"127.0.0.1:{free_port()}"
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_ALLOW_SASL_PLAINTEXT": "true",
        "KAFKA_SASL_USERNAME": "loader",
        "KAFKA_SASL_PASSWORD": MARKER,
    }
    done, _ = run(["alerts"], env, tmp_path)
    one_line(done, bootstrap, "KAFKA_BOOTSTRAP_SERVERS")
    # Not even with every log line on.
    done, _ = run(["alerts"], {**env, "STREAMAPP_LOG_LEVEL": "DEBUG"}, tmp_path)
    assert done.returncode == 1 and MARKER not in done.stdout + done.stderr


# In-process: the timeout, the clean-up and the held logs.


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers (a stand-in for a blackhole)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server.getsockname()[1]
    server.close()


async def test_a_silent_broker_is_given_up_on_and_the_client_closed(
    silent_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    bootstrap = f"127.0.0.1:{silent_port}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    collected = weakref.ref(producer)
    started = time.monotonic()
    with pytest.raises(KafkaUnreachable) as caught:
        await start_client(producer, bootstrap, timeout_s=0.5)
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert message.startswith(f"cannot reach Kafka at {bootstrap} (KAFKA_BOOTSTRAP_SERVERS)")
    assert "no answer within 0.5 s" in message
    del caught, producer  # the traceback holds the client: let both go
    gc.collect()
    assert collected() is None  # its __del__ ran: it would have said "Unclosed" here
    assert "Unclosed" not in caplog.text


class FakeClient:
    def __init__(self, error: BaseException) -> None:
        self.error, self.stopped = error, False

    async def start(self) -> None:
        raise self.error

    async def stop(self) -> None:
        self.stopped = True


async def test_a_failed_start_stops_the_client_whatever_the_error() -> None:
    refused = FakeClient(KafkaConnectionError("Unable to bootstrap"))
    with pytest.raises(KafkaUnreachable, match="at h:1 \\(--bootstrap\\)"):
        await start_client(refused, "h:1", setting="--bootstrap")
    other = FakeClient(RuntimeError("boom"))
    with pytest.raises(RuntimeError):
        await start_client(other, "h:1")
    assert refused.stopped and other.stopped


def test_held_logs_pass_on_after_success_and_drop_after_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A logger of its own: what the suite's other tests did to aiokafka's stays out of it.
    log = logging.getLogger("held-logs-test.client")
    with caplog.at_level(logging.WARNING), held_logs("held-logs-test") as held:
        log.warning("first try failed")
        assert caplog.text == "" and len(held) == 1
    assert "first try failed" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING), pytest.raises(ValueError), held_logs("held-logs-test"):
        log.warning("said by the exception instead")
        raise ValueError
    assert caplog.text == ""


def test_call_within_gives_up_and_hands_a_late_result_on() -> None:
    late: list[str] = []
    with pytest.raises(TimeoutError, match="0.1 s"):
        call_within(lambda: time.sleep(0.4) or "connection", 0.1, on_late=late.append)
    time.sleep(0.6)
    assert late == ["connection"]
    assert call_within(lambda: 42, 1.0) == 42
    with pytest.raises(KeyError):
        call_within(lambda: {}["missing"], 1.0)


def test_overlapping_held_blocks_restore_the_logger_whatever_order_they_end_in(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two clients starting at once hold the same logger; ending in either order must
    leave it propagating again (it once stayed silent for the rest of the process)."""
    logger = logging.getLogger("held-logs-overlap")
    first, second = held_logs("held-logs-overlap"), held_logs("held-logs-overlap")
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert logger.propagate is False  # the second block still holds it
    second.__exit__(None, None, None)
    assert logger.propagate is True
    with caplog.at_level(logging.WARNING):
        logging.getLogger("held-logs-overlap.client").warning("heard again")
    assert "heard again" in caplog.text
