"""websockets.trio clients and servers over real sockets on 127.0.0.1."""

from __future__ import annotations

import functools
import http
import logging
import socket

import pytest
import trio
import trio.testing

from tests.test_proxy import Socks5ProxyHandler, run_connect_proxy, run_server
from websockets.exceptions import (
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidStatus,
    InvalidURI,
    SecurityError,
)
from websockets.frames import CloseCode
from websockets.trio.client import ClientConnection, connect, unix_connect
from websockets.trio.server import (
    Server,
    ServerConnection,
    basic_auth,
    broadcast,
    serve,
)

from .trio_utils import trio_test


async def echo(websocket):
    async for message in websocket:
        await websocket.send(message)


async def never_answer(stream):
    await trio.sleep_forever()


def port_of(server):
    return server.listeners[0].socket.getsockname()[1]


def uri_of(server, path="/"):
    return f"ws://127.0.0.1:{port_of(server)}{path}"


async def start_server(nursery, handler=echo, **kwargs):
    kwargs.setdefault("host", "127.0.0.1")
    return await nursery.start(functools.partial(serve, handler, 0, **kwargs))


@trio_test
async def test_echo_over_tcp_with_compression():
    async with trio.open_nursery() as nursery:
        server = await start_server(nursery)
        async with server:
            async with connect(uri_of(server)) as websocket:
                assert isinstance(websocket, ClientConnection)
                await websocket.send("hello")
                assert await websocket.recv() == "hello"
                await websocket.send(b"\x01" * 100_000)
                assert await websocket.recv() == b"\x01" * 100_000
                assert websocket.protocol.extensions[0].name == "permessage-deflate"
                assert websocket.remote_address == ("127.0.0.1", port_of(server))
                assert websocket.local_address[0] == "127.0.0.1"
                assert websocket.request.path == "/"
                assert websocket.response.status_code == 101
                # Plain TCP takes the direct path to the socket.
                assert websocket.raw_socket is not None
            assert websocket.close_code == CloseCode.NORMAL_CLOSURE


@trio_test
async def test_compression_none_disables_permessage_deflate():
    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, compression=None)
        async with server:
            async with connect(uri_of(server), compression=None) as websocket:
                assert websocket.protocol.extensions == []
                assert "Sec-WebSocket-Extensions" not in websocket.response.headers


@trio_test
async def test_subprotocol_negotiation():
    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, subprotocols=["chat"])
        async with server:
            async with connect(uri_of(server), subprotocols=["chat"]) as websocket:
                assert websocket.subprotocol == "chat"


@trio_test
async def test_server_handler_exception_closes_with_1011(caplog):
    async def crash(websocket):
        raise RuntimeError("boom")

    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, crash)
        async with server:
            with caplog.at_level(logging.ERROR, logger="websockets.server"):
                async with connect(uri_of(server)) as websocket:
                    with pytest.raises(ConnectionClosedError) as raised:
                        await websocket.recv()
        assert raised.value.rcvd.code == CloseCode.INTERNAL_ERROR
        assert "connection handler failed" in caplog.messages


@trio_test
async def test_server_aclose_closes_connections_with_1001():
    connected = trio.Event()

    async def wait(websocket):
        connected.set()
        await websocket.wait_closed()

    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, wait)
        async with connect(uri_of(server)) as websocket:
            await connected.wait()
            assert len(server.connections) == 1
            await server.aclose()
            with pytest.raises(ConnectionClosedOK) as raised:
                await websocket.recv()
        assert raised.value.rcvd.code == CloseCode.GOING_AWAY
        assert server.connections == set()
        # aclose() is idempotent.
        await server.aclose()


@trio_test
async def test_server_aclose_with_custom_code():
    connected = trio.Event()

    async def wait(websocket):
        connected.set()
        await websocket.wait_closed()

    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, wait)
        async with connect(uri_of(server)) as websocket:
            await connected.wait()
            await server.aclose(code=CloseCode.SERVICE_RESTART, reason="restart")
            with pytest.raises(ConnectionClosedError) as raised:
                await websocket.recv()
        assert raised.value.rcvd.code == CloseCode.SERVICE_RESTART
        assert raised.value.rcvd.reason == "restart"


