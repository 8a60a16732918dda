"""
uvicorn (``--ws auto``, i.e. websockets' Sans-I/O layer, and ``--ws
websockets``, its subclass of the legacy server protocol) and sanic, running
with this project in place of websockets. Run with tests/embedders/ci.sh.

The client is this project's asyncio client, in the test process.

"""

from __future__ import annotations

import asyncio
import os
import secrets

import pytest

from websockets import _accel
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError


pytestmark = [pytest.mark.embedders, pytest.mark.build]

TIMEOUT = 10


def token():
    return secrets.token_hex(8)


async def query_close_code(server, name):
    """
    Ask the server for the close code it saw on connection ``name``.

    It's recorded once the server processes the end of the connection, so
    ask until it's there, within a deadline.

    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        async with connect(f"{server.uri}/query/{name}", open_timeout=TIMEOUT) as ws:
            answer = await asyncio.wait_for(ws.recv(), TIMEOUT)
        if answer != "none" or loop.time() > deadline:
            return answer
        await asyncio.sleep(0.05)


def test_server_runs_this_project_with_the_kernels_of_this_run(server):
    package = os.path.dirname(server.info["websockets"])
    assert package.endswith(os.path.join("_websockets_speedy", "websockets"))
    expected = "pure" if _accel.NO_SPEEDUPS else "compiled"
    assert set(server.info["kernels"].values()) == {expected}


async def test_text_and_binary_messages_echo(server):
    async with connect(f"{server.uri}/echo/{token()}", open_timeout=TIMEOUT) as ws:
        for message in ["hello", "", "café ☕", b"\x00\xff", b""]:
            await ws.send(message)
            assert await asyncio.wait_for(ws.recv(), TIMEOUT) == message


async def test_one_mebibyte_message_echoes(server):
    message = secrets.token_bytes(2**20)
    async with connect(
        f"{server.uri}/echo/{token()}", max_size=2**21, open_timeout=TIMEOUT
    ) as ws:
        await ws.send(message)
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == message
        await ws.send(message.hex()[: 2**20])
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == message.hex()[: 2**20]


async def test_ping_gets_pong(server):
    async with connect(f"{server.uri}/echo/{token()}", open_timeout=TIMEOUT) as ws:
        pong = await ws.ping(b"are you there")
        latency = await asyncio.wait_for(pong, TIMEOUT)
        assert latency >= 0


async def test_server_closes_with_requested_code_and_reason(server):
    async with connect(f"{server.uri}/echo/{token()}", open_timeout=TIMEOUT) as ws:
        await ws.send("close 4001")
        with pytest.raises(ConnectionClosedError):
            await asyncio.wait_for(ws.recv(), TIMEOUT)
    assert ws.close_code == 4001
    assert ws.close_reason == "bye"


@pytest.mark.parametrize("code", [1000, 4002])
async def test_server_sees_client_close_code(server, code):
    name = token()
    async with connect(f"{server.uri}/echo/{name}", open_timeout=TIMEOUT) as ws:
        await ws.send("ready")
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == "ready"
        await asyncio.wait_for(ws.close(code, "client done"), TIMEOUT)
    assert await query_close_code(server, name) == str(code)


async def test_client_disconnecting_abruptly_leaves_server_working(server):
    name = token()
    ws = await connect(f"{server.uri}/echo/{name}", open_timeout=TIMEOUT)
    await ws.send("before")
    assert await asyncio.wait_for(ws.recv(), TIMEOUT) == "before"
    # No closing handshake: the TCP connection just goes away.
    ws.transport.abort()
    # 1006, abnormal closure; uvicorn's Sans-I/O protocol reports 1005
    # itself whenever the TCP connection is lost after the handshake.
    expected = "1005" if server.name == "uvicorn-auto" else "1006"
    assert await query_close_code(server, name) == expected
    async with connect(f"{server.uri}/echo/{token()}", open_timeout=TIMEOUT) as ws:
        await ws.send("after")
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == "after"
    assert server.process.poll() is None


def test_server_logged_no_error(server):
    # Last in this file: by now, every other test ran against this server.
    output = "".join(server.output)
    assert "Traceback" not in output
    assert "ERROR" not in output
    assert server.process.poll() is None
