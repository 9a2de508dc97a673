"""What several commands share: settings with the command-line overrides, loading the
intent model before anything connects, and the shape of `NAME load FILE...` (files
checked whole before a compacted topic is written). Not a command (every other module of
this package is one command with `register(subparsers)`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from streamapp.config import Settings

T = TypeVar("T")


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with `--bootstrap` and `--web-port` applied."""
    settings = Settings()
    if getattr(args, "bootstrap", None):
        settings.kafka.bootstrap_servers = args.bootstrap
    if getattr(args, "web_port", None):
        settings.pipeline.web_port = args.web_port
    return settings


def use_classifier_model(settings: Settings, command: str) -> bool:
    """Load the intent model named by STREAMAPP_CLASSIFIER_MODEL (or the shipped one) now;
    False, with one line on stderr saying which file and why, if it cannot be used."""
    from streamapp.analytics.intent_model import ModelError
    from streamapp.analytics.model_file import MODEL_ENV, use_model

    try:
        use_model(settings.pipeline.classifier_model)
    except ModelError as exc:
        print(f"streamapp {command}: {MODEL_ENV}: {exc}", file=sys.stderr)
        return False
    return True


def register_load(
    sub: Any,
    command: str,
    *,
    help: str,
    load_help: str,
    file_help: str,
    func: Callable[[argparse.Namespace], int],
) -> None:
    """`streamapp COMMAND load FILE... [--bootstrap]`: a loader of a compacted topic."""
    parser = sub.add_parser(command, help=help)
    commands = parser.add_subparsers(dest=f"{command}_command", required=True)
    load = commands.add_parser("load", help=load_help)
    load.add_argument("file", nargs="+", help=file_help)
    load.add_argument("--bootstrap", help="overrides KAFKA_BOOTSTRAP_SERVERS")
    load.set_defaults(func=func)


def read_files(
    command: str,
    paths: Sequence[str],
    read: Callable[[Path], list[T]],
    errors: tuple[type[Exception], ...],
) -> list[T] | None:
    """What every file holds, all read and checked before anything is written; None, with
    one line on stderr naming the file (and line) and why, if one cannot be used."""
    try:
        return [item for path in paths for item in read(Path(path))]
    except (*errors, OSError) as exc:
        print(f"streamapp {command}: {exc}", file=sys.stderr)
        return None