@trio_test
async def test_server_is_a_trio_async_resource():
    async with trio.open_nursery() as nursery:
        server = await start_server(nursery)
        assert isinstance(server, Server)
        assert isinstance(server, trio.abc.AsyncResource)
        async with server:
            pass
        with pytest.raises(OSError):
            await trio.open_tcp_stream("127.0.0.1", port_of(server))


@trio_test
async def test_server_aclose_before_serving_closes_listeners():
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    server = Server(listeners, never_answer)
    await server.aclose()
    with pytest.raises(OSError):
        await trio.open_tcp_stream("127.0.0.1", port)


@trio_test
async def test_process_request_can_reject_handshake():
    def process_request(connection, request):
        assert isinstance(connection, ServerConnection)
        return connection.respond(http.HTTPStatus.FORBIDDEN, "Forbidden\n")

    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, process_request=process_request)
        async with server:
            with pytest.raises(InvalidStatus) as raised:
                async with connect(uri_of(server)):
                    pass
            assert raised.value.response.status_code == 403
            assert raised.value.response.body == b"Forbidden\n"


@trio_test
async def test_process_response_can_add_headers():
    async def process_response(connection, request, response):
        response.headers["X-Trio"] = "yes"

    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, process_response=process_response)
        async with server:
            async with connect(uri_of(server)) as websocket:
                assert websocket.response.headers["X-Trio"] == "yes"


@trio_test
async def test_basic_auth_accepts_and_rejects_credentials():
    async def whoami(websocket):
        await websocket.send(websocket.username)

    async with trio.open_nursery() as nursery:
        server = await start_server(
            nursery,
            whoami,
            process_request=basic_auth(realm="test", credentials=("user", "pass")),
        )
        async with server:
            uri = f"ws://user:pass@127.0.0.1:{port_of(server)}/"
            async with connect(uri) as websocket:
                assert await websocket.recv() == "user"
            with pytest.raises(InvalidStatus) as raised:
                async with connect(f"ws://user:bad@127.0.0.1:{port_of(server)}/"):
                    pass
            assert raised.value.response.status_code == 401


@trio_test
async def test_broadcast_sends_to_open_connections():
    count = 3
    connected = trio.Event()

    async def wait(websocket):
        if len(server.connections) == count:
            connected.set()
        await websocket.wait_closed()

    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, wait)
        async with server:
            async with connect(uri_of(server)) as a, connect(uri_of(server)) as b:
                async with connect(uri_of(server)) as c:
                    await connected.wait()
                    await broadcast(server.connections, "news")
                    await broadcast(server.connections, b"bin", text=True)
                    for websocket in (a, b, c):
                        assert await websocket.recv() == "news"
                        assert await websocket.recv() == "bin"


@trio_test
async def test_broadcast_rejects_unsupported_types():
    with pytest.raises(TypeError, match="data must be str or bytes"):
        await broadcast([], 42)


@trio_test
async def test_redirect_is_followed():
    def process_request(connection, request):
        if request.path == "/old":
            response = connection.respond(http.HTTPStatus.FOUND, "")
            response.headers["Location"] = "/new"
            return response
        return None

    async def path(websocket):
        await websocket.send(websocket.request.path)

    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, path, process_request=process_request)
        async with server:
            async with connect(uri_of(server, "/old")) as websocket:
                assert await websocket.recv() == "/new"


@trio_test
async def test_redirect_to_another_origin_drops_credentials():
    # Like websockets 17.4: Authorization, Cookie and Proxy-Authorization go
    # to the same origin only (here, another port is another origin).
    credentials = {
        "Authorization": "Bearer secret",
        "Cookie": "session=secret",
        "Proxy-Authorization": "Basic c2VjcmV0",
    }
    seen = []

    async def headers(websocket):
        seen.append({name: websocket.request.headers.get(name) for name in credentials})
        await websocket.send("ok")

    async with trio.open_nursery() as nursery:
        target = await start_server(nursery, headers)

        def same_then_other(connection, request):
            seen.append({name: request.headers.get(name) for name in credentials})
            response = connection.respond(http.HTTPStatus.FOUND, "")
            if request.path == "/old":
                response.headers["Location"] = "/same-origin"
            else:
                response.headers["Location"] = uri_of(target, "/other-origin")
            return response

        redirector = await start_server(nursery, process_request=same_then_other)
        async with target, redirector:
            async with connect(
                uri_of(redirector, "/old"), additional_headers=credentials
            ) as websocket:
                assert await websocket.recv() == "ok"
    assert seen == [credentials, credentials, dict.fromkeys(credentials)]


