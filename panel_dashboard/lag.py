"""The worker's lag: what its consumer group has committed against the topics' ends.

Read with the admin API (the group's committed offsets) and a group-less consumer (the
end offsets); neither joins the worker's group, so asking never triggers a rebalance.
"""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient


class LagProbe:
    def __init__(self, bootstrap: str, group: str, prefix: str, options: dict[str, Any]):
        self.group = group
        self.prefix = prefix
        self._admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap, client_id="streamapp-dashboard-lag", **options
        )
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            client_id="streamapp-dashboard-lag",
            **options,
        )

    async def start(self) -> None:
        await self._admin.start()
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def measure(self) -> dict[str, int] | None:
        """Messages not yet committed per topic (prefix removed); None if the group has
        committed nothing (no worker has run yet)."""
        committed = await self._admin.list_consumer_group_offsets(self.group)
        committed = {tp: meta.offset for tp, meta in committed.items() if meta.offset >= 0}
        if not committed:
            return None
        ends = await self._consumer.end_offsets(list(committed))
        return lag_by_topic(committed, ends, self.prefix)


def lag_by_topic(committed: dict[Any, int], ends: dict[Any, int], prefix: str) -> dict[str, int]:
    lag: dict[str, int] = {}
    for tp, offset in committed.items():
        name = tp.topic.removeprefix(prefix)
        lag[name] = lag.get(name, 0) + max(0, ends.get(tp, offset) - offset)
    return lag
