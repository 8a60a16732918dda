"""
Opening handshake behaviours of the Sans-I/O layer, as in websockets 17.4.

"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import textwrap

import pytest

from websockets.exceptions import (
    HeaderLineTooLong,
    InvalidMessage,
    InvalidMethod,
    InvalidProtocol,
    StatusLineTooLong,
)
from websockets.server import ServerProtocol


HEADERS = (
    b"Host: example.com\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)


def handshake(request_line: bytes, headers: bytes = HEADERS):
    server = ServerProtocol()
    server.receive_data(request_line + headers)
    [request] = server.events_received()
    response = server.accept(request)
    server.send_response(response)
    return server, request, response


@pytest.mark.parametrize("method", ["POST", "PUT", "HEAD", "DELETE"])
def test_non_get_request_gets_405_with_allow_header(method):
    server, request, response = handshake(f"{method} / HTTP/1.1\r\n".encode())
    assert response.status_code == 405
    assert response.reason_phrase == "Method Not Allowed"
    assert response.headers["Allow"] == "GET"
    assert (
        response.body
        == (
            f"Failed to open a WebSocket connection: unsupported HTTP method: {method}.\n"
        ).encode()
    )
    assert isinstance(server.handshake_exc, InvalidMethod)
    assert server.handshake_exc.method == method
    assert request._exception is server.handshake_exc
    assert server.data_to_send()[-1] == b""  # the server closes the connection


def test_http_10_request_gets_505():
    server, request, response = handshake(b"GET / HTTP/1.0\r\n")
    assert response.status_code == 505
    assert response.reason_phrase == "HTTP Version Not Supported"
    assert "Allow" not in response.headers
    assert response.body == (
        b"Failed to open a WebSocket connection: unsupported HTTP version: HTTP/1.0.\n"
    )
    assert isinstance(server.handshake_exc, InvalidProtocol)
    assert server.handshake_exc.protocol == "HTTP/1.0"


def test_method_is_checked_before_version_and_headers():
    server, _, response = handshake(b"PUT / HTTP/1.0\r\n", b"Host: x\r\n\r\n")
    assert response.status_code == 405
    assert isinstance(server.handshake_exc, InvalidMethod)


def test_version_is_checked_before_headers():
    server, _, response = handshake(b"GET / HTTP/1.0\r\n", b"Host: x\r\n\r\n")
    assert response.status_code == 505
    assert isinstance(server.handshake_exc, InvalidProtocol)


def test_request_log_shows_method_and_version(caplog):
    with caplog.at_level(logging.DEBUG, logger="websockets.server"):
        handshake(b"POST /path HTTP/1.0\r\n")
    messages = [record.getMessage() for record in caplog.records]
    assert "< POST /path HTTP/1.0" in messages
    [record] = [r for r in caplog.records if r.getMessage() == "! invalid method"]
    assert record.exc_info is not None
    assert record.exc_info[0] is InvalidMethod
    assert "connection rejected (405 Method Not Allowed)" in messages


def test_http_10_rejection_is_logged_as_invalid_protocol(caplog):
    with caplog.at_level(logging.DEBUG, logger="websockets.server"):
        handshake(b"GET / HTTP/1.0\r\n")
    [record] = [r for r in caplog.records if r.getMessage() == "! invalid protocol"]
    assert record.exc_info is not None
    assert record.exc_info[0] is InvalidProtocol


SANS_IO_REJECTIONS = textwrap.dedent(
    r"""
    import logging, sys
    logging.basicConfig(
        level=logging.DEBUG, stream=sys.stdout,
        format="%(levelname)s %(name)s %(message)s",
    )
    from websockets.server import ServerProtocol
    headers = (
        b"Host: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    for line in [b"POST / HTTP/1.1", b"GET / HTTP/1.0", b"PUT /x HTTP/1.0"]:
        server = ServerProtocol()
        server.receive_data(line + b"\r\n" + headers)
        [request] = server.events_received()
        response = server.accept(request)
        response.headers["Date"] = "fixed"
        server.send_response(response)
        print(repr(server.handshake_exc), repr(request.exception))
        print(server.data_to_send())
    """
)


# The two processes may run in different seconds: compare without the date.
HTTP_DATE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")


def without_tracebacks(output: str) -> list[str]:
    # Log records carry tracebacks, with file paths that differ; keep the
    # messages and the exception lines.
    return [
        HTTP_DATE.sub("DATE", line)
        for line in output.splitlines()
        if line and not line.startswith((" ", "Traceback"))
    ]


@pytest.mark.differential
def test_rejections_match_websockets(upstream):
    released = upstream.run(
        "-c", SANS_IO_REJECTIONS, capture_output=True, text=True, timeout=60
    )
    ours = subprocess.run(
        [sys.executable, "-c", SANS_IO_REJECTIONS],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert released.returncode == 0, released.stderr
    assert ours.returncode == 0, ours.stderr
    assert without_tracebacks(ours.stdout) == without_tracebacks(released.stdout)


def client_receiving(response: bytes):
    from websockets.client import ClientProtocol
    from websockets.uri import parse_uri

    client = ClientProtocol(parse_uri("ws://example.com/"))
    client.send_request(client.connect())
    client.data_to_send()
    client.receive_data(response)
    return client


def test_status_line_too_long_is_reported_as_such():
    client = client_receiving(b"HTTP/1.1 101 " + b"x" * 9000 + b"\r\n\r\n")
    assert isinstance(client.handshake_exc, StatusLineTooLong)
    assert str(client.handshake_exc) == (
        "read 9015 bytes, expected no more than 8192 bytes"
    )
    assert client.data_to_send() == [b""]


def test_header_line_too_long_is_wrapped_in_invalid_message():
    client = client_receiving(b"HTTP/1.1 101 S\r\nX: " + b"y" * 9000 + b"\r\n\r\n")
    assert isinstance(client.handshake_exc, InvalidMessage)
    assert isinstance(client.handshake_exc.__cause__, HeaderLineTooLong)


@pytest.mark.parametrize("api", ["asyncio", "sync"])
def test_client_raises_status_line_too_long(api):
    from .parity_utils import RawHTTPServer
    from .test_redirect_parity import client_connect

    response = b"HTTP/1.1 101 " + b"x" * 9000 + b"\r\n\r\n"
    with RawHTTPServer(lambda line: response) as server:
        exc = client_connect(api, f"ws://127.0.0.1:{server.port}/")
    assert type(exc) is StatusLineTooLong


SANS_IO_CLIENT_ERRORS = textwrap.dedent(
    r"""
    from websockets.client import ClientProtocol
    from websockets.uri import parse_uri
    for data in [
        b"HTTP/1.1 101 " + b"x" * 9000 + b"\r\n\r\n",
        b"HTTP/1.1 101 S\r\nX: " + b"y" * 9000 + b"\r\n\r\n",
        b"HTTP/1.1 101 S\r\n" + b"X: y\r\n" * 200 + b"\r\n",
        b"\x00junk\r\n\r\n",
        b"HTTP/1.0 101 S\r\n\r\n",
    ]:
        client = ClientProtocol(parse_uri("ws://example.com/"))
        client.send_request(client.connect())
        client.data_to_send()
        client.receive_data(data)
        exc = client.handshake_exc
        print(repr(exc), repr(exc.__cause__), client.data_to_send(), client.state)
    """
)


@pytest.mark.differential
def test_client_parsing_errors_match_websockets(upstream):
    released = upstream.run(
        "-c", SANS_IO_CLIENT_ERRORS, capture_output=True, text=True, timeout=60
    )
    ours = subprocess.run(
        [sys.executable, "-c", SANS_IO_CLIENT_ERRORS],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert released.returncode == 0, released.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == released.stdout
