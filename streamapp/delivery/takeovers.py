"""Per input lane, what the contributions log says was delivered: read once per lane and
consumer generation (the first batch of a lane after a rebalance), then kept."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from streamapp.analytics.offset_ranges import Ranges

log = logging.getLogger(__name__)

# lanes, since (epoch s) -> lane -> platform -> offset ranges
ReadLog = Callable[[set[str], float], Awaitable[dict[str, dict[str, Ranges]]]]

# How far before a lane's last mark to look (the clocks of two pods may differ a little).
MARGIN_SECONDS = 10.0
# A lane never marked yet: how far back its first contributions can lie.
UNMARKED_LOOKBACK_SECONDS = 600.0
# Waits between tries of the look-up; after the last one the batch goes on without it.
RETRY_SECONDS = (1.0, 2.0, 4.0)


class Takeovers:
    def __init__(self, read_log: ReadLog, clock: Callable[[], float]) -> None:
        self.read_log = read_log
        self.clock = clock
        self._found: dict[str, tuple[int, dict[str, Ranges]]] = {}

    async def delivered(
        self, marked_at: dict[str, float | None], generation: int
    ) -> dict[str, dict[str, Ranges]]:
        """For each lane (with the time of its last mark, or None), the platform ->
        offsets found in the log since shortly before that mark."""
        todo = {
            lane: at
            for lane, at in marked_at.items()
            if self._found.get(lane, (None, {}))[0] != generation
        }
        if todo:
            now = self.clock()
            since = min(
                (at if at is not None else now - UNMARKED_LOOKBACK_SECONDS) for at in todo.values()
            )
            found = await self._read(set(todo), since - MARGIN_SECONDS)
            for lane in todo:
                self._found[lane] = (generation, found.get(lane, {}))
        return {lane: self._found[lane][1] for lane in marked_at}

    def forget(self) -> None:
        """Read the log again on each lane's next batch (after a failed batch)."""
        self._found.clear()

    async def _read(self, lanes: set[str], since: float) -> dict[str, dict[str, Ranges]]:
        for wait in (*RETRY_SECONDS, None):
            try:
                return await self.read_log(lanes, since)
            except Exception as exc:  # Kafka unreachable for a moment: try again
                if wait is None:
                    # Stalling every lane for this would be worse than what it prevents.
                    log.warning(
                        "could not read what was delivered on %s (%s); a batch a killed "
                        "worker delivered unmarked may be counted again",
                        ", ".join(sorted(lanes)),
                        exc,
                    )
                    return {}
                await asyncio.sleep(wait)
        return {}
