"""
Threading API behaviours that must match websockets 17.4.

"""

from __future__ import annotations

import inspect
import logging
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

import pytest

from websockets import _deflate_impl
from websockets.exceptions import (
    ConnectionClosed,
    ConnectionClosedError,
    InvalidHeaderValue,
)
from websockets.sync.client import ClientConnection, connect, unix_connect
from websockets.sync.connection import Connection
from websockets.sync.messages import Assembler
from websockets.sync.server import Server, ServerConnection, serve, unix_serve

from .sync_utils import run_server, uri


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


def wait_until(predicate, limit=10.0):
    """Poll until predicate() is true; fail after ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.005)


# Signatures


@pytest.mark.parametrize(
    "cls", [Connection, ClientConnection, ServerConnection, Server], ids=repr
)
def test_socket_parameter_is_called_sock(cls):
    parameters = list(inspect.signature(cls).parameters)
    assert parameters[0] == "sock"
    assert "socket" not in parameters


SIGNATURES = textwrap.dedent(
    """
    import inspect
    import websockets.sync.client as client
    import websockets.sync.connection as connection
    import websockets.sync.server as server
    for obj in [
        connection.Connection, client.ClientConnection, client.unix_connect,
        server.ServerConnection, server.Server, server.unix_serve,
    ]:
        print(obj.__qualname__, inspect.signature(obj))
    """
)


def test_signatures_match_websockets(upstream):
    released = upstream.run(
        "-c", SIGNATURES, capture_output=True, text=True, timeout=60
    )
    ours = subprocess.run(
        [sys.executable, "-c", SIGNATURES], capture_output=True, text=True, timeout=60
    )
    assert released.returncode == 0, released.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == released.stdout


def test_client_connection_accepts_sock_keyword():
    from websockets.client import ClientProtocol
    from websockets.uri import parse_uri

    left, right = socket.socketpair()
    with right:
        connection = ClientConnection(
            sock=left, protocol=ClientProtocol(parse_uri("ws://example.com/"))
        )
        assert connection.socket is left
        connection.close_socket()
        connection.recv_events_thread.join(10)


# Usage errors


@pytest.mark.parametrize("argument", [{"host": "127.0.0.1"}, {"port": 0}])
def test_serve_rejects_sock_with_host_or_port(argument):
    name = next(iter(argument))
    with socket.create_server(("127.0.0.1", 0)) as sock:
        with pytest.raises(ValueError) as raised:
            serve(handler, sock=sock, **argument)
    assert str(raised.value) == f"{name} is incompatible with sock"


def test_serve_without_host_and_port_fails_like_socket():
    # websockets passes (None, None) to socket.create_server().
    with pytest.raises(TypeError):
        serve(handler)


def test_unix_serve_rejects_path_with_sock():
    path = os.path.join(tempfile.mkdtemp(), "socket")
    with socket.create_server(("127.0.0.1", 0)) as sock:
        with pytest.raises(ValueError) as raised:
            unix_serve(handler, path, sock=sock)
    assert str(raised.value) == "path is incompatible with sock"


def test_unix_connect_rejects_path_with_sock():
    left, right = socket.socketpair()
    with left, right:
        with pytest.raises(ValueError) as raised:
            unix_connect("/nonexistent", sock=left)
    assert str(raised.value) == "path is incompatible with sock"


USAGE_ERRORS = textwrap.dedent(
    """
    import os, socket, ssl, tempfile, warnings
    warnings.simplefilter("ignore")
    import websockets.sync.client as sc, websockets.sync.server as ss
    ctx = ssl.create_default_context()
    def mk():
        return socket.create_server(("127.0.0.1", 0))
    def h(ws):
        pass
    path = os.path.join(tempfile.mkdtemp(), "s")
    cases = [
        lambda: ss.serve(h, host="127.0.0.1", sock=mk()),
        lambda: ss.serve(h, port=0, sock=mk()),
        lambda: ss.serve(h, "", 0, sock=mk()),
        lambda: ss.serve(h),
        lambda: ss.serve(h, "127.0.0.1"),
        lambda: ss.serve(h, "127.0.0.1", 0, compression="gzip"),
        lambda: ss.serve(h, "127.0.0.1", 0, subprotocols="chat"),
        lambda: ss.serve(h, host="x", sock=mk(), compression="gzip"),
        lambda: ss.unix_serve(h, path, sock=mk()),
        lambda: ss.unix_serve(h),
        lambda: ss.unix_serve(h, sock=mk(), host="x"),
        lambda: sc.connect("ws://127.0.0.1:1/", ssl=ctx),
        lambda: sc.connect("ws://127.0.0.1:1/", compression="gzip"),
        lambda: sc.connect("ws://127.0.0.1:1/", subprotocols="chat"),
        lambda: sc.connect("http://x/"),
        lambda: sc.unix_connect(path, sock=mk()),
        lambda: sc.unix_connect(),
        lambda: sc.unix_connect(path, sock=mk(), compression="gzip"),
        lambda: sc.connect(
            "ws://127.0.0.1:1/", proxy="http://127.0.0.1:1", proxy_ssl=ctx
        ),
        lambda: sc.connect("ws://127.0.0.1:1/", proxy="ftp://x"),
    ]
    for case in cases:
        try:
            result = case()
        except Exception as exc:
            print(f"{type(exc).__name__}: {exc}")
        else:
            print("no error")
            result.socket.close()
    """
)


def test_usage_errors_match_websockets(upstream):
    released = upstream.run(
        "-c", USAGE_ERRORS, capture_output=True, text=True, timeout=60
    )
    ours = subprocess.run(
        [sys.executable, "-c", USAGE_ERRORS], capture_output=True, text=True, timeout=60
    )
    assert released.returncode == 0, released.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == released.stdout
    assert "no error" not in ours.stdout


# Server


def test_shutdown_rejects_connection_in_opening_handshake_with_503(caplog):
    request = b"GET / HTTP/1.1\r\n" + HEADERS
    statuses = []

    def process_response(connection, request, response):
        statuses.append(response.status_code)

    with serve(
        handler, "127.0.0.1", 0, process_response=process_response, server_header="S"
    ) as server:
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        with socket.create_connection(server.socket.getsockname(), timeout=10) as sock:
            sock.sendall(request[:20])
            wait_until(lambda: server.all_connections)
            shutdown = threading.Thread(target=server.shutdown)
            shutdown.start()
            wait_until(lambda: not server.is_serving())
            sock.sendall(request[20:])
            response = b""
            while chunk := sock.recv(4096):
                response += chunk
        shutdown.join(10)
        thread.join(10)
    assert response.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    assert response.endswith(b"\r\n\r\nServer is shutting down.\n")
    # Like websockets, the hooks ran and saw the upgrade; then the upgrade
    # became a 503, built without the Server header.
    assert statuses == [101]
    assert b"\r\nServer:" not in response
    assert not shutdown.is_alive()


def test_rejected_client_that_keeps_connection_open_logs_no_error(caplog):
    def process_request(connection, request):
        return connection.respond(403, "no\n")

    caplog.set_level(logging.INFO, logger="websockets.server")
    with run_server(
        handler, close_timeout=0.2, process_request=process_request
    ) as server:
        with socket.create_connection(server.socket.getsockname(), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\n" + HEADERS)
            assert sock.recv(4096).startswith(b"HTTP/1.1 403 Forbidden\r\n")
            # The client doesn't close; the server gives up after close_timeout.
            wait_until(
                lambda: any(
                    record.getMessage() == "connection closed"
                    for record in caplog.records
                )
            )
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_server_socket_is_ssl_socket_with_ssl(tmp_path):
    import trustme

    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    client_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ca.configure_trust(client_context)

    def hello(ws):
        ws.send("hello")

    with run_server(hello, ssl=context) as server:
        assert isinstance(server.socket, ssl.SSLSocket)
        with connect(uri(server, "wss"), ssl=client_context) as ws:
            assert ws.recv(timeout=10) == "hello"


def test_assembler_put_after_close_raises_eof_error():
    from websockets.frames import Frame, Opcode

    assembler = Assembler()
    assembler.close()
    with pytest.raises(EOFError) as raised:
        assembler.put(Frame(Opcode.TEXT, b"x"))
    assert str(raised.value) == "stream of frames ended"


def test_max_size_tuple_limits_fragments_on_both_sides():
    received = []

    def collect(ws):
        try:
            for message in ws:
                received.append(len(message))
        except ConnectionClosedError as exc:
            received.append(exc.sent.code)

    # The compressed sizes of these fragments matter: with zlib, like
    # websockets 17.4, 5 bytes compress to at most 10 bytes and 20 bytes too,
    # so the server finds the second message too big while inflating it.
    # zlib-ng's output is larger for such tiny inputs; without compression,
    # the frame header tells that the second message is too big.
    zlib_sizes = _deflate_impl.IMPL == "zlib"
    compression = "deflate" if zlib_sizes else None
    with run_server(collect, max_size=(100, 10), compression=compression) as server:
        with connect(uri(server), max_size=(1000, 100), compression=compression) as ws:
            assert ws.protocol.max_message_size == 1000
            assert ws.protocol.max_fragment_size == 100
            ws.send([b"x" * 5] * 10)  # fragments within the server's limit
            # One fragment over it. The server may close the connection
            # before the client sends the last frame of the message: then
            # send() raises, else recv() does.
            with pytest.raises(ConnectionClosedError) as raised:
                ws.send([b"x" * 20])
                ws.recv(timeout=10)
    assert raised.value.rcvd.code == 1009
    assert raised.value.rcvd.reason == (
        "frame exceeds limit of 10 bytes"
        if zlib_sizes
        else "frame with 20 bytes exceeds limit of 10 bytes"
    )
    assert received == [50, 1009]


def test_message_with_more_fragments_than_max_queue_is_received():
    # websockets 17.4 receives it; waiting for the whole message in the queue
    # while flow control paused reading above max_queue frames deadlocked.
    received = []

    def collect(ws):
        received.append(ws.recv(timeout=10))

    with run_server(collect, max_queue=4) as server:
        with connect(uri(server)) as ws:
            ws.send([b"x"] * 100)
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=10)
    assert received == [b"x" * 100]


def test_get_timeout_keeps_partial_message_for_next_call():
    from websockets.frames import Frame, Opcode

    assembler = Assembler()
    assembler.put(Frame(Opcode.TEXT, b"a", fin=False))
    with pytest.raises(TimeoutError):
        assembler.get(timeout=0.01)
    assembler.put(Frame(Opcode.CONT, b"b"))
    assert assembler.get(timeout=0) == "ab"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"additional_headers": {"X-A": "b\r\nX: 1"}}, "invalid X-A header: b\r\nX: 1"),
        ({"user_agent_header": "a\nb"}, "invalid User-Agent header: a\nb"),
    ],
)
def test_header_injection_raises_invalid_header_value(kwargs, message, caplog):
    caplog.set_level(logging.DEBUG)
    with run_server(handler) as server:
        with pytest.raises(InvalidHeaderValue) as raised:
            with connect(uri(server), **kwargs):
                pass
    assert str(raised.value) == message
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    "message", [b"\xff\xfe", [b"ok", b"\xff"]], ids=["one", "fragmented"]
)
@pytest.mark.parametrize("method", ["recv", "recv_streaming"])
def test_decoding_invalid_utf8_binary_message_chains_the_error(message, method):
    def send_binary(ws):
        ws.send(message)
        for _ in ws:
            pass

    with run_server(send_binary) as server:
        with connect(uri(server)) as ws:
            with pytest.raises(ConnectionClosedError) as raised:
                if method == "recv":
                    ws.recv(timeout=10, decode=True)
                else:
                    for _ in ws.recv_streaming(decode=True):
                        pass
    exc = raised.value
    assert exc.sent.code == 1007
    assert isinstance(exc.__cause__, UnicodeDecodeError)
