"""The legacy server and client, built on the asyncio implementation."""

from __future__ import annotations

import asyncio
import base64
import http
import warnings

import pytest

from websockets.asyncio.client import connect as asyncio_connect
from websockets.asyncio.server import serve as asyncio_serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed, ConnectionClosedError

from .legacy_utils import echo, port_of, raw_request, uri_of


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from websockets.legacy.auth import (
        BasicAuthWebSocketServerProtocol,
        basic_auth_protocol_factory,
    )
    from websockets.legacy.client import (
        WebSocketClientProtocol,
        connect,
        unix_connect,
    )
    from websockets.legacy.exceptions import AbortHandshake, InvalidStatusCode
    from websockets.legacy.protocol import WebSocketCommonProtocol, broadcast
    from websockets.legacy.server import (
        WebSocketServer,
        WebSocketServerProtocol,
        serve,
        unix_serve,
    )


# Connection and attributes


async def test_legacy_client_and_server_exchange_messages():
    async with serve(echo, "127.0.0.1", 0) as server:
        assert isinstance(server, WebSocketServer)
        async with connect(uri_of(server, "/chat?room=1")) as ws:
            assert isinstance(ws, WebSocketClientProtocol)
            assert isinstance(ws, WebSocketCommonProtocol)
            assert ws.open and not ws.closed
            await ws.send("hello")
            assert await ws.recv() == "hello"
            await ws.send(b"\x00\xff")
            assert await ws.recv() == b"\x00\xff"
            latency = await (await ws.ping())
            assert latency >= 0
        assert ws.closed and not ws.open
        assert ws.close_code == 1000
        assert ws.close_reason == ""


async def test_server_connection_has_legacy_attributes():
    seen = {}

    async def handler(ws):
        seen["type"] = type(ws)
        seen["path"] = ws.path
        seen["request"] = ws.request_headers["X-Client"]
        seen["response"] = ws.response_headers["Upgrade"]
        seen["open"] = ws.open
        seen["server"] = ws.ws_server
        seen["addresses"] = (ws.local_address[0], ws.remote_address[0])
        await ws.send("done")

    async with serve(handler, "127.0.0.1", 0) as server:
        async with connect(
            uri_of(server, "/a/b?c"), extra_headers={"X-Client": "yes"}
        ) as ws:
            assert await ws.recv() == "done"
            assert ws.path == "/a/b?c"
            assert ws.request_headers["X-Client"] == "yes"
            assert ws.response_headers["Upgrade"] == "websocket"
    assert seen == {
        "type": WebSocketServerProtocol,
        "path": "/a/b?c",
        "request": "yes",
        "response": "websocket",
        "open": True,
        "server": server,
        "addresses": ("127.0.0.1", "127.0.0.1"),
    }


async def test_handler_with_path_argument_receives_path_with_warning():
    async def handler(ws, path):
        await ws.send(path)

    with pytest.warns(
        DeprecationWarning, match="^remove second argument of ws_handler$"
    ):
        server = serve(handler, "127.0.0.1", 0)
    async with server as server:
        async with connect(uri_of(server, "/where")) as ws:
            assert await ws.recv() == "/where"


async def test_handler_exception_closes_with_internal_error(caplog):
    async def handler(ws):
        raise RuntimeError("oops")

    async with serve(handler, "127.0.0.1", 0) as server:
        async with connect(uri_of(server)) as ws:
            with pytest.raises(ConnectionClosedError):
                await ws.recv()
    assert ws.close_code == 1011
    assert "connection handler failed" in caplog.text


async def test_server_close_closes_connections_with_going_away():
    connected = asyncio.Event()

    async def handler(ws):
        connected.set()
        await ws.wait_closed()

    server = await serve(handler, "127.0.0.1", 0)
    ws = await connect(uri_of(server))
    await connected.wait()
    assert len(server.websockets) == 1
    server.close()
    await server.wait_closed()
    await ws.wait_closed()
    assert ws.close_code == 1001


def test_serve_before_the_event_loop_runs():
    # The classic examples create the server, then run the event loop.
    loop = asyncio.new_event_loop()
    try:
        start_server = serve(echo, "127.0.0.1", 0)
        server = loop.run_until_complete(start_server)

        async def exchange():
            async with connect(uri_of(server)) as ws:
                await ws.send("classic")
                return await ws.recv()

        assert loop.run_until_complete(exchange()) == "classic"
        server.close()
        loop.run_until_complete(server.wait_closed())
    finally:
        loop.close()


