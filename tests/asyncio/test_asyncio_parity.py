"""
asyncio API behaviours that must match websockets 17.4.

"""

from __future__ import annotations

import asyncio
import logging

import pytest
from asyncio_utils import port_of, uri_of

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosedError, InvalidHeaderValue


HEADERS = (
    b"Host: example.com\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)


async def exchange(port: int, data: bytes) -> bytes:
    """Send raw bytes; return everything the server sends until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


async def handler(ws):
    await ws.wait_closed()


@pytest.mark.parametrize(
    "request_line, status_line",
    [
        (b"POST / HTTP/1.1", b"HTTP/1.1 405 Method Not Allowed"),
        (b"GET / HTTP/1.0", b"HTTP/1.1 505 HTTP Version Not Supported"),
    ],
)
async def test_server_rejects_upgrade_that_isnt_http_11_get(request_line, status_line):
    async with serve(handler, "127.0.0.1", 0) as server:
        response = await exchange(port_of(server), request_line + b"\r\n" + HEADERS)
    assert response.split(b"\r\n")[0] == status_line


async def test_process_request_sees_and_answers_post_and_http_10():
    seen = []

    def process_request(connection, request):
        seen.append((request.method, request.protocol))
        return connection.respond(200, "handled\n")

    async with serve(
        handler, "127.0.0.1", 0, process_request=process_request
    ) as server:
        post = await exchange(port_of(server), b"POST / HTTP/1.1\r\n" + HEADERS)
        http10 = await exchange(port_of(server), b"GET / HTTP/1.0\r\n" + HEADERS)
    assert seen == [("POST", "HTTP/1.1"), ("GET", "HTTP/1.0")]
    for response in [post, http10]:
        assert response.startswith(b"HTTP/1.1 200 OK\r\n")
        assert response.endswith(b"\r\n\r\nhandled\n")


async def test_tls_handshake_is_bounded_by_open_timeout(server_ssl):
    # A client that opens a TCP connection and never speaks TLS.
    async with serve(
        handler, "127.0.0.1", 0, ssl=server_ssl, open_timeout=0.2
    ) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
        try:
            # asyncio's default TLS handshake timeout is 60 seconds.
            assert await asyncio.wait_for(reader.read(), 10) == b""
        finally:
            writer.close()


async def test_connect_cannot_be_entered_twice():
    async with serve(handler, "127.0.0.1", 0) as server:
        client = connect(uri_of(server))
        async with client:
            with pytest.raises(RuntimeError) as raised:
                async with client:
                    pass
            assert str(raised.value) == "connect() isn't reentrant"
        # Like websockets, it may be entered again once exited.
        async with client as ws:
            assert ws.protocol.state.name == "OPEN"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"additional_headers": {"X-A": "b\r\nX: 1"}}, "invalid X-A header: b\r\nX: 1"),
        ({"user_agent_header": "a\nb"}, "invalid User-Agent header: a\nb"),
    ],
)
async def test_header_injection_raises_invalid_header_value(kwargs, message, caplog):
    caplog.set_level(logging.DEBUG)
    async with serve(handler, "127.0.0.1", 0) as server:
        with pytest.raises(InvalidHeaderValue) as raised:
            async with connect(uri_of(server), **kwargs):
                pass
        assert str(raised.value) == message
        # Let connection_lost run: it mustn't log a second traceback.
        await asyncio.sleep(0)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    "message", [b"\xff\xfe", [b"ok", b"\xff"]], ids=["one", "fragmented"]
)
@pytest.mark.parametrize("method", ["recv", "recv_streaming"])
async def test_decoding_invalid_utf8_binary_message_fails_with_1007(message, method):
    async def send_binary(ws):
        await ws.send(message)
        await ws.wait_closed()

    async with serve(send_binary, "127.0.0.1", 0) as server:
        async with connect(uri_of(server)) as ws:
            with pytest.raises(ConnectionClosedError) as raised:
                if method == "recv":
                    await asyncio.wait_for(ws.recv(decode=True), 10)
                else:
                    async for _ in ws.recv_streaming(decode=True):
                        pass
    exc = raised.value
    assert exc.sent.code == 1007
    assert exc.sent.reason.startswith("invalid start byte at position ")
    assert exc.rcvd is None
    assert isinstance(exc.__cause__, UnicodeDecodeError)


async def test_close_rejects_connection_in_opening_handshake_with_503():
    statuses = []

    def process_response(connection, request, response):
        statuses.append(response.status_code)

    request = b"GET / HTTP/1.1\r\n" + HEADERS
    server = await serve(
        handler, "127.0.0.1", 0, process_response=process_response, server_header="S"
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
    try:
        writer.write(request[:20])
        await writer.drain()
        # Wait until the server has the connection, then close the server.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while not server.handlers:
            assert loop.time() < deadline, "connection not accepted"
            await asyncio.sleep(0.005)
        server.close()
        writer.write(request[20:])
        response = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    await asyncio.wait_for(server.wait_closed(), 10)
    assert response.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    assert response.endswith(b"\r\n\r\nServer is shutting down.\n")
    # Like websockets, the hooks ran and saw the upgrade; then the upgrade
    # became a 503, built without the Server header.
    assert statuses == [101]
    assert b"\r\nServer:" not in response
