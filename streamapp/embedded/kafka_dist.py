"""Apache Kafka's jars, resolved once from Maven Central with Maven.

Kafka is not on PyPI. Its broker is the ``org.apache.kafka:kafka_2.13`` artifact plus its
runtime dependencies, all on Maven Central, so ``mvn dependency:copy-dependencies`` on a
tiny pom (``kafka-pom.xml``, shipped as package data) gives everything ``java -cp libs/*``
needs. The result is cached per machine:

    $STREAMAPP_KAFKA_CACHE/kafka-4.1.1/      (default ~/.cache/streamapp/kafka-4.1.1/)
        pom.xml        the pom that was resolved
        libs/*.jar     the broker's classpath
        libs/.complete written last: a libs/ without it is redone

A lock file next to it keeps two processes (two test sessions, ``streamapp up`` twice)
from resolving at the same time. Maven also keeps its own copy in ``~/.m2``.
"""

from __future__ import annotations

import fcntl
import importlib.resources
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

KAFKA_VERSION = "4.1.1"
SCALA_VERSION = "2.13"
MIN_JAVA = 17
CACHE_ENV = "STREAMAPP_KAFKA_CACHE"
_MARKER = ".complete"
_MVN_TIMEOUT_S = 900


class KafkaDistError(RuntimeError):
    """Kafka's jars cannot be had: Java or Maven missing, too old, or Maven failed."""


def cache_root() -> Path:
    """Where resolved distributions live: ``$STREAMAPP_KAFKA_CACHE`` or ~/.cache/streamapp."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "streamapp"


def dist_dir(version: str = KAFKA_VERSION) -> Path:
    return cache_root() / f"kafka-{version}"


def libs_dir(version: str = KAFKA_VERSION) -> Path:
    return dist_dir(version) / "libs"


def find_java() -> str | None:
    """``$JAVA_HOME/bin/java`` when it exists, else ``java`` on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("java")


def java_major_version(java: str) -> int | None:
    """The major version of *java* (8 for "1.8.0_x", 17 for "17.0.15"), None if unknown."""
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0_402" -> 8
        major = int(match.group(2))
    return major


def require_java() -> str:
    """The java executable to run Kafka with, or a KafkaDistError that says what to do."""
    java = find_java()
    if java is None:
        raise KafkaDistError(
            f"Java {MIN_JAVA}+ is needed to run Apache Kafka, and no `java` was found "
            "(neither $JAVA_HOME/bin/java nor on PATH). Install a JDK/JRE 17 or newer "
            "(Debian: `apt-get install openjdk-17-jre-headless`), or use the tansu "
            "fallback broker (kind='tansu')."
        )
    major = java_major_version(java)
    if major is None:
        raise KafkaDistError(f"could not tell the version of {java} (`{java} -version` failed)")
    if major < MIN_JAVA:
        raise KafkaDistError(
            f"Apache Kafka {KAFKA_VERSION} needs Java {MIN_JAVA}+, but {java} is Java {major}. "
            "Point JAVA_HOME at a JDK 17 or newer."
        )
    return java


def ensure_kafka_libs(
    version: str = KAFKA_VERSION, progress: Callable[[str], None] | None = print
) -> Path:
    """Return the directory of Kafka's jars, resolving them with Maven on the first call.

    Safe to call from several processes at once: one resolves, the others wait for it.
    """
    libs = libs_dir(version)
    if (libs / _MARKER).is_file():
        return libs
    say = progress or (lambda _msg: None)
    require_java()
    mvn = shutil.which("mvn")
    if mvn is None:
        raise KafkaDistError(
            f"Apache Kafka {version}'s jars are not cached yet ({libs}) and Maven is needed "
            "to fetch them from Maven Central once, but `mvn` is not on PATH. Install "
            "Maven 3.6+ (Debian: `apt-get install maven`)."
        )
    dist = dist_dir(version)
    dist.mkdir(parents=True, exist_ok=True)
    with _locked(dist.parent / f"kafka-{version}.lock", say):
        if (libs / _MARKER).is_file():  # another process did it while we waited
            return libs
        say(f"fetching Apache Kafka {version} jars from Maven Central (first run only)...")
        started = time.monotonic()
        _resolve(mvn, version, dist, libs)
        jars = len(list(libs.glob("*.jar")))
        say(f"Apache Kafka {version}: {jars} jars in {libs} ({time.monotonic() - started:.1f} s)")
    return libs


def classpath(libs: Path) -> str:
    """A java ``-cp`` value for every jar in *libs* (Java expands ``dir/*``)."""
    return str(libs / "*")


@contextmanager
def _locked(lock_path: Path, say: Callable[[str], None]) -> Iterator[None]:
    with open(lock_path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for another process to finish fetching Kafka ({lock_path})...")
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _resolve(mvn: str, version: str, dist: Path, libs: Path) -> None:
    pom = dist / "pom.xml"
    pom.write_bytes(importlib.resources.files(__package__).joinpath("kafka-pom.xml").read_bytes())
    partial = dist / f"libs.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    mvn_log = dist / "mvn.log"
    cmd = [
        mvn,
        "-q",
        "-B",
        "-f",
        str(pom),
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        f"-Dkafka.version={version}",
        f"-DoutputDirectory={partial}",
    ]
    try:
        with open(mvn_log, "w") as out:
            proc = subprocess.run(
                cmd,
                cwd=dist,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=_MVN_TIMEOUT_S,
                check=False,
            )
    except subprocess.TimeoutExpired as exc:
        raise KafkaDistError(f"Maven took more than {_MVN_TIMEOUT_S} s; see {mvn_log}") from exc
    broker_jar = partial / f"kafka_{SCALA_VERSION}-{version}.jar"
    if proc.returncode != 0 or not broker_jar.is_file():
        shutil.rmtree(partial, ignore_errors=True)
        tail = "\n".join(mvn_log.read_text(errors="replace").splitlines()[-30:])
        raise KafkaDistError(
            f"Maven could not fetch Apache Kafka {version} (exit {proc.returncode}): "
            f"`{' '.join(cmd)}`\n--- {mvn_log} (tail) ---\n{tail}"
        )
    (partial / _MARKER).write_text("\n".join(sorted(p.name for p in partial.glob("*.jar"))) + "\n")
    shutil.rmtree(libs, ignore_errors=True)  # a half-made libs/ from an older crash
    partial.rename(libs)
