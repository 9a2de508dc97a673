"""Hand-written fakes for unit tests of our own logic (real brokers in tests/integration)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeTopic:
    name: str
    sent: list[tuple[Any, Any, int | None]] = field(default_factory=list)

    async def send(self, key: Any = None, value: Any = None, partition: int | None = None) -> None:
        self.sent.append((key, value, partition))

    @property
    def values(self) -> list[Any]:
        return [value for _, value, _ in self.sent]


class FakeTable(dict):
    """Faust tables are mutable mappings; a dict is the honest in-memory stand-in."""
