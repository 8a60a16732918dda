"""
Cancellation and timeouts with websockets.trio over real sockets: no message
is lost or duplicated, and nothing hangs.

"""

from __future__ import annotations

import functools
import random

import pytest
import trio
import trio.testing

from websockets.exceptions import ConnectionClosedError
from websockets.frames import CloseCode
from websockets.trio.client import connect
from websockets.trio.server import serve

from .trio_utils import connection_pair, raw_pair, trio_test


COUNT = 300


async def start_server(nursery, handler, **kwargs):
    server = await nursery.start(
        functools.partial(serve, handler, 0, host="127.0.0.1", **kwargs)
    )
    return server, f"ws://127.0.0.1:{server.listeners[0].socket.getsockname()[1]}/"


async def numbers(websocket):
    # Whole messages and fragmented ones, so that cancellations fall both
    # between messages and between fragments.
    for number in range(COUNT):
        if number % 3 == 0:
            await websocket.send([str(number)[:1], str(number)[1:]])
        else:
            await websocket.send(str(number))
        if number % 7 == 0:
            await trio.sleep(0.001)
    await websocket.wait_closed()


async def receive_under_random_deadlines(websocket, rng):
    received = []
    canceled = 0
    while len(received) < COUNT:
        # Deadlines from "already expired" to "a few milliseconds".
        with trio.move_on_after(rng.choice([0, 0.0001, 0.001, 0.005])) as scope:
            received.append(int(await websocket.recv()))
        canceled += scope.cancelled_caught
    return received, canceled


@trio_test
async def test_recv_under_random_timeouts_loses_and_duplicates_nothing():
    rng = random.Random(42)
    async with trio.open_nursery() as nursery:
        server, uri = await start_server(nursery, numbers)
        async with server:
            async with connect(uri) as websocket:
                received, canceled = await receive_under_random_deadlines(
                    websocket, rng
                )
    assert received == list(range(COUNT))
    # The test exercised cancellation, many times.
    assert canceled > 10


@trio_test
async def test_recv_under_random_timeouts_over_memory_streams():
    rng = random.Random(7)
    async with trio.open_nursery() as nursery:
        client, server = connection_pair(nursery)
        nursery.start_soon(numbers, server)
        received, canceled = await receive_under_random_deadlines(client, rng)
        await client.aclose()
    assert received == list(range(COUNT))
    assert canceled > 10


@trio_test
async def test_send_under_random_timeouts_sends_each_message_once_or_not():
    # A send canceled while it waits for another writer sends nothing: the
    # peer receives exactly the messages whose send() returned.
    rng = random.Random(3)
    received = []
    done = trio.Event()

    async def collect(websocket):
        async for message in websocket:
            received.append(int(message))
        done.set()

    async with trio.open_nursery() as nursery:
        server, uri = await start_server(nursery, collect)
        async with server:
            async with connect(uri) as websocket:
                sent = []
                release = trio.Event()

                async def hold_writer():
                    # Hold the writer now and then, so that sends wait.
                    while not release.is_set():
                        async with websocket.send_lock:
                            await trio.sleep(0.0005)
                        await trio.sleep(0.0005)

                async with trio.open_nursery() as inner:
                    inner.start_soon(hold_writer)
                    for number in range(COUNT):
                        with trio.move_on_after(rng.choice([0, 0.0002, 0.002])):
                            await websocket.send(str(number))
                            sent.append(number)
                    release.set()
            await done.wait()
    assert received == sent
    assert 0 < len(sent) < COUNT


@trio_test
async def test_nursery_cancellation_aborts_server_connections():
    connected = trio.Event()

    async def wait_forever(websocket):
        connected.set()
        await trio.sleep_forever()

    async with trio.open_nursery() as nursery:
        # The server runs in its own nursery, in a task: canceling it, like
        # Ctrl-C would, cancels the handlers but not this test.
        server_scope = trio.CancelScope()
        started = trio.Event()
        uris = []

        async def run_server():
            with server_scope:
                async with trio.open_nursery() as server_nursery:
                    _, uri = await start_server(server_nursery, wait_forever)
                    uris.append(uri)
                    started.set()

        nursery.start_soon(run_server)
        await started.wait()
        async with connect(uris[0]) as websocket:
            await connected.wait()
            server_scope.cancel()
            with pytest.raises(ConnectionClosedError) as raised:
                await websocket.recv()
        assert raised.value.rcvd is None
        assert websocket.close_code == CloseCode.ABNORMAL_CLOSURE


@trio_test
async def test_nursery_cancellation_mid_send_leaves_connection_closed():
    # The peer reads nothing: a large send blocks, then its nursery is
    # canceled. The connection can't continue: it's closed, nothing hangs.
    async with trio.open_nursery() as nursery:
        client, _ = raw_pair(
            nursery, stream_pair=trio.testing.lockstep_stream_pair, close_timeout=0.1
        )
        async with trio.open_nursery() as inner:
            inner.start_soon(client.send, b"x" * 1_000_000)
            await trio.testing.wait_all_tasks_blocked()
            inner.cancel_scope.cancel()
        with pytest.raises(ConnectionClosedError):
            await client.send("next")
        nursery.cancel_scope.cancel()


@trio_test
async def test_cancel_client_mid_handshake_then_connect_again():
    handshakes = []

    async def slow_process_request(connection, request):
        handshakes.append(request.path)
        if request.path == "/slow":
            await trio.sleep_forever()

    async def greet(websocket):
        await websocket.send("hello")

    async with trio.open_nursery() as nursery:
        server, uri = await start_server(
            nursery, greet, process_request=slow_process_request, open_timeout=1
        )
        async with server:
            with trio.move_on_after(0.1) as scope:
                async with connect(uri + "slow"):
                    pytest.fail("the handshake can't complete")
            assert scope.cancelled_caught
            async with connect(uri) as websocket:
                assert await websocket.recv() == "hello"
    assert handshakes == ["/slow", "/"]


@trio_test
async def test_server_open_timeout_closes_silent_connections():
    async with trio.open_nursery() as nursery:
        server, uri = await start_server(nursery, trio.sleep_forever, open_timeout=0.1)
        async with server:
            port = server.listeners[0].socket.getsockname()[1]
            stream = await trio.open_tcp_stream("127.0.0.1", port)
            # Send an incomplete request and nothing else.
            await stream.send_all(b"GET / HTTP/1.1\r\n")
            # The server gives up after open_timeout and closes the TCP
            # connection without an HTTP response.
            assert await stream.receive_some() == b""
            assert server.connections == set()
            await stream.aclose()


@trio_test
async def test_server_aclose_rejects_handshakes_in_progress_with_503():
    release = trio.Event()

    async def wait_for_release(connection, request):
        await release.wait()

    async with trio.open_nursery() as nursery:
        server, uri = await start_server(
            nursery, trio.sleep_forever, process_request=wait_for_release
        )
        port = server.listeners[0].socket.getsockname()[1]
        stream = await trio.open_tcp_stream("127.0.0.1", port)
        await stream.send_all(
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n"
        )
        await trio.testing.wait_all_tasks_blocked()

        async def close_server():
            await server.aclose()

        nursery.start_soon(close_server)
        await trio.testing.wait_all_tasks_blocked()
        release.set()
        response = b""
        while True:
            data = await stream.receive_some()
            if not data:
                break
            response += data
        assert response.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
        assert response.endswith(b"Server is shutting down.\n")
        await stream.aclose()