async def test_unix_serve_and_unix_connect(tmp_path):
    path = str(tmp_path / "socket")
    async with unix_serve(echo, path):
        async with unix_connect(path) as ws:
            await ws.send("over unix")
            assert await ws.recv() == "over unix"


# Interoperability with the asyncio implementation


async def test_asyncio_client_with_legacy_server():
    async with serve(echo, "127.0.0.1", 0) as server:
        async with asyncio_connect(uri_of(server)) as ws:
            await ws.send("new client")
            assert await ws.recv() == "new client"


async def test_legacy_client_with_asyncio_server():
    async with asyncio_serve(echo, "127.0.0.1", 0) as server:
        async with connect(f"ws://127.0.0.1:{port_of(server)}/") as ws:
            await ws.send("legacy client")
            assert await ws.recv() == "legacy client"


# process_request


async def health_check(path, request_headers):
    if path == "/health":
        return http.HTTPStatus.OK, [("X-Health", "good")], b"OK\n"


async def test_process_request_returns_http_response():
    async with serve(echo, "127.0.0.1", 0, process_request=health_check) as server:
        response = await raw_request(server, "/health")
        head, body = response.split(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b"\r\nX-Health: good\r\n" in head
        assert b"\r\nContent-Length: 3\r\n" in head
        assert b"\r\nContent-Type: text/plain\r\n" in head
        assert b"\r\nConnection: close\r\n" in head
        assert body == b"OK\n"
        # Other paths open a WebSocket connection.
        async with connect(uri_of(server, "/ws")) as ws:
            await ws.send("still works")
            assert await ws.recv() == "still works"


async def test_legacy_client_raises_invalid_status_code():
    async with serve(echo, "127.0.0.1", 0, process_request=health_check) as server:
        with pytest.raises(InvalidStatusCode) as raised:
            await connect(uri_of(server, "/health"))
    assert raised.value.status_code == 200
    assert raised.value.headers["X-Health"] == "good"
    assert str(raised.value) == "server rejected WebSocket connection: HTTP 200"


async def test_process_request_overridden_in_subclass():
    class Protocol(WebSocketServerProtocol):
        async def process_request(self, path, request_headers):
            if "X-Token" not in request_headers:
                return 403, {}, b"Forbidden\n"

    async with serve(echo, "127.0.0.1", 0, create_protocol=Protocol) as server:
        with pytest.raises(InvalidStatusCode) as raised:
            await connect(uri_of(server))
        assert raised.value.status_code == 403
        async with connect(uri_of(server), extra_headers={"X-Token": "t"}) as ws:
            await ws.send("allowed")
            assert await ws.recv() == "allowed"


async def test_abort_handshake_sends_its_response():
    async def process_request(path, request_headers):
        raise AbortHandshake(http.HTTPStatus.IM_A_TEAPOT, {"X-Tea": "1"}, b"tea")

    async with serve(echo, "127.0.0.1", 0, process_request=process_request) as server:
        response = await raw_request(server, "/")
    assert response.startswith(b"HTTP/1.1 418 I'm a Teapot\r\n")
    assert b"\r\nX-Tea: 1\r\n" in response
    assert response.endswith(b"\r\n\r\ntea")


async def test_synchronous_process_request_warns():
    def process_request(path, request_headers):
        return 204, [], b""

    async with serve(echo, "127.0.0.1", 0, process_request=process_request) as server:
        with pytest.warns(
            DeprecationWarning, match="^declare process_request as a coroutine$"
        ):
            response = await raw_request(server, "/")
    assert response.startswith(b"HTTP/1.1 204 No Content\r\n")


# extra_headers


@pytest.mark.parametrize(
    "extra_headers",
    [
        {"X-Extra": "/path"},
        [("X-Extra", "/path")],
        Headers({"X-Extra": "/path"}),
        lambda path, request_headers: {"X-Extra": path},
    ],
    ids=["dict", "list", "headers", "callable"],
)
async def test_extra_headers_are_added_to_handshake_response(extra_headers):
    async with serve(echo, "127.0.0.1", 0, extra_headers=extra_headers) as server:
        async with connect(uri_of(server, "/path")) as ws:
            assert ws.response_headers["X-Extra"] == "/path"


# Subprotocols


@pytest.mark.parametrize(
    "client_subprotocols, expected",
    [
        (None, None),
        (["b", "a"], "a"),
        (["b"], "b"),
        (["c"], None),
    ],
)
async def test_subprotocol_negotiation_follows_legacy_rules(
    client_subprotocols, expected
):
    async def handler(ws):
        await ws.send(repr(ws.subprotocol))

    async with serve(handler, "127.0.0.1", 0, subprotocols=["a", "b"]) as server:
        async with connect(uri_of(server), subprotocols=client_subprotocols) as ws:
            assert await ws.recv() == repr(expected)
            assert ws.subprotocol == expected


async def test_select_subprotocol_argument_replaces_default():
    def select_subprotocol(client_subprotocols, server_subprotocols):
        return client_subprotocols[-1]

    async with serve(
        echo,
        "127.0.0.1",
        0,
        subprotocols=["a", "b"],
        select_subprotocol=select_subprotocol,
    ) as server:
        async with connect(uri_of(server), subprotocols=["a", "b"]) as ws:
            assert ws.subprotocol == "b"


async def test_select_subprotocol_overridden_in_subclass():
    class Protocol(WebSocketServerProtocol):
        def select_subprotocol(self, client_subprotocols, server_subprotocols):
            return "b"

    async with serve(
        echo, "127.0.0.1", 0, subprotocols=["a", "b"], create_protocol=Protocol
    ) as server:
        async with connect(uri_of(server), subprotocols=["a", "b"]) as ws:
            assert ws.subprotocol == "b"


# Basic auth


async def whoami(ws):
    await ws.send(ws.username)


def authorization(credentials: bytes) -> str:
    return f"Authorization: Basic {base64.b64encode(credentials).decode()}\r\n"


@pytest.mark.parametrize(
    "factory_kwargs",
    [
        {"realm": "test", "credentials": ("hello", "iloveyou")},
        {"realm": "test", "credentials": [("hello", "iloveyou"), ("bye", "x")]},
    ],
    ids=["pair", "list"],
)
async def test_basic_auth_accepts_valid_credentials(factory_kwargs):
    create_protocol = basic_auth_protocol_factory(**factory_kwargs)
    async with serve(whoami, "127.0.0.1", 0, create_protocol=create_protocol) as s:
        port = port_of(s)
        async with connect(f"ws://hello:iloveyou@127.0.0.1:{port}/") as ws:
            assert await ws.recv() == "hello"


@pytest.mark.parametrize(
    "header, body",
    [
        ("", b"Missing credentials\n"),
        ("Authorization: Bearer token\r\n", b"Unsupported credentials\n"),
        (authorization(b"hello:wrong"), b"Invalid credentials\n"),
        (authorization(b"nobody:iloveyou"), b"Invalid credentials\n"),
    ],
    ids=["missing", "unsupported", "wrong-password", "unknown-user"],
)
async def test_basic_auth_rejects_invalid_credentials(header, body):
    create_protocol = basic_auth_protocol_factory(
        realm="test", credentials=("hello", "iloveyou")
    )
    async with serve(whoami, "127.0.0.1", 0, create_protocol=create_protocol) as s:
        response = await raw_request(s, "/", header)
    assert response.startswith(b"HTTP/1.1 401 Unauthorized\r\n")
    assert b'\r\nWWW-Authenticate: Basic realm="test", charset="UTF-8"\r\n' in response
    assert response.endswith(b"\r\n\r\n" + body)


async def test_basic_auth_with_check_credentials_coroutine():
    async def check_credentials(username, password):
        return password == username[::-1]

    create_protocol = basic_auth_protocol_factory(check_credentials=check_credentials)
    async with serve(whoami, "127.0.0.1", 0, create_protocol=create_protocol) as s:
        async with connect(f"ws://abc:cba@127.0.0.1:{port_of(s)}/") as ws:
            assert await ws.recv() == "abc"
        with pytest.raises(InvalidStatusCode) as raised:
            await connect(f"ws://abc:abc@127.0.0.1:{port_of(s)}/")
        assert raised.value.status_code == 401


async def test_basic_auth_subclass_overrides_check_credentials():
    class Protocol(BasicAuthWebSocketServerProtocol):
        async def check_credentials(self, username, password):
            return username == "admin"

    async with serve(whoami, "127.0.0.1", 0, create_protocol=Protocol) as s:
        async with connect(f"ws://admin:any@127.0.0.1:{port_of(s)}/") as ws:
            assert await ws.recv() == "admin"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "provide either credentials or check_credentials"),
        (
            {"credentials": ("a", "b"), "check_credentials": lambda u, p: True},
            "provide either credentials or check_credentials",
        ),
        ({"credentials": 42}, "invalid credentials argument: 42"),
        ({"credentials": [("a", 1)]}, "invalid credentials argument: [('a', 1)]"),
    ],
)
def test_basic_auth_factory_rejects_bad_arguments(kwargs, message):
    with pytest.raises(TypeError) as raised:
        basic_auth_protocol_factory(**kwargs)
    assert str(raised.value) == message


