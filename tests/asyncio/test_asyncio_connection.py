"""Connection API: messages, fragmentation, close, ping, flow control."""

from __future__ import annotations

import asyncio
import os

import pytest
from asyncio_utils import echo, pair, run_loop_iterations, uri_of, wait_for

from websockets.asyncio.client import connect
from websockets.asyncio.connection import Connection
from websockets.asyncio.server import serve
from websockets.exceptions import (
    ConcurrencyError,
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
)
from websockets.protocol import State


async def test_connection_is_a_buffered_protocol():
    assert issubclass(Connection, asyncio.BufferedProtocol)


async def test_echo_text_and_binary():
    async with pair() as (_, ws):
        await ws.send("héllo")
        assert await ws.recv() == "héllo"
        await ws.send(b"\x00\xff")
        assert await ws.recv() == b"\x00\xff"
        await ws.send(bytearray(b"ba"))
        assert await ws.recv() == b"ba"
        await ws.send(memoryview(b"mv"))
        assert await ws.recv() == b"mv"


async def test_recv_decode_overrides():
    async with pair() as (_, ws):
        await ws.send("text")
        assert await ws.recv(decode=False) == b"text"
        await ws.send(b"bytes")
        assert await ws.recv(decode=True) == "bytes"


async def test_send_text_flag():
    async with pair() as (_, ws):
        await ws.send(b"utf8", text=True)
        assert await ws.recv() == "utf8"
        await ws.send("bin", text=False)
        assert await ws.recv() == b"bin"


async def test_queued_messages_are_returned_in_order():
    async def burst(ws):
        for i in range(10):
            await ws.send(str(i))
        await ws.wait_closed()

    async with pair(burst) as (_, ws):
        await wait_for(lambda: len(ws.recv_messages.frames) == 10)
        assert [await ws.recv() for _ in range(10)] == [str(i) for i in range(10)]


async def test_send_fragmented_iterable_and_async_iterable():
    async with pair() as (_, ws):
        await ws.send(["ab", "cd", "ef"])
        assert await ws.recv() == "abcdef"
        await ws.send([b"ab", bytearray(b"cd")])
        assert await ws.recv() == b"abcd"

        async def agen():
            yield "x"
            await asyncio.sleep(0)
            yield "y"

        await ws.send(agen())
        assert await ws.recv() == "xy"
        # Empty iterables send nothing.
        await ws.send([])
        await ws.send("after")
        assert await ws.recv() == "after"


async def test_recv_streaming_yields_fragments():
    async def fragments(ws):
        await ws.send(["a", "b", "c"])
        await ws.send([b"1", b"2"])
        await ws.wait_closed()

    async with pair(fragments) as (_, ws):
        # send() ends a fragmented message with an empty final frame.
        assert [f async for f in ws.recv_streaming()] == ["a", "b", "c", ""]
        assert [f async for f in ws.recv_streaming()] == [b"1", b"2", b""]


async def test_send_rejects_bad_types():
    async with pair() as (_, ws):
        with pytest.raises(TypeError, match="dict-like"):
            await ws.send({"a": 1})
        with pytest.raises(TypeError, match="str, bytes, iterable"):
            await ws.send(42)
        await ws.send("still open")
        assert await ws.recv() == "still open"
        with pytest.raises(TypeError, match="uniform types"):
            await ws.send(["a", b"b"])
        with pytest.raises(ConnectionClosedError) as excinfo:
            await ws.recv()
        assert excinfo.value.sent.code == 1011
        assert excinfo.value.sent.reason == "error in fragmented message"


async def test_concurrent_recv_raises_concurrency_error():
    async with pair() as (_, ws):
        task = asyncio.create_task(ws.recv())
        await asyncio.sleep(0)
        with pytest.raises(ConcurrencyError):
            await ws.recv()
        await ws.send("x")
        assert await task == "x"


async def test_recv_cancellation_loses_nothing():
    async with pair() as (_, ws):
        task = asyncio.create_task(ws.recv())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await ws.send("kept")
        assert await ws.recv() == "kept"


