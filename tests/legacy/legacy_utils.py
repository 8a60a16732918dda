"""Helpers shared by the tests of websockets.legacy."""

from __future__ import annotations

import asyncio
import warnings


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from websockets.legacy.server import WebSocketServer


async def echo(ws):
    async for message in ws:
        await ws.send(message)


def port_of(server: WebSocketServer) -> int:
    return server.sockets[0].getsockname()[1]


def uri_of(server: WebSocketServer, path: str = "/") -> str:
    return f"ws://127.0.0.1:{port_of(server)}{path}"


async def raw_request(server: WebSocketServer, path: str, headers: str = "") -> bytes:
    """Send a WebSocket handshake request; return what the server sends back."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\n"
            f"Upgrade: websocket\r\n"
            f"Connection: Upgrade\r\n"
            f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"Sec-WebSocket-Version: 13\r\n"
            f"{headers}\r\n"
        ).encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        head += await reader.read()
    writer.close()
    return head