# Client features


async def test_connect_follows_redirects():
    async def process_request(path, request_headers):
        if path == "/old":
            return http.HTTPStatus.FOUND, {"Location": "/new"}, b""

    async def handler(ws):
        await ws.send(ws.path)

    async with serve(handler, "127.0.0.1", 0, process_request=process_request) as s:
        async with connect(uri_of(s, "/old")) as ws:
            assert await ws.recv() == "/new"
            assert ws.path == "/new"


async def test_connect_reconnects_after_errors(monkeypatch):
    monkeypatch.setattr(connect, "BACKOFF_INITIAL", 0.0)
    monkeypatch.setattr(connect, "BACKOFF_MIN", 0.0)
    attempts = []

    async def process_request(path, request_headers):
        attempts.append(path)
        if len(attempts) < 3:
            return http.HTTPStatus.SERVICE_UNAVAILABLE, {}, b"Try again\n"

    async with serve(echo, "127.0.0.1", 0, process_request=process_request) as s:
        async for ws in connect(uri_of(s)):
            await ws.send("finally")
            assert await ws.recv() == "finally"
            break
    assert len(attempts) == 3


async def test_create_protocol_subclass_of_client_protocol():
    class Protocol(WebSocketClientProtocol):
        def __init__(self, *args, **kwargs):
            self.created = True
            super().__init__(*args, **kwargs)

    async with serve(echo, "127.0.0.1", 0) as server:
        async with connect(uri_of(server), create_protocol=Protocol) as ws:
            assert isinstance(ws, Protocol) and ws.created