@pytest.mark.parametrize("code", [1000, 1001])
async def test_async_iteration_ends_quietly_on_normal_closure(code):
    async def close_with(ws):
        await ws.send("one")
        await ws.close(code)

    async with pair(close_with) as (_, ws):
        assert [m async for m in ws] == ["one"]
        assert ws.close_code == code


async def test_async_iteration_raises_on_error_closure():
    async def close_with(ws):
        await ws.close(4000, "custom")

    async with pair(close_with) as (_, ws):
        with pytest.raises(ConnectionClosedError) as excinfo:
            async for _ in ws:
                pass
        assert excinfo.value.rcvd.code == 4000
        assert excinfo.value.rcvd.reason == "custom"
        assert ws.close_reason == "custom"


async def test_recv_after_close_raises_connection_closed_ok():
    async with pair() as (_, ws):
        await ws.close()
        with pytest.raises(ConnectionClosedOK):
            await ws.recv()
        with pytest.raises(ConnectionClosedOK):
            await ws.send("x")
        assert ws.state is State.CLOSED
        # close() is idempotent.
        await ws.close()


async def test_close_code_and_reason_reach_the_peer():
    seen = []

    async def handler(ws):
        try:
            await ws.recv()
        except ConnectionClosed as exc:
            seen.append((exc.rcvd.code, exc.rcvd.reason, type(exc)))

    async with pair(handler) as (_, ws):
        await ws.close(4001, "bye")
        await ws.wait_closed()
    assert seen == [(4001, "bye", ConnectionClosedError)]


async def test_ping_returns_awaitable_latency():
    async with pair() as (_, ws):
        assert ws.latency == 0
        pong_waiter = await ws.ping()
        latency = await pong_waiter
        assert latency > 0
        assert ws.latency == latency
        waiter = await ws.ping("text payload")
        await waiter
        waiter = await ws.ping(b"x")
        with pytest.raises(ConcurrencyError):
            await ws.ping(b"x")
        await waiter
        with pytest.raises(TypeError):
            await ws.ping(1)


async def test_pending_pings_fail_when_connection_closes():
    async def silent(ws):
        # Close TCP abruptly, without answering pings.
        ws.transport.abort()

    async with pair(silent) as (_, ws):
        await ws.wait_closed()
    async with pair() as (_, ws):
        ws.transport.pause_reading()  # nothing will come back
        waiter = await ws.ping()
        ws.transport.abort()
        with pytest.raises(ConnectionClosed):
            await waiter


async def test_pong_is_sent():
    async with pair() as (_, ws):
        await ws.pong(b"unsolicited")
        await ws.pong("str")
        await ws.send("ok")
        assert await ws.recv() == "ok"


async def test_attributes():
    async with pair(subprotocols=None) as (server, ws):
        assert ws.request.path == "/"
        assert ws.response.status_code == 101
        assert ws.subprotocol is None
        assert ws.local_address[0] == "127.0.0.1"
        assert ws.remote_address == ("127.0.0.1", server.sockets[0].getsockname()[1])
        assert ws.state is State.OPEN
        assert ws.close_code is None and ws.close_reason is None
        assert ws.id is not None
        assert ws.logger.logger.name == "websockets.client"
        (sconn,) = server.connections
        assert sconn.logger.logger.name == "websockets.server"
        assert sconn.remote_address == ws.local_address


async def test_abrupt_disconnect_raises_connection_closed_error():
    async def abort(ws):
        ws.transport.abort()

    async with pair(abort) as (_, ws):
        with pytest.raises(ConnectionClosedError) as excinfo:
            await ws.recv()
        assert excinfo.value.rcvd is None


async def test_max_size_closes_with_1009():
    async with pair(max_size=10) as (_, ws):
        await ws.send("x" * 20)
        with pytest.raises(ConnectionClosedError) as excinfo:
            await ws.recv()
        assert excinfo.value.sent.code == 1009