@trio_test
async def test_redirect_with_preexisting_stream_raises_value_error():
    def process_request(connection, request):
        response = connection.respond(http.HTTPStatus.FOUND, "")
        response.headers["Location"] = "/new"
        return response

    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, process_request=process_request)
        async with server:
            stream = await trio.open_tcp_stream("127.0.0.1", port_of(server))
            with pytest.raises(
                ValueError,
                match=r"cannot follow redirect to ws://127\.0\.0\.1:\d+/new "
                "with a preexisting stream",
            ):
                async with connect(uri_of(server, "/old"), stream=stream):
                    pass


@trio_test
async def test_redirect_loop_raises_security_error():
    def process_request(connection, request):
        response = connection.respond(http.HTTPStatus.FOUND, "")
        response.headers["Location"] = "/again"
        return response

    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, process_request=process_request)
        async with server:
            with pytest.raises(SecurityError, match="more than 10 redirects"):
                async with connect(uri_of(server)):
                    pass


@trio_test
async def test_tls_with_trustme_certificates(server_ssl, client_ssl):
    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, ssl=server_ssl)
        async with server:
            uri = f"wss://localhost:{port_of(server)}/"
            async with connect(uri, ssl=client_ssl, host="127.0.0.1") as websocket:
                assert isinstance(websocket.stream, trio.SSLStream)
                assert websocket.raw_socket is None
                await websocket.send("secret")
                assert await websocket.recv() == "secret"
                assert websocket.remote_address[0] == "127.0.0.1"
            assert websocket.close_code == CloseCode.NORMAL_CLOSURE
            assert websocket.connection_exc is None


@trio_test
async def test_ssl_with_ws_uri_is_rejected(client_ssl):
    with pytest.raises(ValueError, match="ssl argument is incompatible"):
        connect("ws://localhost/", ssl=client_ssl)


@trio_test
async def test_invalid_uri_raises_invalid_uri():
    with pytest.raises(InvalidURI):
        connect("http://localhost/")


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="Unix sockets")
@trio_test
async def test_unix_socket(unix_socket_path):
    path = unix_socket_path
    sock = trio.socket.socket(socket.AF_UNIX)
    await sock.bind(path)
    sock.listen()
    listener = trio.SocketListener(sock)
    async with trio.open_nursery() as nursery:
        server = await nursery.start(
            functools.partial(serve, echo, listeners=[listener])
        )
        async with server:
            async with unix_connect(path) as websocket:
                await websocket.send("over unix")
                assert await websocket.recv() == "over unix"


@trio_test
async def test_open_timeout_raises_timeout_error():
    # A TCP server that never answers the opening handshake.
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    async with trio.open_nursery() as nursery:
        nursery.start_soon(trio.serve_listeners, never_answer, listeners)
        with pytest.raises(TimeoutError, match="timed out during opening handshake"):
            async with connect(f"ws://127.0.0.1:{port}/", open_timeout=0.1):
                pass
        nursery.cancel_scope.cancel()


@trio_test
async def test_cancel_during_handshake_leaves_no_task():
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    async with trio.open_nursery() as nursery:
        nursery.start_soon(trio.serve_listeners, never_answer, listeners)
        with trio.move_on_after(0.1) as scope:
            async with connect(f"ws://127.0.0.1:{port}/"):
                pytest.fail("handshake can't succeed")
        assert scope.cancelled_caught
        nursery.cancel_scope.cancel()


@trio_test
async def test_cancel_mid_recv_in_client_then_close_cleanly():
    async def send_later(websocket):
        await websocket.recv()
        await websocket.send("late")
        await websocket.wait_closed()

    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, send_later)
        async with server:
            async with connect(uri_of(server)) as websocket:
                with trio.move_on_after(0.05):
                    await websocket.recv()
                await websocket.send("go")
                assert await websocket.recv() == "late"
            assert websocket.close_code == CloseCode.NORMAL_CLOSURE