async def test_legacy_recv_returns_none_after_close():
    async def handler(ws):
        await ws.close()

    async with serve(handler, "127.0.0.1", 0) as server:
        with pytest.warns(DeprecationWarning, match="^legacy_recv is deprecated$"):
            ws = await connect(uri_of(server), legacy_recv=True)
        assert await ws.recv() is None
        await ws.close()


async def test_ensure_open_raises_after_close():
    async with serve(echo, "127.0.0.1", 0) as server:
        async with connect(uri_of(server)) as ws:
            await ws.ensure_open()
        with pytest.raises(ConnectionClosed):
            await ws.ensure_open()


async def test_fail_connection_sends_close_code():
    async def handler(ws):
        ws.fail_connection(1008, "policy")
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0) as server:
        async with connect(uri_of(server)) as ws:
            with pytest.raises(ConnectionClosedError):
                await ws.recv()
    assert ws.close_code == 1008
    assert ws.close_reason == "policy"


@pytest.mark.parametrize("side", ["server", "client"])
async def test_renamed_arguments_warn(side):
    messages = {"rename timeout to close_timeout", "rename klass to create_protocol"}
    if side == "server":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            server = serve(
                echo, "127.0.0.1", 0, timeout=3, klass=WebSocketServerProtocol
            )
        async with server as server:
            async with connect(uri_of(server)):
                pass
    else:
        async with serve(echo, "127.0.0.1", 0) as server:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                ws = await connect(
                    uri_of(server), timeout=3, klass=WebSocketClientProtocol
                )
            assert ws.close_timeout == 3
            await ws.close()
    assert {str(w.message) for w in caught} == messages
    assert {w.category for w in caught} == {DeprecationWarning}


async def test_host_port_secure_are_deprecated():
    async with serve(echo, "127.0.0.1", 0) as server:
        async with connect(uri_of(server)) as ws:
            with pytest.warns(DeprecationWarning, match=r"^use remote_address\[0\]"):
                assert ws.host == "127.0.0.1"
            with pytest.warns(DeprecationWarning, match=r"^use remote_address\[1\]"):
                assert ws.port == port_of(server)
            with pytest.warns(DeprecationWarning, match="^don't use secure$"):
                assert ws.secure is False


# broadcast


async def test_broadcast_sends_to_open_connections():
    async with serve(echo, "127.0.0.1", 0) as server:
        async with connect(uri_of(server)) as ws1, connect(uri_of(server)) as ws2:
            await ws1.send("sync")
            await ws1.recv()
            await ws2.send("sync")
            await ws2.recv()
            broadcast(server.websockets, "to all")
            assert await ws1.recv() == "to all"
            assert await ws2.recv() == "to all"
    with pytest.raises(TypeError):
        broadcast([], 42)
