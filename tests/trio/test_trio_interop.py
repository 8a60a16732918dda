"""
Interoperability with the released websockets' trio implementation, running
in another process: our trio server with its client, and the reverse.

"""

from __future__ import annotations

import functools
import subprocess

import pytest
import trio

from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK
from websockets.frames import CloseCode
from websockets.trio.client import connect
from websockets.trio.server import serve

from .trio_utils import TIMEOUT, trio_test


UPSTREAM_SERVER = r"""
import functools, sys, trio
from websockets.trio.server import serve

async def handler(websocket):
    async for message in websocket:
        if message == "close":
            await websocket.aclose(1001, "upstream says bye")
            return
        if message == "crash":
            raise RuntimeError("crash requested")
        await websocket.send(message)

async def main():
    compression = None if sys.argv[1] == "none" else "deflate"
    async with trio.open_nursery() as nursery:
        server = await nursery.start(
            functools.partial(serve, handler, 0, host="127.0.0.1", compression=compression)
        )
        print(server.listeners[0].socket.getsockname()[1], flush=True)
        # Run until the test closes stdin.
        await trio.to_thread.run_sync(sys.stdin.read)
        await server.aclose()

trio.run(main)
"""

UPSTREAM_CLIENT = r"""
import sys, trio
from websockets.trio.client import connect
from websockets.exceptions import ConnectionClosedOK

async def main():
    compression = None if sys.argv[2] == "none" else "deflate"
    async with connect(sys.argv[1], compression=compression) as websocket:
        for message in ["hello", b"\x00\xff" * 5000, "é" * 70000]:
            await websocket.send(message)
            assert await websocket.recv() == message
        await websocket.send(["frag", "mented"])
        assert await websocket.recv() == "fragmented"
        pong_received = await websocket.ping()
        with trio.fail_after(10):
            await pong_received.wait()
        await websocket.send("close")
        try:
            await websocket.recv()
        except ConnectionClosedOK as exc:
            print("closed", exc.rcvd.code, exc.rcvd.reason, flush=True)
    print("ok", flush=True)

trio.run(main)
"""


@pytest.fixture(params=["deflate", "none"])
def compression(request):
    return request.param


@pytest.fixture
def upstream_server(upstream, compression):
    process = upstream.popen(
        "-c",
        UPSTREAM_SERVER,
        compression,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(process.stdout.readline())
        yield f"ws://127.0.0.1:{port}/"
    finally:
        process.stdin.close()
        process.wait(timeout=TIMEOUT)


@trio_test
async def test_our_client_with_released_trio_server(upstream_server, compression):
    compression = None if compression == "none" else "deflate"
    async with connect(upstream_server, compression=compression) as websocket:
        for message in ["hello", b"\x00\xff" * 5000, "é" * 70000]:
            await websocket.send(message)
            assert await websocket.recv() == message
        await websocket.send(["frag", "mented"])
        assert await websocket.recv() == "fragmented"
        pong_received = await websocket.ping()
        await pong_received.wait()
        await websocket.send("close")
        with pytest.raises(ConnectionClosedOK) as raised:
            await websocket.recv()
    assert raised.value.rcvd.code == CloseCode.GOING_AWAY
    assert raised.value.rcvd.reason == "upstream says bye"


@trio_test
async def test_released_trio_server_handler_error_reaches_our_client(
    upstream_server, compression
):
    async with connect(upstream_server) as websocket:
        await websocket.send("crash")
        with pytest.raises(ConnectionClosedError) as raised:
            await websocket.recv()
    assert raised.value.rcvd.code == CloseCode.INTERNAL_ERROR


@trio_test
async def test_released_trio_client_with_our_server(upstream, compression):
    closes = []

    async def handler(websocket):
        async for message in websocket:
            if message == "close":
                await websocket.aclose(1001, "speedy says bye")
                closes.append(websocket.close_code)
                return
            await websocket.send(message)

    async with trio.open_nursery() as nursery:
        server = await nursery.start(
            functools.partial(
                serve,
                handler,
                0,
                host="127.0.0.1",
                compression=None if compression == "none" else "deflate",
            )
        )
        async with server:
            port = server.listeners[0].socket.getsockname()[1]
            result = await trio.to_thread.run_sync(
                functools.partial(
                    upstream.run,
                    "-c",
                    UPSTREAM_CLIENT,
                    f"ws://127.0.0.1:{port}/",
                    compression,
                    capture_output=True,
                    text=True,
                    timeout=TIMEOUT,
                )
            )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["closed 1001 speedy says bye", "ok"]
    assert closes == [CloseCode.GOING_AWAY]


UPSTREAM_TLS_SERVER = r"""
import functools, ssl, sys, trio
from websockets.trio.server import serve

async def echo(websocket):
    async for message in websocket:
        await websocket.send(message)

async def main():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1])
    async with trio.open_nursery() as nursery:
        server = await nursery.start(
            functools.partial(serve, echo, 0, host="127.0.0.1", ssl=context)
        )
        print(server.listeners[0].socket.getsockname()[1], flush=True)
        await trio.to_thread.run_sync(sys.stdin.read)
        await server.aclose()

trio.run(main)
"""

UPSTREAM_TLS_CLIENT = r"""
import ssl, sys, trio
from websockets.trio.client import connect

async def main():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(sys.argv[2])
    async with connect(sys.argv[1], ssl=context, host="127.0.0.1") as websocket:
        await websocket.send("secret")
        print(await websocket.recv(), flush=True)
    print("closed", websocket.close_code, flush=True)

trio.run(main)
"""


@trio_test
async def test_our_client_with_released_trio_server_over_tls(
    upstream, certs, client_ssl
):
    _, _, _, cert_path = certs
    process = upstream.popen(
        "-c",
        UPSTREAM_TLS_SERVER,
        str(cert_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(await trio.to_thread.run_sync(process.stdout.readline))
        async with connect(
            f"wss://localhost:{port}/", ssl=client_ssl, host="127.0.0.1"
        ) as websocket:
            await websocket.send("secret")
            assert await websocket.recv() == "secret"
        # The closing handshake completed; the released server may drop the
        # TCP connection without a TLS close_notify, which doesn't matter then.
        assert websocket.close_code == CloseCode.NORMAL_CLOSURE
    finally:
        process.stdin.close()
        process.wait(timeout=TIMEOUT)


@trio_test
async def test_released_trio_client_with_our_server_over_tls(
    upstream, certs, server_ssl
):
    _, _, ca_path, _ = certs
    async with trio.open_nursery() as nursery:
        server = await nursery.start(
            functools.partial(serve, echo_handler, 0, host="127.0.0.1", ssl=server_ssl)
        )
        async with server:
            port = server.listeners[0].socket.getsockname()[1]
            result = await trio.to_thread.run_sync(
                functools.partial(
                    upstream.run,
                    "-c",
                    UPSTREAM_TLS_CLIENT,
                    f"wss://localhost:{port}/",
                    str(ca_path),
                    capture_output=True,
                    text=True,
                    timeout=TIMEOUT,
                )
            )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["secret", "closed 1000"]


async def echo_handler(websocket):
    async for message in websocket:
        await websocket.send(message)
