"""Server API: serve, handlers, handshake hooks, shutdown, TLS, Unix, IPv6."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest
from asyncio_utils import echo, port_of, uri_of, wait_for

from websockets.asyncio.client import connect, unix_connect
from websockets.asyncio.server import (
    Server,
    ServerConnection,
    basic_auth,
    broadcast,
    serve,
    unix_serve,
)
from websockets.exceptions import ConnectionClosedOK, InvalidStatus


async def test_serve_is_awaitable_and_server_api():
    server = await serve(echo, "127.0.0.1", 0)
    assert isinstance(server, Server)
    assert server.is_serving()
    assert server.sockets
    async with connect(uri_of(server)) as ws:
        await ws.send("x")
        assert await ws.recv() == "x"
        assert len(server.connections) == 1
    server.close()
    await server.wait_closed()
    assert not server.is_serving()


async def test_start_serving_false_then_start_serving():
    server = await serve(echo, "127.0.0.1", 0, start_serving=False)
    assert not server.is_serving()
    await server.start_serving()
    assert server.is_serving()
    server.close()
    await server.wait_closed()


async def test_serve_forever_is_stopped_by_close():
    server = await serve(echo, "127.0.0.1", 0)
    task = asyncio.create_task(server.serve_forever())
    await asyncio.sleep(0)
    server.close()
    await server.wait_closed()
    task.cancel()


async def test_close_closes_connections_with_1001():
    async with serve(echo, "127.0.0.1", 0) as server:
        ws = await connect(uri_of(server))
        server.close()
        with pytest.raises(ConnectionClosedOK) as excinfo:
            await ws.recv()
        assert excinfo.value.rcvd.code == 1001
        await server.wait_closed()


async def test_close_with_custom_code():
    async with serve(echo, "127.0.0.1", 0) as server:
        ws = await connect(uri_of(server))
        server.close(code=1012, reason="restart")
        with pytest.raises(Exception) as excinfo:
            await ws.recv()
        assert excinfo.value.rcvd.code == 1012
        assert excinfo.value.rcvd.reason == "restart"


async def test_close_without_closing_connections():
    done = asyncio.Event()

    async def handler(ws):
        await ws.send(await ws.recv())
        done.set()

    async with serve(handler, "127.0.0.1", 0) as server:
        ws = await connect(uri_of(server))
        server.close(close_connections=False)
        await ws.send("still works")
        assert await ws.recv() == "still works"
        await server.wait_closed()
        assert done.is_set()


async def test_handler_exception_closes_with_1011_and_logs(caplog):
    async def handler(ws):
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="websockets.server"):
        async with serve(handler, "127.0.0.1", 0) as server:
            async with connect(uri_of(server)) as ws:
                with pytest.raises(Exception) as excinfo:
                    await ws.recv()
                assert excinfo.value.rcvd.code == 1011
            # The server keeps serving.
            async with connect(uri_of(server)) as ws:
                pass
    assert [r.getMessage() for r in caplog.records] == ["connection handler failed"] * 2
    assert caplog.records[0].exc_info[0] is RuntimeError


async def test_classic_handler_receives_path():
    async def handler(websocket, path):
        await websocket.send(path)

    async with serve(handler, "127.0.0.1", 0) as server:
        async with connect(uri_of(server, "/some/path?q=1")) as ws:
            assert await ws.recv() == "/some/path?q=1"


async def test_process_request_rejects_and_client_gets_invalid_status():
    def process_request(connection, request):
        if request.path == "/forbidden":
            return connection.respond(403, "nope\n")
        return None

    async with serve(echo, "127.0.0.1", 0, process_request=process_request) as server:
        with pytest.raises(InvalidStatus) as excinfo:
            await connect(uri_of(server, "/forbidden"))
        assert excinfo.value.response.status_code == 403
        assert excinfo.value.response.body == b"nope\n"
        async with connect(uri_of(server, "/ok")):
            pass


async def test_process_request_exception_returns_500(caplog):
    async def process_request(connection, request):
        raise ValueError("bad")

    with caplog.at_level(logging.ERROR, logger="websockets.server"):
        async with serve(
            echo, "127.0.0.1", 0, process_request=process_request
        ) as server:
            with pytest.raises(InvalidStatus) as excinfo:
                await connect(uri_of(server))
    assert excinfo.value.response.status_code == 500
    assert "process_request failed" in [r.getMessage() for r in caplog.records]


async def test_process_response_can_modify_headers():
    def process_response(connection, request, response):
        response.headers["X-Test"] = "yes"

    async with serve(echo, "127.0.0.1", 0, process_response=process_response) as server:
        async with connect(uri_of(server)) as ws:
            assert ws.response.headers["X-Test"] == "yes"
            assert ws.response.headers["Server"].startswith("Python/")


async def test_server_header_none_removes_header():
    async with serve(echo, "127.0.0.1", 0, server_header=None) as server:
        async with connect(uri_of(server)) as ws:
            assert "Server" not in ws.response.headers


async def test_invalid_request_is_answered_with_426():
    async with serve(echo, "127.0.0.1", 0) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        response = await reader.read()
        writer.close()
        assert response.startswith(b"HTTP/1.1 426 Upgrade Required\r\n")


async def test_open_timeout_closes_idle_connection():
    async with serve(echo, "127.0.0.1", 0, open_timeout=0.05) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
        assert await reader.read() == b""
        writer.close()


async def test_subprotocol_negotiation_and_select_subprotocol():
    def select(connection, subprotocols):
        assert isinstance(connection, ServerConnection)
        return "b" if "b" in subprotocols else None

    async with serve(
        echo, "127.0.0.1", 0, subprotocols=["a", "b"], select_subprotocol=select
    ) as server:
        async with connect(uri_of(server), subprotocols=["a", "b"]) as ws:
            assert ws.subprotocol == "b"


async def test_compression_none_and_deflate():
    async with serve(echo, "127.0.0.1", 0, compression=None) as server:
        async with connect(uri_of(server)) as ws:
            assert "Sec-WebSocket-Extensions" not in ws.response.headers
    async with serve(echo, "127.0.0.1", 0) as server:
        async with connect(uri_of(server)) as ws:
            assert (
                "permessage-deflate" in ws.response.headers["Sec-WebSocket-Extensions"]
            )
            await ws.send("z" * 10000)
            assert await ws.recv() == "z" * 10000
    with pytest.raises(ValueError):
        serve(echo, "127.0.0.1", 0, compression="zstd")


async def test_origins():
    async with serve(echo, "127.0.0.1", 0, origins=["https://good"]) as server:
        async with connect(uri_of(server), origin="https://good"):
            pass
        with pytest.raises(InvalidStatus) as excinfo:
            await connect(uri_of(server), origin="https://evil")
        assert excinfo.value.response.status_code == 403


async def test_create_connection_subclass():
    class MyConnection(ServerConnection):
        pass

    seen = []

    async def handler(ws):
        seen.append(type(ws))

    async with serve(handler, "127.0.0.1", 0, create_connection=MyConnection) as server:
        async with connect(uri_of(server)) as ws:
            await ws.wait_closed()
    assert seen == [MyConnection]


async def test_broadcast_sends_to_open_connections():
    async def handler(ws):
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0) as server:
        clients = [await connect(uri_of(server)) for _ in range(3)]
        await wait_for(lambda: len(server.connections) == 3)
        broadcast(server.connections, "hello")
        broadcast(server.connections, b"bin")
        for ws in clients:
            assert await ws.recv() == "hello"
            assert await ws.recv() == b"bin"
            await ws.close()
        with pytest.raises(TypeError):
            broadcast([], 42)


async def test_broadcast_to_mixed_compressed_and_plain_connections():
    # Uncompressed server connections share one serialized frame; compressed
    # ones frame the message themselves. Every client gets every message.
    async def handler(ws):
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0) as server:
        clients = [
            await connect(uri_of(server), compression=compression)
            for compression in ["deflate", None, None, "deflate", None]
        ]
        await wait_for(lambda: len(server.connections) == 5)
        for index in range(20):
            broadcast(server.connections, f"message {index} " * 50)
        broadcast(server.connections, b"\x00" * 1000, text=True)
        for ws in clients:
            for index in range(20):
                assert await ws.recv() == f"message {index} " * 50
            assert await ws.recv() == "\x00" * 1000
            await ws.close()


async def test_broadcast_skips_connection_sending_a_fragmented_message(caplog):
    release = asyncio.Event()

    async def fragments():
        yield "first"
        await release.wait()
        yield "last"

    async def handler(ws):
        await ws.send(fragments())
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0) as server:
        async with connect(uri_of(server)) as ws:
            await wait_for(lambda: any(c.send_in_progress for c in server.connections))
            with caplog.at_level(logging.WARNING, logger="websockets.server"):
                broadcast(server.connections, "skipped")
            assert "skipped broadcast: sending a fragmented message" in caplog.text
            release.set()
            assert await ws.recv() == "firstlast"


async def test_basic_auth():
    async def handler(ws):
        await ws.send(ws.username)

    auth = basic_auth(realm="test", credentials=("alice", "secret"))
    async with serve(handler, "127.0.0.1", 0, process_request=auth) as server:
        port = port_of(server)
        async with connect(f"ws://alice:secret@127.0.0.1:{port}/") as ws:
            assert await ws.recv() == "alice"
        with pytest.raises(InvalidStatus) as excinfo:
            await connect(f"ws://alice:wrong@127.0.0.1:{port}/")
        assert excinfo.value.response.status_code == 401
        with pytest.raises(InvalidStatus) as excinfo:
            await connect(f"ws://127.0.0.1:{port}/")
        assert excinfo.value.response.headers["WWW-Authenticate"] == (
            'Basic realm="test", charset="UTF-8"'
        )
    with pytest.raises(ValueError):
        basic_auth()


async def test_wss_with_trustme_certificates(server_ssl, client_ssl):
    async with serve(echo, "localhost", 0, ssl=server_ssl) as server:
        uri = f"wss://localhost:{port_of(server)}/"
        async with connect(uri, ssl=client_ssl) as ws:
            await ws.send("secure")
            assert await ws.recv() == "secure"


async def test_wss_with_ssl_true_uses_default_context(server_ssl, certs):
    import ssl

    _, _, ca_path, _ = certs
    async with serve(echo, "localhost", 0, ssl=server_ssl) as server:
        uri = f"wss://localhost:{port_of(server)}/"
        # ssl=True verifies against the system store, which doesn't trust
        # our test CA: the TLS handshake fails.
        with pytest.raises(ssl.SSLCertVerificationError):
            await connect(uri, ssl=True)
        with pytest.raises(ValueError):
            await connect(uri.replace("wss", "ws"), ssl=True)


async def test_unix_socket(unix_socket_path):
    path = unix_socket_path
    async with unix_serve(echo, path):
        async with unix_connect(path) as ws:
            await ws.send("unix")
            assert await ws.recv() == "unix"


async def test_ipv6_loopback():
    if not socket.has_ipv6:  # pragma: no cover
        pytest.fail("IPv6 unavailable")
    async with serve(echo, "::1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://[::1]:{port}/") as ws:
            await ws.send("v6")
            assert await ws.recv() == "v6"


async def test_sock_passthrough():
    sock = socket.create_server(("127.0.0.1", 0))
    async with serve(echo, sock=sock) as server:
        async with connect(uri_of(server)) as ws:
            await ws.send("sock")
            assert await ws.recv() == "sock"


async def test_server_logs_listening_and_closing(caplog):
    with caplog.at_level(logging.INFO, logger="websockets.server"):
        async with serve(echo, "127.0.0.1", 0) as server:
            port = port_of(server)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        f"server listening on 127.0.0.1:{port}",
        "server closing",
        "server closed",
    ]
