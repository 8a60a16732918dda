"""websockets.asyncio.messages.SimpleQueue, which 17.4 defines there."""

from __future__ import annotations

import asyncio

import pytest

from tests.compat.twin_run import run_twins
from websockets.asyncio.messages import SimpleQueue


async def test_get_returns_items_in_order():
    queue = SimpleQueue()
    queue.put(1)
    queue.put(2)
    assert len(queue) == 2
    assert [await queue.get(), await queue.get()] == [1, 2]
    assert len(queue) == 0


async def test_get_waits_for_put():
    queue = SimpleQueue()
    getter = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    assert not getter.done()
    queue.put("item")
    assert await asyncio.wait_for(getter, 5) == "item"


async def test_put_back_puts_items_at_the_front_in_order():
    queue = SimpleQueue()
    queue.put(3)
    queue.put_back([1, 2])
    assert [await queue.get() for _ in range(3)] == [1, 2, 3]


async def test_get_without_blocking_on_empty_queue_raises_eof():
    with pytest.raises(EOFError, match="stream of frames ended"):
        await SimpleQueue().get(block=False)


async def test_abort_wakes_up_the_waiting_consumer_with_eof():
    queue = SimpleQueue()
    getter = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    queue.abort()
    with pytest.raises(EOFError, match="stream of frames ended"):
        await asyncio.wait_for(getter, 5)


async def test_concurrent_get_is_an_error():
    queue = SimpleQueue()
    first = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    with pytest.raises(AssertionError, match="cannot call get\\(\\) concurrently"):
        await queue.get()
    queue.put(1)
    assert await asyncio.wait_for(first, 5) == 1


async def test_cancelled_get_lets_the_next_one_wait():
    queue = SimpleQueue()
    getter = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    getter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await getter
    queue.put(1)
    assert await asyncio.wait_for(queue.get(), 5) == 1


def test_needs_a_running_event_loop():
    with pytest.raises(RuntimeError):
        SimpleQueue()


SIMPLE_QUEUE_PROGRAM = r"""
import asyncio
from websockets.asyncio.messages import SimpleQueue

async def step(label, awaitable):
    try:
        result = await asyncio.wait_for(awaitable, 0.2)
    except BaseException as exc:
        print(label, "raised", type(exc).__name__, exc)
    else:
        print(label, "->", repr(result))

async def main():
    queue = SimpleQueue()
    queue.put(1); queue.put(2); print(len(queue))
    await step("get", queue.get())
    queue.put_back([7, 8]); print(len(queue))
    for _ in range(3):
        await step("get", queue.get())
    await step("get without blocking", queue.get(block=False))
    getter = asyncio.ensure_future(queue.get()); await asyncio.sleep(0)
    queue.put(5); await step("waiting get", getter)
    getter = asyncio.ensure_future(queue.get()); await asyncio.sleep(0)
    queue.abort(); queue.abort(); await step("aborted get", getter)
    await step("get after abort", queue.get())
    queue.put(9); print(len(queue)); await step("get after abort and put", queue.get())
    other = SimpleQueue()
    first = asyncio.ensure_future(other.get()); await asyncio.sleep(0)
    second = asyncio.ensure_future(other.get()); await asyncio.sleep(0)
    print(second.done(), type(second.exception()).__name__, second.exception())
    other.put(1); await step("first", first)
    print(sorted(vars(SimpleQueue())))

asyncio.run(main())
"""


def test_simple_queue_behaves_as_in_17_4(upstream, tmp_path):
    ours, released = run_twins(upstream, tmp_path, SIMPLE_QUEUE_PROGRAM)
    assert "aborted get raised EOFError stream of frames ended" in released
    assert ours == released
