"""
asyncio API behaviours that must match websockets 17.4.

"""

from __future__ import annotations

import asyncio

import pytest
from asyncio_utils import port_of

from websockets.asyncio.server import serve


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
