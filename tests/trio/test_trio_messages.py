"""websockets.trio.messages: the assembler, waiting with trio."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from websockets.exceptions import ConcurrencyError
from websockets.frames import OP_BINARY, OP_CONT, OP_TEXT, Frame
from websockets.trio.messages import Assembler

from .trio_utils import trio_test


@trio_test
async def test_get_waits_for_the_final_frame():
    assembler = Assembler()
    results = []

    async def get():
        results.append(await assembler.get())

    async with trio.open_nursery() as nursery:
        nursery.start_soon(get)
        await trio.testing.wait_all_tasks_blocked()
        assembler.put(Frame(OP_TEXT, b"ca", fin=False))
        await trio.testing.wait_all_tasks_blocked()
        assert results == []
        assembler.put(Frame(OP_CONT, "fé".encode()))
    assert results == ["café"]


@trio_test
async def test_get_iter_yields_fragments_as_they_arrive():
    assembler = Assembler()
    fragments = []

    async def stream():
        async for fragment in assembler.get_iter():
            fragments.append(fragment)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(stream)
        assembler.put(Frame(OP_BINARY, b"a", fin=False))
        await trio.testing.wait_all_tasks_blocked()
        assert fragments == [b"a"]
        assembler.put(Frame(OP_CONT, b"b"))
    assert fragments == [b"a", b"b"]


@trio_test
async def test_close_wakes_waiting_get_with_eof_error():
    assembler = Assembler()

    async def close_later():
        await trio.testing.wait_all_tasks_blocked()
        assembler.close()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(close_later)
        with pytest.raises(EOFError):
            await assembler.get()
    with pytest.raises(EOFError):
        assembler.put(Frame(OP_TEXT, b"late"))


@trio_test
async def test_concurrent_get_raises_concurrency_error():
    assembler = Assembler()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(assembler.get)
        await trio.testing.wait_all_tasks_blocked()
        with pytest.raises(ConcurrencyError):
            await assembler.get()
        assembler.put(Frame(OP_TEXT, b"unblock"))


def test_flow_control_calls_pause_and_resume():
    calls = []
    assembler = Assembler(
        high=2,
        pause=lambda: calls.append("pause"),
        resume=lambda: calls.append("resume"),
    )

    async def main():
        for _ in range(3):
            assembler.put(Frame(OP_TEXT, b"x"))
        assert calls == ["pause"]
        for _ in range(3):
            await assembler.get()
        assert calls == ["pause", "resume"]

    trio.run(main)
