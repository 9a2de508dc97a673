"""The agents' guard: failures are retried with back-off, counted and shown as down;
messages that fail alone are dead-lettered; a failure the input does not cause is not."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from streamapp.observability.metrics import AGENT_RESTARTS
from streamapp.runtime.agent_supervision import AgentGuard, AgentHealth, dead_actors


class Recorder:
    def __init__(self) -> None:
        self.waits: list[float] = []
        self.letters: list[tuple[str, str]] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def dead_letter(self, event: str, reason: str) -> None:
        self.letters.append((event, reason))


def restarts(agent: str) -> float:
    return AGENT_RESTARTS.labels(agent)._value.get()


async def test_a_failing_body_is_retried_with_doubling_waits_and_shown_down_meanwhile():
    health, rec = AgentHealth(), Recorder()
    seen_down: list[dict[str, str]] = []
    calls = 0

    async def body(events):
        nonlocal calls
        calls += 1
        seen_down.append(health.snapshot())
        if calls <= 3:
            raise ConnectionError("broker went away")

    async def sleep(seconds):
        seen_down.append(health.snapshot())
        await rec.sleep(seconds)

    before = restarts("t-retry")
    guard = AgentGuard("t-retry", health, first_wait=1, max_wait=3, split_after=99, sleep=sleep)
    await guard.run(body, ["a"], rec.dead_letter)
    assert calls == 4
    assert rec.waits == [1, 2, 3]  # doubling, capped
    assert restarts("t-retry") - before == 3
    assert seen_down[1] == {"t-retry": "ConnectionError: broker went away"}
    assert health.snapshot() == {}  # up again once it worked
    assert rec.letters == []


async def test_a_message_that_fails_alone_is_dead_lettered_and_the_rest_goes_on():
    health, rec = AgentHealth(), Recorder()
    handled: list[str] = []

    async def body(events):
        if "poison" in events:
            raise ValueError("cannot handle poison")
        handled.extend(events)

    guard = AgentGuard("t-poison", health, split_after=2, sleep=rec.sleep)
    await guard.run(body, ["a", "poison", "b"], rec.dead_letter)
    assert handled == ["a", "b"]
    assert rec.letters == [
        ("poison", "agent t-poison failed on this message: ValueError: cannot handle poison")
    ]
    assert len(rec.waits) == 2 and health.snapshot() == {}


async def test_when_every_message_fails_alone_nothing_is_dead_lettered_and_it_keeps_trying():
    health, rec = AgentHealth(), Recorder()
    outage = {"on": True}

    async def body(events):
        if outage["on"]:
            raise OSError("warehouse down")

    async def sleep(seconds):
        await rec.sleep(seconds)
        if len(rec.waits) == 7:
            outage["on"] = False

    guard = AgentGuard("t-outage", health, split_after=2, sleep=sleep)
    await guard.run(body, ["a", "b", "c"], rec.dead_letter)
    assert rec.letters == []  # the input was not to blame
    assert len(rec.waits) == 7


async def test_cancellation_is_not_swallowed():
    guard = AgentGuard("t-cancel", AgentHealth(), sleep=Recorder().sleep)

    async def body(events):
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await guard.run(body, ["a"])


async def test_the_failure_hook_runs_before_each_retry():
    hooks = []
    calls = 0

    async def body(events):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("half delivered")

    guard = AgentGuard(
        "t-hook", AgentHealth(), sleep=Recorder().sleep, on_failure=lambda: hooks.append(calls)
    )
    await guard.run(body, ["a"])
    assert hooks == [1]


def test_starts_are_counted_per_agent():
    health = AgentHealth()
    assert [health.started("a"), health.started("a"), health.started("b")] == [1, 2, 1]


async def test_an_agent_whose_task_ended_is_named_dead():
    done = asyncio.get_running_loop().create_future()
    done.set_result(None)
    running = asyncio.get_running_loop().create_future()

    def agent(name, task):
        actor = SimpleNamespace(actor_task=task)
        return SimpleNamespace(name=name, supervisor=SimpleNamespace(_services=[actor]))

    app = SimpleNamespace(
        should_stop=False, agents={"a": agent("a", done), "b": agent("b", running)}
    )
    assert dead_actors(app) == ["a"]
    app.should_stop = True  # shutting down: ended tasks are expected
    assert dead_actors(app) == []
    running.cancel()
