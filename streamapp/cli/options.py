"""What several commands share: settings with the command-line overrides, and loading the
intent model before anything connects. Not a command (every other module of this package
is one command with `register(subparsers)`)."""

from __future__ import annotations

import argparse
import sys

from streamapp.config import Settings


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
