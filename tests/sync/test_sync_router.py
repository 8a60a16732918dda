from __future__ import annotations

import socket
import threading

import pytest
from werkzeug.routing import Map, Rule

from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect, unix_connect
from websockets.sync.router import Router, route, unix_route

from .sync_utils import DEADLINE, join


def hello(websocket, name):
    websocket.send(f"hello {name}")


def plain(websocket):
    websocket.send(f"plain {websocket.request.path}")


URL_MAP = Map(
    [
        Rule("/hello/<name>", endpoint=hello),
        Rule("/plain/", endpoint=plain),
    ]
)


class RunningRoute:
    def __init__(self, server):
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever)

    def __enter__(self):
        self.thread.start()
        return self.server

    def __exit__(self, *exc_info):
        self.server.shutdown()
        join(self.thread)


def test_route_dispatches_with_url_parameters():
    with RunningRoute(route(URL_MAP, "127.0.0.1", 0)) as server:
        port = server.socket.getsockname()[1]
        with connect(f"ws://127.0.0.1:{port}/hello/alice") as ws:
            assert ws.recv() == "hello alice"


def test_route_unknown_path_returns_404():
    with RunningRoute(route(URL_MAP, "127.0.0.1", 0)) as server:
        port = server.socket.getsockname()[1]
        with pytest.raises(InvalidStatus) as raised:
            connect(f"ws://127.0.0.1:{port}/nope")
        assert raised.value.response.status_code == 404
        assert raised.value.response.body == b"Not Found"


def test_route_redirects_and_client_follows():
    with RunningRoute(route(URL_MAP, "127.0.0.1", 0)) as server:
        port = server.socket.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as sock:
            sock.sendall(
                b"GET /plain HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                b"Sec-WebSocket-Version: 13\r\n\r\n"
            )
            response = b""
            while chunk := sock.recv(4096):
                response += chunk
        assert response.startswith(b"HTTP/1.1 302 Found\r\n")
        assert b"\r\nLocation: ws://example.com/plain/\r\n" in response
        with connect(f"ws://127.0.0.1:{port}/plain") as ws:
            assert ws.recv() == "plain /plain/"


def test_route_server_name_and_tls_flag_shape_redirects():
    with RunningRoute(
        route(URL_MAP, "127.0.0.1", 0, server_name="public.example", ssl=True)
    ) as server:
        port = server.socket.getsockname()[1]
        # With a preexisting socket, the client can't follow redirects; like
        # websockets, it says so and chains the redirect response.
        sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
        with pytest.raises(ValueError) as raised:
            connect(f"ws://127.0.0.1:{port}/plain", sock=sock)
        redirect = raised.value.__cause__
        assert isinstance(redirect, InvalidStatus)
        assert redirect.response.headers["Location"] == "wss://public.example/plain/"


def test_route_calls_process_request_first():
    def process_request(connection, request):
        if request.path == "/hello/blocked":
            return connection.respond(403, "blocked\n")

    with RunningRoute(
        route(URL_MAP, "127.0.0.1", 0, process_request=process_request)
    ) as server:
        port = server.socket.getsockname()[1]
        with pytest.raises(InvalidStatus) as raised:
            connect(f"ws://127.0.0.1:{port}/hello/blocked")
        assert raised.value.response.status_code == 403
        with connect(f"ws://127.0.0.1:{port}/hello/bob") as ws:
            assert ws.recv() == "hello bob"


def test_create_router_subclass():
    class MyRouter(Router):
        def not_found(self, connection):
            return connection.respond(410, "Gone\n")

    with RunningRoute(route(URL_MAP, "127.0.0.1", 0, create_router=MyRouter)) as server:
        port = server.socket.getsockname()[1]
        with pytest.raises(InvalidStatus) as raised:
            connect(f"ws://127.0.0.1:{port}/missing")
        assert raised.value.response.status_code == 410


def test_unix_route(unix_socket_path):
    path = unix_socket_path
    with RunningRoute(unix_route(URL_MAP, path)):
        with unix_connect(path, uri="ws://localhost/hello/unix") as ws:
            assert ws.recv() == "hello unix"
