"""Identifiers (database, schema, table, column, role, warehouse names) cannot be bound
as parameters, so every one that reaches SQL is checked against an allow-list first."""

from __future__ import annotations

import re

# Snowflake's unquoted identifier rules: a letter or underscore, then letters, digits,
# underscores or dollar signs; at most 255 characters.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,254}")


class InvalidIdentifier(ValueError):
    pass


def checked(name: str) -> str:
    """`name` if it is a plain identifier; otherwise InvalidIdentifier (never SQL)."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise InvalidIdentifier(
            f"{name!r} is not an allowed identifier (letters, digits, _ and $, "
            "starting with a letter or _, at most 255 characters)"
        )
    return name
