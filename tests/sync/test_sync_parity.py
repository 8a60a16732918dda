"""
Threading API behaviours that must match websockets 17.4.

"""

from __future__ import annotations

import socket

import pytest

from .sync_utils import run_server


HEADERS = (
    b"Host: example.com\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)


def exchange(server, data: bytes) -> bytes:
    """Send raw bytes; return everything the server sends until it closes."""
    with socket.create_connection(server.socket.getsockname()[:2], timeout=10) as sock:
        sock.sendall(data)
        response = b""
        while chunk := sock.recv(4096):
            response += chunk
    return response


def handler(ws):
    for _ in ws:
        pass


@pytest.mark.parametrize(
    "request_line, status_line",
    [
        (b"POST / HTTP/1.1", b"HTTP/1.1 405 Method Not Allowed"),
        (b"GET / HTTP/1.0", b"HTTP/1.1 505 HTTP Version Not Supported"),
    ],
)
def test_server_rejects_upgrade_that_isnt_http_11_get(request_line, status_line):
    with run_server(handler) as server:
        response = exchange(server, request_line + b"\r\n" + HEADERS)
    assert response.split(b"\r\n")[0] == status_line


def test_process_request_sees_and_answers_post_and_http_10():
    seen = []

    def process_request(connection, request):
        seen.append((request.method, request.protocol))
        return connection.respond(200, "handled\n")

    with run_server(handler, process_request=process_request) as server:
        post = exchange(server, b"POST / HTTP/1.1\r\n" + HEADERS)
        http10 = exchange(server, b"GET / HTTP/1.0\r\n" + HEADERS)
    assert seen == [("POST", "HTTP/1.1"), ("GET", "HTTP/1.0")]
    for response in [post, http10]:
        assert response.startswith(b"HTTP/1.1 200 OK\r\n")
        assert response.endswith(b"\r\n\r\nhandled\n")
