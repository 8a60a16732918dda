"""Client API: connect, errors, timeouts, reconnection, redirects, proxies."""

from __future__ import annotations

import asyncio
import itertools
import logging

import pytest
from asyncio_utils import echo, port_of, uri_of

from websockets.asyncio.client import ClientConnection, connect, process_exception
from websockets.asyncio.server import serve
from websockets.exceptions import InvalidStatus, InvalidURI, SecurityError


async def test_connect_is_awaitable():
    async with serve(echo, "127.0.0.1", 0) as server:
        ws = await connect(uri_of(server))
        assert isinstance(ws, ClientConnection)
        await ws.send("a")
        assert await ws.recv() == "a"
        await ws.close()


async def test_invalid_uri():
    with pytest.raises(InvalidURI):
        await connect("http://127.0.0.1/")


async def test_connection_refused_is_oserror():
    sock_server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = sock_server.sockets[0].getsockname()[1]
    sock_server.close()
    await sock_server.wait_closed()
    with pytest.raises(OSError):
        await connect(f"ws://127.0.0.1:{port}/")


async def test_non_websocket_server_gives_invalid_status():
    async def http(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(http, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    with pytest.raises(InvalidStatus) as excinfo:
        await connect(f"ws://127.0.0.1:{port}/")
    assert excinfo.value.response.status_code == 404
    server.close()


async def test_open_timeout_raises_timeout_error():
    # A server that accepts connections and never answers. It keeps its
    # writers: from Python 3.13, a collected StreamWriter closes its socket.
    writers = []
    server = await asyncio.start_server(
        lambda reader, writer: writers.append(writer), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    with pytest.raises(TimeoutError, match="timed out during opening handshake"):
        await connect(f"ws://127.0.0.1:{port}/", open_timeout=0.05)
    for writer in writers:
        writer.close()
    server.close()


async def test_additional_headers_and_user_agent():
    async def handler(ws):
        await ws.send(ws.request.headers["X-Extra"])
        await ws.send(ws.request.headers.get("User-Agent", "none"))

    async with serve(handler, "127.0.0.1", 0) as server:
        async with connect(
            uri_of(server), additional_headers={"X-Extra": "1"}, user_agent_header=None
        ) as ws:
            assert await ws.recv() == "1"
            assert await ws.recv() == "none"


async def test_follows_redirects():
    def redirect(connection, request):
        if request.path == "/old":
            response = connection.respond(301, "")
            response.headers["Location"] = "/new"
            return response

    async def handler(ws):
        await ws.send(ws.request.path)

    async with serve(handler, "127.0.0.1", 0, process_request=redirect) as server:
        async with connect(uri_of(server, "/old")) as ws:
            assert await ws.recv() == "/new"


async def test_redirect_loop_raises_security_error():
    def redirect(connection, request):
        response = connection.respond(302, "")
        response.headers["Location"] = "/loop"
        return response

    async with serve(echo, "127.0.0.1", 0, process_request=redirect) as server:
        with pytest.raises(SecurityError):
            await connect(uri_of(server))


async def test_process_exception_defaults():
    assert process_exception(OSError()) is None
    assert process_exception(TimeoutError()) is None
    exc = ValueError()
    assert process_exception(exc) is exc


async def test_async_iterator_reconnects_after_transient_errors(caplog):
    attempts = 0

    def flaky(connection, request):
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            return connection.respond(503, "busy\n")

    caplog.set_level(logging.INFO, logger="websockets.client")
    async with serve(echo, "127.0.0.1", 0, process_request=flaky) as server:
        delays = lambda: itertools.repeat(0.0)  # noqa: E731
        async for ws in connect(uri_of(server), reconnect_delays=delays):
            await ws.send("finally")
            assert await ws.recv() == "finally"
            break
    assert attempts == 3
    assert any(
        r.getMessage().startswith("connect failed; reconnecting in 0.0 seconds")
        for r in caplog.records
    )


async def test_async_iterator_raises_fatal_errors():
    def forbid(connection, request):
        return connection.respond(403, "no\n")

    async with serve(echo, "127.0.0.1", 0, process_request=forbid) as server:
        with pytest.raises(InvalidStatus):
            async for _ws in connect(uri_of(server)):
                pytest.fail("should not connect")


async def test_http_connect_proxy():
    """A minimal HTTP CONNECT proxy relays the WebSocket connection."""
    requests = []

    async def relay(reader, writer):
        while data := await reader.read(65536):
            writer.write(data)
        writer.close()

    async def proxy(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        requests.append(head)
        host, port = head.split(b" ")[1].decode().rsplit(":", 1)
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await asyncio.gather(relay(reader, up_writer), relay(up_reader, writer))

    proxy_server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    proxy_port = proxy_server.sockets[0].getsockname()[1]
    async with serve(echo, "127.0.0.1", 0) as server:
        port = port_of(server)
        async with connect(
            uri_of(server), proxy=f"http://user:pass@127.0.0.1:{proxy_port}"
        ) as ws:
            await ws.send("via proxy")
            assert await ws.recv() == "via proxy"
    proxy_server.close()
    assert requests[0].startswith(f"CONNECT 127.0.0.1:{port} HTTP/1.1".encode())
    assert b"Proxy-Authorization: Basic dXNlcjpwYXNz" in requests[0]


async def test_proxy_from_environment_is_bypassed_with_proxy_none(monkeypatch):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    async with serve(echo, "127.0.0.1", 0) as server:
        async with connect(uri_of(server), proxy=None) as ws:
            await ws.send("direct")
            assert await ws.recv() == "direct"
