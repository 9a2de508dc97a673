"""agents/adaptive_take.py on a real Faust stream (Faust's agent test_context, no
broker): a lone record is handed over at once, a burst in batches of at most max_, and
nothing is acknowledged by the take itself."""

import asyncio

import faust
import pytest

from streamapp.agents.adaptive_take import adaptive_take

WITHIN = 30.0  # far longer than any test waits: a batch that waited for it would time out


@pytest.fixture
def app():
    app = faust.App("adaptive-take-test", store="memory://", autodiscover=False)
    app.finalize()
    app.flow_control.resume()
    return app


def batching_agent(app, batches, acked_at_yield, max_=3):
    @app.agent()
    async def batcher(stream):
        async for batch in adaptive_take(stream, max_, WITHIN):
            acked_at_yield.extend(e.message.acked for e in batch)
            batches.append([e.value for e in batch])
            for event in batch:
                await stream.ack(event)

    return batcher


async def wait_for_values(batches, count):
    while sum(len(b) for b in batches) < count:
        await asyncio.sleep(0.01)


async def test_a_lone_record_is_handed_over_without_waiting_for_the_window(app):
    batches, acked = [], []
    agent = batching_agent(app, batches, acked)
    async with agent.test_context() as tested:
        await tested.put("one")
        await asyncio.wait_for(wait_for_values(batches, 1), timeout=5)
        await tested.put("two")
        await asyncio.wait_for(wait_for_values(batches, 2), timeout=5)
    assert batches == [["one"], ["two"]]
    assert acked == [False, False]  # the caller acks, after handling


async def test_a_burst_comes_in_batches_of_at_most_max(app):
    batches, acked = [], []
    agent = batching_agent(app, batches, acked, max_=3)
    async with agent.test_context() as tested:
        for i in range(8):  # put does not let the agent run: all eight are waiting
            await tested.put(i)
        await asyncio.wait_for(wait_for_values(batches, 8), timeout=5)
    assert [v for b in batches for v in b] == list(range(8))
    assert batches == [[0, 1, 2], [3, 4, 5], [6, 7]]
    assert not any(acked)
