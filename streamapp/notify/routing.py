"""Which alerts a destination gets: `STREAMAPP_NOTIFY_<DEST>_RULES`, `_PLATFORMS`
(comma-separated, empty = all) and `_MIN_SEVERITY` (`info` < `warning` < `critical`).

The severity filter applies to the firing message: a resolution always says `info`, so
it goes wherever its firing went (the service checks the delivery ledger for that).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SEVERITIES = ("info", "warning", "critical")


def _names(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def severity_rank(severity: object) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


@dataclass(frozen=True)
class Route:
    rules: frozenset[str] = frozenset()
    platforms: frozenset[str] = frozenset()
    min_severity: str = "info"

    @classmethod
    def parse(cls, rules: str = "", platforms: str = "", min_severity: str = "info") -> Route:
        if min_severity not in SEVERITIES:
            raise ValueError(f"min severity must be one of {', '.join(SEVERITIES)}")
        return cls(_names(rules), _names(platforms), min_severity)

    def accepts(self, alert: Mapping[str, Any]) -> bool:
        """For a firing alert; a resolution follows its firing instead."""
        if self.rules and alert.get("rule") not in self.rules:
            return False
        if self.platforms and alert.get("platform") not in self.platforms:
            return False
        return severity_rank(alert.get("severity")) >= severity_rank(self.min_severity)

    def describe(self) -> str:
        parts = []
        if self.rules:
            parts.append("rules " + ",".join(sorted(self.rules)))
        if self.platforms:
            parts.append("platforms " + ",".join(sorted(self.platforms)))
        if self.min_severity != "info":
            parts.append(f"severity >= {self.min_severity}")
        return "; ".join(parts) or "every alert"
