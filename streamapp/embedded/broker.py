"""The embedded broker's common face: start one, wait until it serves, create topics, stop.

    handle = start_broker(free_port(), Path(".streamapp/broker"))   # kafka if Java 17+
    asyncio.run(create_topics(handle.bootstrap, ["posts.raw"], partitions=8))
    ...
    handle.stop()

``kind="kafka"`` is Apache Kafka 4.1.1 in a JVM (jars from Maven Central, cached);
``kind="tansu"`` is the pip-only tansu broker (memory only, see ``tansu_broker.LIMITS``);
``kind="auto"`` takes Kafka when Java 17+ is there, else tansu with a warning.
Brokers run in their own session (Ctrl-C in a terminal does not reach them): the caller
stops them, and any still running when the interpreter exits are stopped by ``atexit``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .kafka_dist import KafkaDistError, require_java

log = logging.getLogger(__name__)

KINDS = ("auto", "kafka", "tansu")
READY_TIMEOUT_S = {"kafka": 90.0, "tansu": 20.0}
_T = TypeVar("_T")


class BrokerStartError(RuntimeError):
    """The broker did not come up; the message has the command's log tail."""


@dataclass
class BrokerHandle:
    """A running broker process and how to reach it."""

    kind: str  # "kafka" or "tansu"
    bootstrap: str  # "127.0.0.1:9092"
    process: subprocess.Popen
    log_path: Path
    data_dir: Path | None = None

    @property
    def port(self) -> int:
        return int(self.bootstrap.rsplit(":", 1)[1])

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (Kafka shuts down cleanly), then SIGKILL after *timeout* seconds."""
        _running.discard(self)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("%s broker did not stop in %.0f s: killing it", self.kind, timeout)
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                self.process.wait(10)

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)

    def __enter__(self) -> BrokerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __hash__(self) -> int:
        return id(self)


_running: set[BrokerHandle] = set()


@atexit.register
def _stop_all() -> None:
    for handle in list(_running):
        handle.stop(timeout=10)


def java_available() -> bool:
    """True when Java 17+ is on PATH (or at $JAVA_HOME/bin/java)."""
    try:
        require_java()
    except KafkaDistError:
        return False
    return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_broker(
    port: int, data_dir: Path, kind: str = "auto", extra_listener: Any = None
) -> BrokerHandle:
    """Start a broker on 127.0.0.1:*port* and return once clients can use it.

    *data_dir* holds Kafka's data (kept across restarts of the same dir) and the log of
    either broker. Raises BrokerStartError (with the log tail) if it does not come up,
    KafkaDistError if Kafka was asked for and Java/Maven are missing.
    *extra_listener* (a kafka_broker.ExtraListener, Kafka only) adds e.g. a SASL_SSL port.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if kind == "auto":
        kind = "kafka" if java_available() else "tansu"
        if kind == "tansu":
            from .tansu_broker import LIMITS

            log.warning("no Java 17+ found: starting the tansu fallback broker.\n%s", LIMITS)
    _check_port_free(port)
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if kind == "kafka":
        from .kafka_broker import launch_kafka

        process, log_path = launch_kafka(port, free_port(), data_dir, extra_listener)
    else:
        from .tansu_broker import launch_tansu

        process, log_path = launch_tansu(port, data_dir)
    handle = BrokerHandle(kind, f"127.0.0.1:{port}", process, log_path, data_dir)
    _running.add(handle)
    try:
        _wait_ready(handle, READY_TIMEOUT_S[kind])
    except BaseException:
        handle.stop(timeout=5)
        raise
    log.info("%s broker ready on %s in %.1f s", kind, handle.bootstrap, time.monotonic() - started)
    return handle


async def create_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int,
    config: dict[str, str] | None = None,
) -> None:
    """Create *names* with *partitions* partitions (replication 1, topic `config`);
    existing ones are fine.

    Returns once every partition has a leader that answers (produce right after is clean).
    """
    from streamapp.kafka.topic_admin import TopicSpec, ensure_topics

    await ensure_topics(bootstrap, [TopicSpec(n, partitions, 1, config or {}) for n in names])


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            raise BrokerStartError(
                f"port {port} on 127.0.0.1 is taken ({exc.strerror}): is a broker already "
                "running? Stop it or choose another port."
            ) from exc


def _wait_ready(handle: BrokerHandle, timeout: float) -> None:
    """Until the port accepts connections AND a metadata request lists a broker."""
    deadline = time.monotonic() + timeout
    last_error = "port not open yet"
    while True:
        code = handle.process.poll()
        if code is not None:
            raise BrokerStartError(
                f"the {handle.kind} broker exited with code {code} while starting\n"
                f"--- {handle.log_path} (tail) ---\n{handle.log_tail()}"
            )
        if _port_open(handle.port):
            try:
                brokers = _run(_metadata_brokers(handle.bootstrap))
                if brokers:
                    return
                last_error = "metadata lists no broker yet"
            except Exception as exc:  # any failure means "not yet"
                last_error = f"{type(exc).__name__}: {exc}"
        if time.monotonic() > deadline:
            raise BrokerStartError(
                f"the {handle.kind} broker on {handle.bootstrap} was not ready after "
                f"{timeout:.0f} s ({last_error})\n"
                f"--- {handle.log_path} (tail) ---\n{handle.log_tail()}"
            )
        time.sleep(0.2)


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


async def _metadata_brokers(bootstrap: str) -> int:
    from aiokafka.client import AIOKafkaClient

    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await asyncio.wait_for(client.bootstrap(), 10)
        return len(client.cluster.brokers())
    finally:
        await client.close()


def _run(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run *coro* to completion, also when called from inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    result: list[_T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target, name="broker-ready-check")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def _tail(path: Path, lines: int) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode(errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    return "\n".join(text.splitlines()[-lines:])
