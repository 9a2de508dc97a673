"""A single-node Apache Kafka (KRaft, broker and controller in one JVM) in a data dir.

The way Kafka's own scripts do it: write ``server.properties``, format the storage once
with ``kafka.tools.StorageTool``, then run ``kafka.Kafka server.properties``. Layout:

    <data_dir>/server.properties     rewritten at every start (ports may change)
    <data_dir>/log4j2.properties     logging: INFO to stdout, which goes to kafka.log
    <data_dir>/kafka.log             the broker's log (kept across restarts, rotated at 20 MB)
    <data_dir>/kafka-logs/           log.dirs: the topics' data and the KRaft metadata log

The controller quorum is static (``controller.quorum.voters``, kraft.version 0), so the
controller port can be a new free port at every start while the data survives restarts.
Readiness and stopping are the caller's business (see broker.py).
"""

from __future__ import annotations

import base64
import os
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from streamapp.local.spawn import spawn_logged

from .kafka_dist import KafkaDistError, classpath, ensure_kafka_libs, require_java

HEAP = "512m"
_STORAGE_TOOL = "kafka.tools.StorageTool"
_MAIN = "kafka.Kafka"
_LOG_ROTATE_BYTES = 20 * 1024 * 1024

_LOG4J2 = """\
# written by streamapp.embedded.kafka_broker
status = warn
name = streamapp-embedded-kafka
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
logger.clientconfig.name = org.apache.kafka.clients
logger.clientconfig.level = WARN
# the full config dump (4 x 300 lines per start); server.properties is beside this file
logger.configdump.name = org.apache.kafka.common.config.AbstractConfig
logger.configdump.level = WARN
"""

_JVM_FLAGS = [
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
    "-Djava.net.preferIPv4Stack=true",
]


@dataclass
class ExtraListener:
    """A second client listener beside PLAINTEXT, e.g. SASL_SSL for the security tests.

    PLAINTEXT stays (readiness checks, admin tools); `properties` are written as they are
    (e.g. ``listener.name.secure.ssl.keystore.location``).
    """

    name: str  # e.g. "SECURE"
    protocol: str  # SSL, SASL_SSL, SASL_PLAINTEXT
    port: int
    properties: Mapping[str, str] = field(default_factory=dict)


def server_properties(
    port: int, controller_port: int, log_dir: Path, extra: ExtraListener | None = None
) -> str:
    # An extra listener joins the three listener lines; its own properties go at the end.
    x_listen = f",{extra.name}://127.0.0.1:{extra.port}" if extra else ""
    x_map = f",{extra.name}:{extra.protocol}" if extra else ""
    x_props = "".join(f"{k}={v}\n" for k, v in (extra.properties if extra else {}).items())
    return f"""\
# written by streamapp.embedded.kafka_broker at every start
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller_port}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}{x_listen}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}{x_listen}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT{x_map}
log.dirs={log_dir}
num.partitions=4
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
{x_props}"""


def new_cluster_id() -> str:
    """A Kafka cluster id: a random UUID in URL-safe base64 without padding (22 chars).

    Never one that starts with "-": the storage tool would read it as an option (Kafka's
    own id generator skips those too).
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def is_formatted(log_dir: Path) -> bool:
    return (log_dir / "meta.properties").is_file()


def launch_kafka(
    port: int, controller_port: int, data_dir: Path, extra: ExtraListener | None = None
) -> tuple[subprocess.Popen, Path]:
    """Write the config, format storage if it is new, start the JVM; return (process, log).

    Returns at once: the broker is not ready yet.
    """
    java = require_java()
    libs = ensure_kafka_libs()
    data_dir = Path(data_dir).resolve()
    log_dir = data_dir / "kafka-logs"
    data_dir.mkdir(parents=True, exist_ok=True)
    props = data_dir / "server.properties"
    props.write_text(server_properties(port, controller_port, log_dir, extra))
    log4j = data_dir / "log4j2.properties"
    log4j.write_text(_LOG4J2)
    log_path = data_dir / "kafka.log"
    _rotate(log_path)
    base = [java, f"-Dlog4j2.configurationFile={log4j}", "-cp", classpath(libs)]
    if not is_formatted(log_dir):
        _format_storage(base, props, log_path)
    cmd = [java, f"-Xmx{HEAP}", "-Xms128m", *_JVM_FLAGS, *base[1:], _MAIN, str(props)]
    return spawn_logged(cmd, log_path, cwd=data_dir, env=_env()), log_path


def _format_storage(base: list[str], props: Path, log_path: Path) -> None:
    cmd = [
        base[0],
        "-Xmx256m",
        "-XX:TieredStopAtLevel=1",  # a short-lived tool: C1 only starts faster
        *base[1:],
        _STORAGE_TOOL,
        "format",
        "--cluster-id",
        new_cluster_id(),
        "--config",
        str(props),
        "--ignore-formatted",
    ]
    with open(log_path, "ab") as log:
        log.write(f"--- formatting storage: {' '.join(cmd)}\n".encode())
        log.flush()
        proc = subprocess.run(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=120,
            check=False,
            env=_env(),
        )
    if proc.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
        raise KafkaDistError(
            f"formatting Kafka storage failed (exit {proc.returncode})\n"
            f"--- {log_path} (tail) ---\n{tail}"
        )


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Kafka's scripts read these; a stray one from the user's shell must not leak in.
    for name in ("KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "CLASSPATH"):
        env.pop(name, None)
    return env


def _rotate(log_path: Path) -> None:
    try:
        if log_path.stat().st_size > _LOG_ROTATE_BYTES:
            log_path.replace(log_path.with_name(log_path.name + ".1"))
    except FileNotFoundError:
        pass