async def test_reading_pauses_above_max_queue_and_resumes_below_low_water():
    release = asyncio.Event()
    sent_all = asyncio.Event()

    async def flood(ws):
        for i in range(40):
            await ws.send(str(i))
        sent_all.set()
        await release.wait()

    async with pair(flood, max_queue=(8, 2)) as (_, ws):
        await wait_for(lambda: ws.reading_paused)
        # Every message is now in the client's socket (loopback delivers
        # within send()); a reading transport would take them in a few loop
        # iterations. Reading stopped: the queue didn't grow to 40.
        await asyncio.wait_for(sent_all.wait(), 5)
        await run_loop_iterations()
        assert 8 < len(ws.recv_messages.frames) < 40
        received = [await ws.recv() for _ in range(40)]
        assert received == [str(i) for i in range(40)]
        assert not ws.reading_paused
        release.set()


async def test_send_waits_while_write_buffer_is_above_write_limit():
    async def stall(ws):
        ws.transport.pause_reading()
        await ws.wait_closed()

    async with serve(stall, "127.0.0.1", 0) as server:
        ws = await connect(
            uri_of(server), write_limit=1024, close_timeout=0.1, compression=None
        )
        message = os.urandom(65536)
        sent = 0

        async def sender():
            nonlocal sent
            while True:
                await ws.send(message)
                sent += 1

        task = asyncio.create_task(sender())
        await wait_for(lambda: ws.paused)
        count = sent
        await run_loop_iterations()
        # send() is blocked: no more messages went out.
        assert sent == count
        assert not task.done()
        task.cancel()
        ws.transport.abort()
        server.close(close_connections=False)
        for conn in list(server.handlers):
            conn.transport.abort()


async def test_keepalive_pings_measure_latency():
    async with pair(ping_interval=0.02, ping_timeout=1) as (_, ws):
        await wait_for(lambda: ws.latency > 0)


async def test_keepalive_timeout_closes_with_1011():
    async def deaf(ws):
        ws.transport.pause_reading()
        await ws.wait_closed()

    async with serve(deaf, "127.0.0.1", 0) as server:
        ws = await connect(
            uri_of(server), ping_interval=0.02, ping_timeout=0.02, close_timeout=0.1
        )
        with pytest.raises(ConnectionClosedError) as excinfo:
            await ws.recv()
        assert excinfo.value.sent.code == 1011
        assert excinfo.value.sent.reason == "keepalive ping timeout"
        for conn in list(server.handlers):
            conn.transport.abort()


async def test_echo_16_mib_message():
    big = b"\x01" * (16 * 2**20)
    async with pair(server_kwargs={"max_size": None}, max_size=None) as (_, ws):
        await ws.send(big)
        assert await ws.recv() == big


async def test_aexit_with_exception_closes_with_1011():
    seen = []

    async def handler(ws):
        await ws.wait_closed()
        seen.append(ws.close_code)

    async with serve(handler, "127.0.0.1", 0) as server:
        with pytest.raises(KeyError):
            async with connect(uri_of(server)):
                raise KeyError
        await wait_for(lambda: seen)
    assert seen == [1011]


async def test_echo_on_uvloop():
    uvloop = pytest.importorskip("uvloop")

    async def main():
        async with pair(echo) as (_, ws):
            await ws.send("uv")
            assert await ws.recv() == "uv"
            await ws.send(b"x" * 100000)
            assert len(await ws.recv()) == 100000

    # Run in a fresh uvloop event loop, in a thread so it doesn't clash
    # with the running loop of this test.
    await asyncio.to_thread(uvloop.run, main())


async def test_close_exc_is_available_once_closed():
    async def handler(ws):
        await ws.close(4000, "bye")

    async with serve(handler, "127.0.0.1", 0) as server:
        async with connect(uri_of(server)) as ws:
            with pytest.raises(ConnectionClosed):
                await ws.recv()
            exc = ws.close_exc
            assert exc.rcvd.code == 4000
            assert exc.rcvd.reason == "bye"