@trio_test
async def test_reconnection_with_async_for(caplog):
    # Like in websockets 17.4, leaving the loop with break or an exception
    # leaves the generator's nursery open, which trio reports as misnesting.
    # The loop ends cleanly when reconnecting fails with a fatal error.
    attempts = []

    def process_request(connection, request):
        attempts.append(request.path)
        if len(attempts) == 1:
            return connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, "")
        if len(attempts) == 3:
            return connection.respond(http.HTTPStatus.FORBIDDEN, "")
        return None

    received = []
    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, process_request=process_request)
        async with server:
            with caplog.at_level(logging.INFO, logger="websockets.client"):
                with pytest.raises(InvalidStatus) as raised:
                    async for websocket in connect(
                        uri_of(server), reconnect_delays=lambda: iter([0.0] * 10)
                    ):
                        await websocket.send("reconnected")
                        received.append(await websocket.recv())
    assert raised.value.response.status_code == 403
    assert received == ["reconnected"]
    assert len(attempts) == 3
    assert any(
        message.startswith("connect failed; reconnecting in 0.0 seconds")
        for message in caplog.messages
    )


@trio_test
async def test_reconnection_raises_fatal_errors():
    def process_request(connection, request):
        return connection.respond(http.HTTPStatus.FORBIDDEN, "")

    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, process_request=process_request)
        async with server:
            with pytest.raises(InvalidStatus):
                async for _ in connect(uri_of(server)):
                    pytest.fail("connection can't succeed")


@trio_test
async def test_preexisting_stream():
    async with trio.open_nursery() as nursery:
        server = await start_server(nursery)
        async with server:
            stream = await trio.open_tcp_stream("127.0.0.1", port_of(server))
            async with connect("ws://example.com/", stream=stream) as websocket:
                await websocket.send("via stream")
                assert await websocket.recv() == "via stream"
                assert websocket.request.headers["Host"] == "example.com"


@trio_test
async def test_http_connect_proxy(monkeypatch):
    monkeypatch.delenv("ws_proxy", raising=False)
    async with trio.open_nursery() as nursery:
        server = await start_server(nursery)
        async with server:
            with run_connect_proxy() as proxy_server:
                proxy_host, proxy_port = proxy_server.server_address
                async with connect(
                    uri_of(server), proxy=f"http://{proxy_host}:{proxy_port}"
                ) as websocket:
                    await websocket.send("via proxy")
                    assert await websocket.recv() == "via proxy"


@trio_test
async def test_wss_through_socks_proxy(server_ssl, client_ssl):
    async with trio.open_nursery() as nursery:
        server = await start_server(nursery, ssl=server_ssl)
        async with server:
            with run_server(Socks5ProxyHandler) as proxy_server:
                proxy_host, proxy_port = proxy_server.server_address
                async with connect(
                    f"wss://localhost:{port_of(server)}/",
                    proxy=f"socks5h://{proxy_host}:{proxy_port}",
                    ssl=client_ssl,
                ) as websocket:
                    await websocket.send("via SOCKS")
                    assert await websocket.recv() == "via SOCKS"


@trio_test
async def test_router_dispatches_by_path():
    from werkzeug.routing import Map, Rule

    from websockets.trio.router import route

    async def hello(websocket, name):
        await websocket.send(f"hello {name}")

    url_map = Map([Rule("/hello/<name>", endpoint=hello)])
    async with trio.open_nursery() as nursery:
        server = await nursery.start(
            functools.partial(route, url_map, 0, host="127.0.0.1")
        )
        async with server:
            async with connect(uri_of(server, "/hello/trio")) as websocket:
                assert await websocket.recv() == "hello trio"
            with pytest.raises(InvalidStatus) as raised:
                async with connect(uri_of(server, "/nowhere")):
                    pass
            assert raised.value.response.status_code == 404


@trio_test
async def test_server_logs_listening_and_closing(caplog):
    with caplog.at_level(logging.INFO, logger="websockets.server"):
        async with trio.open_nursery() as nursery:
            server = await start_server(nursery)
            port = port_of(server)
            async with server:
                async with connect(uri_of(server)):
                    pass
    assert f"server listening on 127.0.0.1:{port}" in caplog.messages
    assert "connection closed" in caplog.messages
    assert "server closing" in caplog.messages
    assert caplog.messages[-1] == "server closed"
