"""Starting child processes the way every part of `up` needs them."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the parent dies, even by SIGKILL, so a
    killed `streamapp up` never leaves a worker or broker running on its own."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _child_setup() -> Callable[[], None] | None:
    return _die_with_parent if sys.platform.startswith("linux") else None


def spawn_logged(
    cmd: Sequence[str],
    log_path: Path,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen:
    """Start `cmd` with stdout and stderr appended to `log_path`.

    The child gets its own session: Ctrl-C in a terminal reaches only its parent, which
    then stops its children in order (simulator, workers, broker).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_child_setup(),  # noqa: PLW1509 - only prctl, no locks or threads
        )
