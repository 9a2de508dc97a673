"""Agents that cannot die of a bug, and health that says when one is down.

Faust does not bring a crashed agent back in a way that works (its replacement actor
re-awaits the finished task), and `take_events` acks the whole buffer when the loop body
raises: one exception would lose a batch and stop the agent for good while `/healthz`
still says ok. So an agent's body runs through `AgentGuard.run`, which never raises:

- a failure marks the agent down (`/healthz` answers 503 naming it), counts a restart
  in `streamapp_agent_restarts_total`, waits (doubling from `first_wait` up to
  `max_wait`) and runs the same input again: the bodies are idempotent, so a retry after
  a transient failure (Kafka, a table) gives what one clean run gives;
- after `split_after` failed runs of a batch, its events are run one at a time: the ones
  that still fail alone go to the dead-letter topic with the error (nothing lost, the
  rest goes on); if every one fails alone, the input is not to blame and the whole batch
  is retried until it works, the agent staying down (Kubernetes restarts the pod).

`dead_actors(app)` also names agents whose Faust task ended anyway, for `/healthz`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from streamapp.observability.metrics import AGENT_RESTARTS

log = logging.getLogger(__name__)

REASON_LIMIT = 300  # characters of an error kept for /healthz and dead letters


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:REASON_LIMIT]


class AgentHealth:
    """Which agents are down now, and why."""

    def __init__(self) -> None:
        self._down: dict[str, str] = {}
        self._starts: dict[str, int] = {}

    def started(self, agent: str) -> int:
        """Count one start of the agent's loop; returns how many there have been."""
        self._starts[agent] = self._starts.get(agent, 0) + 1
        return self._starts[agent]

    def down(self, agent: str, reason: str) -> None:
        self._down[agent] = reason

    def up(self, agent: str) -> None:
        self._down.pop(agent, None)

    def snapshot(self) -> dict[str, str]:
        return dict(self._down)


class AgentGuard:
    def __init__(
        self,
        agent: str,
        health: AgentHealth,
        *,
        first_wait: float = 1.0,
        max_wait: float = 30.0,
        split_after: int = 3,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        on_failure: Callable[[], None] | None = None,
    ) -> None:
        self.agent = agent
        self.health = health
        self.first_wait = first_wait
        self.max_wait = max_wait
        self.split_after = split_after
        self.sleep = sleep
        self.on_failure = on_failure

    async def _failed(self, exc: Exception, failures: int) -> None:
        AGENT_RESTARTS.labels(self.agent).inc()
        if self.on_failure is not None:
            self.on_failure()
        self.health.down(self.agent, describe(exc))
        wait = min(self.first_wait * 2 ** (failures - 1), self.max_wait)
        log.error(
            "agent %s failed (%d in a row), restarting it in %.1f s: %s",
            self.agent,
            failures,
            wait,
            describe(exc),
            exc_info=exc,
        )
        await self.sleep(wait)

    async def run(
        self,
        body: Callable[[Sequence[Any]], Awaitable[None]],
        events: Sequence[Any],
        dead_letter: Callable[[Any, str], Awaitable[None]] | None = None,
    ) -> None:
        """`body(events)` until it works; never raises (but CancelledError)."""
        failures = 0
        while True:
            try:
                await body(events)
                self.health.up(self.agent)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                await self._failed(exc, failures)
            splittable = dead_letter is not None and len(events) > 1
            if (
                splittable
                and failures % self.split_after == 0
                and await self._one_at_a_time(body, events, dead_letter)  # type: ignore[arg-type]
            ):
                return

    async def _one_at_a_time(
        self,
        body: Callable[[Sequence[Any]], Awaitable[None]],
        events: Sequence[Any],
        dead_letter: Callable[[Any, str], Awaitable[None]],
    ) -> bool:
        """Run each event alone; dead-letter those that fail alone. False (nothing
        dead-lettered) when every event failed: then the input is not the cause."""
        failed: list[tuple[Any, Exception]] = []
        for event in events:
            try:
                await body([event])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failed.append((event, exc))
        if len(failed) == len(events):
            return False
        for event, exc in failed:
            reason = f"agent {self.agent} failed on this message: {describe(exc)}"
            # Retried like any body (sending can fail too), never split again.
            await self.run(lambda batch, r=reason: dead_letter(batch[0], r), [event])
        self.health.up(self.agent)
        return True


def dead_actors(app: Any) -> list[str]:
    """Agents of a running app with an actor whose task has ended."""
    if getattr(app, "should_stop", False):
        return []
    dead = []
    for name, agent in app.agents.items():
        supervisor = getattr(agent, "supervisor", None)
        for actor in getattr(supervisor, "_services", ()) or ():
            task = getattr(actor, "actor_task", None)
            if task is not None and task.done():
                dead.append(str(getattr(agent, "name", name)))
                break
    return dead
