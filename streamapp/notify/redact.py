"""Secrets never reach logs, errors or dead letters.

Webhook URLs carry their token in the path (Slack's `/services/T.../B.../XXXX`), a URL
may carry `user:password@`, and the SMTP password and HMAC key are secrets outright. A
destination is therefore named by its kind and its host only (`slack hooks.slack.com`),
and every text that leaves the process from a delivery (an exception's message, a
server's answer) goes through `Redactor.scrub`, which masks each known secret and any URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

MASK = "***"
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def redacted_host(url: str) -> str:
    """`https://user:pw@hooks.slack.com:443/services/...` -> `hooks.slack.com:443`."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "an invalid URL"
    if not host:
        return "an invalid URL"
    return f"{host}:{port}" if port else host


class Redactor:
    """Masks the given secrets (and the parts of a URL that could be secret) in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        pieces: dict[str, str] = {}  # secret text -> what replaces it
        for secret in secrets:
            secret = secret.strip()
            if len(secret) < 4:  # too short to mask without garbling the text
                continue
            pieces[secret] = MASK
            try:
                parts = urlsplit(secret)
            except ValueError:
                continue
            if parts.scheme and parts.netloc:
                pieces[secret] = f"<{redacted_host(secret)}>"  # a whole URL: its host
                # The path and query hold webhook tokens; userinfo holds passwords.
                for part in (
                    parts.path if len(parts.path) > 1 else "",
                    parts.query,
                    parts.password,
                ):
                    if part:
                        pieces.setdefault(part, MASK)
        self._pieces = sorted(pieces.items(), key=lambda item: len(item[0]), reverse=True)

    def scrub(self, text: str) -> str:
        for piece, replacement in self._pieces:
            text = text.replace(piece, replacement)
        # Any URL left (a redirect target, say): keep its host only.
        return _URL.sub(lambda m: f"<{redacted_host(m.group(0))}>", text)
