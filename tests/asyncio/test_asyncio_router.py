"""Router API: route, unix_route, Router, with werkzeug URL maps."""

from __future__ import annotations

import asyncio
import inspect
import socket

import pytest
from asyncio_utils import port_of, uri_of
from werkzeug.routing import Map, Rule

import websockets
from websockets.asyncio.client import connect, unix_connect
from websockets.asyncio.router import Router, route, unix_route
from websockets.asyncio.server import Server
from websockets.exceptions import InvalidStatus


async def hello(websocket, name):
    await websocket.send(f"hello {name}")


async def plain(websocket):
    await websocket.send(f"plain {websocket.request.path}")


async def number(websocket, value):
    await websocket.send(repr(value))


URL_MAP = Map(
    [
        Rule("/hello/<name>", endpoint=hello),
        Rule("/plain/", endpoint=plain),
        Rule("/number/<int:value>", endpoint=number),
        Rule("/old", redirect_to="/plain/"),
    ]
)

HANDSHAKE = (
    "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n"
)


def raw_handshake(port, path, host="example.com"):
    """Send a handshake request with a chosen Host; return the whole response."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(HANDSHAKE.format(path=path, host=host).encode())
        response = b""
        while chunk := sock.recv(4096):
            response += chunk
    return response


def test_exports():
    assert websockets.route is route
    assert websockets.unix_route is unix_route
    assert websockets.Router is Router


def test_signatures_match_sync_router():
    from websockets.sync import router as sync_router

    for name in ["route", "unix_route", "Router"]:
        assert inspect.signature(getattr(sync_router, name)) == inspect.signature(
            globals()[name]
        )
    assert inspect.iscoroutinefunction(Router.handler)


async def test_route_returns_server():
    async with route(URL_MAP, "127.0.0.1", 0) as server:
        assert isinstance(server, Server)


async def test_route_dispatches_with_url_parameters():
    async with route(URL_MAP, "127.0.0.1", 0) as server:
        async with connect(uri_of(server, "/hello/alice")) as ws:
            assert await ws.recv() == "hello alice"


async def test_route_converts_url_parameters():
    async with route(URL_MAP, "127.0.0.1", 0) as server:
        async with connect(uri_of(server, "/number/42")) as ws:
            assert await ws.recv() == "42"


async def test_route_ignores_query_string():
    async with route(URL_MAP, "127.0.0.1", 0) as server:
        async with connect(uri_of(server, "/hello/bob?x=1")) as ws:
            assert await ws.recv() == "hello bob"


async def test_route_unknown_path_returns_404():
    async with route(URL_MAP, "127.0.0.1", 0) as server:
        with pytest.raises(InvalidStatus) as raised:
            await connect(uri_of(server, "/nope"))
        assert raised.value.response.status_code == 404
        assert raised.value.response.body == b"Not Found"


async def test_route_redirects_to_canonical_url():
    async with route(URL_MAP, "127.0.0.1", 0) as server:
        response = await asyncio.to_thread(raw_handshake, port_of(server), "/plain")
    assert response.startswith(b"HTTP/1.1 302 Found\r\n")
    assert b"\r\nLocation: ws://example.com/plain/\r\n" in response
    assert response.endswith(b"\r\n\r\nFound at ws://example.com/plain/")


async def test_route_follows_redirect_rule():
    async with route(URL_MAP, "127.0.0.1", 0) as server:
        response = await asyncio.to_thread(raw_handshake, port_of(server), "/old")
    assert b"\r\nLocation: ws://example.com/plain/\r\n" in response


async def test_client_follows_redirect():
    async with route(URL_MAP, "127.0.0.1", 0) as server:
        async with connect(uri_of(server, "/plain")) as ws:
            assert await ws.recv() == "plain /plain/"


async def test_route_server_name_and_tls_flag_shape_redirects():
    async with route(
        URL_MAP, "127.0.0.1", 0, server_name="public.example", ssl=True
    ) as server:
        # ssl=True doesn't enable TLS: a plain connection works.
        response = await asyncio.to_thread(raw_handshake, port_of(server), "/plain")
    assert b"\r\nLocation: wss://public.example/plain/\r\n" in response


async def test_route_with_ssl_context_enables_tls(server_ssl, client_ssl):
    async with route(URL_MAP, "127.0.0.1", 0, ssl=server_ssl) as server:
        uri = uri_of(server, "/hello/tls", scheme="wss")
        async with connect(uri, ssl=client_ssl) as ws:
            assert await ws.recv() == "hello tls"


async def test_route_calls_process_request_function_first():
    def process_request(connection, request):
        if request.path == "/hello/blocked":
            return connection.respond(403, "blocked\n")

    async with route(
        URL_MAP, "127.0.0.1", 0, process_request=process_request
    ) as server:
        with pytest.raises(InvalidStatus) as raised:
            await connect(uri_of(server, "/hello/blocked"))
        assert raised.value.response.status_code == 403
        async with connect(uri_of(server, "/hello/bob")) as ws:
            assert await ws.recv() == "hello bob"


async def test_route_calls_process_request_coroutine_first():
    async def process_request(connection, request):
        if request.path == "/nope":
            return connection.respond(403, "blocked\n")

    async with route(
        URL_MAP, "127.0.0.1", 0, process_request=process_request
    ) as server:
        with pytest.raises(InvalidStatus) as raised:
            await connect(uri_of(server, "/nope"))
        assert raised.value.response.status_code == 403
        with pytest.raises(InvalidStatus) as raised:
            await connect(uri_of(server, "/nope/either"))
        assert raised.value.response.status_code == 404
        async with connect(uri_of(server, "/hello/carol")) as ws:
            assert await ws.recv() == "hello carol"


async def test_create_router_subclass():
    class MyRouter(Router):
        def not_found(self, connection):
            return connection.respond(410, "Gone\n")

    async with route(URL_MAP, "127.0.0.1", 0, create_router=MyRouter) as server:
        with pytest.raises(InvalidStatus) as raised:
            await connect(uri_of(server, "/missing"))
        assert raised.value.response.status_code == 410


async def test_router_marks_rules_as_websocket():
    url_map = Map([Rule("/a", endpoint=plain)])
    Router(url_map)
    assert all(rule.websocket for rule in url_map.iter_rules())


async def test_unix_route(unix_socket_path):
    path = unix_socket_path
    async with unix_route(URL_MAP, path):
        async with unix_connect(path, uri="ws://localhost/hello/unix") as ws:
            assert await ws.recv() == "hello unix"
