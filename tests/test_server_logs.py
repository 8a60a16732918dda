"""
Log lines of servers for responses other than 101 Switching Protocols.

A response built by process_request is an HTTP response; after accept(),
a response other than 101 means that the WebSocket handshake was refused.

"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading

import pytest

from websockets.asyncio.client import connect as async_connect
from websockets.asyncio.server import serve as async_serve
from websockets.datastructures import Headers
from websockets.exceptions import InvalidStatus
from websockets.http11 import Request
from websockets.server import ServerProtocol
from websockets.sync.client import connect as sync_connect
from websockets.sync.server import serve as sync_serve


HANDSHAKE_HEADERS = {
    "Host": "example.com",
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
}


def info_messages(caplog):
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "websockets.server" and record.levelno == logging.INFO
    ]


# Sans-I/O


def test_response_without_accept_is_http_response(caplog):
    caplog.set_level(logging.INFO)
    protocol = ServerProtocol()
    protocol.send_response(protocol.reject(403, "Forbidden\n"))
    assert info_messages(caplog) == ["HTTP response sent (403 Forbidden)"]


def test_invalid_request_is_connection_rejected(caplog):
    caplog.set_level(logging.INFO)
    protocol = ServerProtocol()
    response = protocol.accept(Request("/", Headers({"Host": "example.com"})))
    protocol.send_response(response)
    assert info_messages(caplog) == ["connection rejected (426 Upgrade Required)"]


def test_response_replacing_accepted_handshake_is_connection_rejected(caplog):
    caplog.set_level(logging.INFO)
    protocol = ServerProtocol()
    protocol.accept(Request("/", Headers(HANDSHAKE_HEADERS)))
    protocol.send_response(protocol.reject(403, "Forbidden\n"))
    assert info_messages(caplog) == ["connection rejected (403 Forbidden)"]


def test_accepted_handshake_is_connection_open(caplog):
    caplog.set_level(logging.INFO)
    protocol = ServerProtocol()
    protocol.send_response(protocol.accept(Request("/", Headers(HANDSHAKE_HEADERS))))
    assert info_messages(caplog) == ["connection open"]


# asyncio and threading servers


def forbid(connection, request):
    if request.path == "/forbidden":
        return connection.respond(403, "Forbidden\n")


def plain_http_get(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
        response = b""
        while data := sock.recv(4096):
            response += data
    return response


async def handler(websocket):
    pass


def sync_handler(websocket):
    pass


@pytest.mark.parametrize(
    "path, message",
    [
        ("/forbidden", "HTTP response sent (403 Forbidden)"),
        ("/", "connection open"),
    ],
)
async def test_asyncio_server_logs(caplog, path, message):
    caplog.set_level(logging.INFO)
    async with async_serve(handler, "127.0.0.1", 0, process_request=forbid) as server:
        port = server.sockets[0].getsockname()[1]
        try:
            async with async_connect(f"ws://127.0.0.1:{port}{path}"):
                pass
        except InvalidStatus:
            pass
    assert message in info_messages(caplog)
    assert not any(m.startswith("connection rejected") for m in info_messages(caplog))


async def test_asyncio_server_logs_plain_http_request_as_rejected(caplog):
    caplog.set_level(logging.INFO)
    async with async_serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        response = await asyncio.to_thread(plain_http_get, port)
    assert response.startswith(b"HTTP/1.1 426 Upgrade Required\r\n")
    assert "connection rejected (426 Upgrade Required)" in info_messages(caplog)


@pytest.mark.parametrize(
    "path, message",
    [
        ("/forbidden", "HTTP response sent (403 Forbidden)"),
        ("/", "connection open"),
    ],
)
def test_sync_server_logs(caplog, path, message):
    caplog.set_level(logging.INFO)
    with sync_serve(sync_handler, "127.0.0.1", 0, process_request=forbid) as server:
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        try:
            port = server.socket.getsockname()[1]
            try:
                with sync_connect(f"ws://127.0.0.1:{port}{path}"):
                    pass
            except InvalidStatus:
                pass
        finally:
            server.shutdown()
            thread.join()
    assert message in info_messages(caplog)
    assert not any(m.startswith("connection rejected") for m in info_messages(caplog))


def test_sync_server_logs_plain_http_request_as_rejected(caplog):
    caplog.set_level(logging.INFO)
    with sync_serve(sync_handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        try:
            response = plain_http_get(server.socket.getsockname()[1])
        finally:
            server.shutdown()
            thread.join()
    assert response.startswith(b"HTTP/1.1 426 Upgrade Required\r\n")
    assert "connection rejected (426 Upgrade Required)" in info_messages(caplog)
