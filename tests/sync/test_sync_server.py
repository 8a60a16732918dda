from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading

import pytest

from websockets.exceptions import (
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidMessage,
    InvalidStatus,
)
from websockets.frames import CloseCode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.sync.client import connect
from websockets.sync.server import (
    Server,
    ServerConnection,
    basic_auth,
    broadcast,
    serve,
    unix_serve,
)

from .sync_utils import (
    DEADLINE,
    echo,
    join,
    run_server,
    subprocess_env,
    uri,
    wait_until,
)


def open_fds():
    return set(os.listdir("/proc/self/fd"))


def test_serve_echoes_messages():
    with run_server(echo) as server:
        assert isinstance(server, Server)
        with connect(uri(server)) as ws:
            ws.send("hello")
            assert ws.recv() == "hello"


def test_server_runs_one_thread_per_connection():
    threads = []
    release = threading.Event()

    def handler(websocket):
        threads.append(threading.current_thread())
        websocket.send("ready")
        assert release.wait(DEADLINE)

    with run_server(handler) as server:
        with connect(uri(server)) as ws1, connect(uri(server)) as ws2:
            assert ws1.recv() == ws2.recv() == "ready"
            assert len(server.connections) == 2
            assert all(isinstance(c, ServerConnection) for c in server.connections)
            release.set()
    assert len(threads) == 2
    assert threads[0] is not threads[1]


def test_server_attributes():
    with run_server(echo) as server:
        assert server.fileno() == server.socket.fileno()
        assert server.connections == set()


def test_handler_exception_closes_with_1011_and_logs(caplog):
    def handler(websocket):
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="websockets.server"):
        with run_server(handler) as server:
            with connect(uri(server)) as ws:
                with pytest.raises(ConnectionClosedError) as raised:
                    ws.recv()
                assert raised.value.rcvd.code == CloseCode.INTERNAL_ERROR
                assert ws.close_code == CloseCode.INTERNAL_ERROR
    records = [
        r for r in caplog.records if r.getMessage() == "connection handler failed"
    ]
    assert len(records) == 1
    assert records[0].exc_info[0] is RuntimeError


def test_handler_return_closes_with_1000():
    def handler(websocket):
        websocket.send("bye")

    with run_server(handler) as server:
        with connect(uri(server)) as ws:
            assert ws.recv() == "bye"
            with pytest.raises(ConnectionClosedOK):
                ws.recv()
            assert ws.close_code == CloseCode.NORMAL_CLOSURE


def test_server_logs_lifecycle(caplog):
    with caplog.at_level(logging.INFO, logger="websockets.server"):
        with run_server(echo) as server:
            with connect(uri(server)) as ws:
                ws.send("x")
                ws.recv()
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("server listening on 127.0.0.1:")
    assert "connection open" in messages
    assert "connection closed" in messages
    assert "server closing" in messages
    assert messages[-1] == "server closed"


def test_process_request_can_reject():
    def process_request(connection, request):
        if request.path == "/forbidden":
            return connection.respond(403, "Forbidden\n")
        return None

    with run_server(echo, process_request=process_request) as server:
        with pytest.raises(InvalidStatus) as raised:
            connect(uri(server, path="/forbidden"))
        assert raised.value.response.status_code == 403
        with connect(uri(server, path="/allowed")) as ws:
            assert ws.request.path == "/allowed"


def test_process_request_failure_returns_500_and_logs(caplog):
    def process_request(connection, request):
        raise RuntimeError("oops")

    with caplog.at_level(logging.ERROR, logger="websockets.server"):
        with run_server(echo, process_request=process_request) as server:
            with pytest.raises(InvalidStatus) as raised:
                connect(uri(server))
    assert raised.value.response.status_code == 500
    assert "process_request failed" in [r.getMessage() for r in caplog.records]


def test_process_response_can_modify_or_replace():
    def process_response(connection, request, response):
        if request.path == "/replace":
            return connection.respond(418, "teapot\n")
        response.headers["X-Extra"] = "1"
        return None

    with run_server(echo, process_response=process_response) as server:
        with connect(uri(server)) as ws:
            assert ws.response.headers["X-Extra"] == "1"
        with pytest.raises(InvalidStatus) as raised:
            connect(uri(server, path="/replace"))
        assert raised.value.response.status_code == 418


def test_process_response_failure_returns_500_and_logs(caplog):
    def process_response(connection, request, response):
        raise RuntimeError("oops")

    with caplog.at_level(logging.ERROR, logger="websockets.server"):
        with run_server(echo, process_response=process_response) as server:
            with pytest.raises(InvalidStatus) as raised:
                connect(uri(server))
    assert raised.value.response.status_code == 500
    assert "process_response failed" in [r.getMessage() for r in caplog.records]


def test_opening_handshake_failure_is_logged(caplog):
    class BrokenConnection(ServerConnection):
        def handshake(self, *args, **kwargs):
            raise RuntimeError("broken")

    with caplog.at_level(logging.ERROR, logger="websockets.server"):
        with run_server(echo, create_connection=BrokenConnection) as server:
            with pytest.raises(InvalidMessage):
                connect(uri(server))
    assert "opening handshake failed" in [r.getMessage() for r in caplog.records]


def test_server_header_can_be_changed_or_removed():
    with run_server(echo, server_header="Custom") as server:
        with connect(uri(server)) as ws:
            assert ws.response.headers["Server"] == "Custom"
    with run_server(echo, server_header=None) as server:
        with connect(uri(server)) as ws:
            assert "Server" not in ws.response.headers


def test_invalid_http_request_gets_no_response():
    with run_server(echo) as server:
        with socket.create_connection(
            server.socket.getsockname()[:2], timeout=DEADLINE
        ) as sock:
            sock.sendall(b"garbage\r\n\r\n")
            assert sock.recv(4096) == b""


def test_non_websocket_request_gets_426():
    with run_server(echo) as server:
        with socket.create_connection(
            server.socket.getsockname()[:2], timeout=DEADLINE
        ) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            response = b""
            while chunk := sock.recv(4096):
                response += chunk
    assert response.startswith(b"HTTP/1.1 426 Upgrade Required\r\n")


def test_open_timeout_closes_idle_connection():
    with run_server(echo, open_timeout=0.05) as server:
        with socket.create_connection(
            server.socket.getsockname()[:2], timeout=DEADLINE
        ) as sock:
            assert sock.recv(4096) == b""


def test_origins_are_checked():
    with run_server(echo, origins=["https://good.example"]) as server:
        with connect(uri(server), origin="https://good.example"):
            pass
        with pytest.raises(InvalidStatus) as raised:
            connect(uri(server), origin="https://evil.example")
        assert raised.value.response.status_code == 403


def test_select_subprotocol_receives_server_connection():
    received = []

    def select_subprotocol(connection, subprotocols):
        received.append(connection)
        return subprotocols[-1]

    with run_server(
        echo, subprotocols=["a", "b"], select_subprotocol=select_subprotocol
    ) as server:
        with connect(uri(server), subprotocols=["a", "b"]) as ws:
            assert ws.subprotocol == "b"
    assert isinstance(received[0], ServerConnection)


def test_compression_none_disables_permessage_deflate():
    with run_server(echo, compression=None) as server:
        with connect(uri(server)) as ws:
            assert "Sec-WebSocket-Extensions" not in ws.response.headers


def test_serve_unsupported_compression_raises_value_error():
    with pytest.raises(ValueError, match="unsupported compression"):
        serve(echo, "127.0.0.1", 0, compression="xz")


def test_basic_auth_accepts_valid_credentials_and_sets_username():
    usernames = []

    def handler(websocket):
        usernames.append(websocket.username)

    auth = basic_auth(realm="test", credentials=("hello", "iloveyou"))
    with run_server(handler, process_request=auth) as server:
        port = server.socket.getsockname()[1]
        with connect(f"ws://hello:iloveyou@127.0.0.1:{port}/") as ws:
            with pytest.raises(ConnectionClosedOK):
                ws.recv()
    assert usernames == ["hello"]


def test_basic_auth_rejects_missing_or_invalid_credentials():
    auth = basic_auth(check_credentials=lambda username, password: False)
    with run_server(echo, process_request=auth) as server:
        port = server.socket.getsockname()[1]
        with pytest.raises(InvalidStatus) as raised:
            connect(f"ws://127.0.0.1:{port}/")
        assert raised.value.response.status_code == 401
        assert raised.value.response.headers["WWW-Authenticate"].startswith("Basic")
        with pytest.raises(InvalidStatus) as raised:
            connect(f"ws://hello:bad@127.0.0.1:{port}/")
        assert raised.value.response.status_code == 401


def test_basic_auth_argument_errors():
    with pytest.raises(ValueError):
        basic_auth()
    with pytest.raises(ValueError):
        basic_auth(credentials=("a", "b"), check_credentials=lambda u, p: True)
    with pytest.raises(TypeError):
        basic_auth(credentials=42)


def test_shutdown_from_another_thread_closes_connections_with_1001():
    connected = threading.Event()

    def handler(websocket):
        connected.set()
        for _ in websocket:
            pass

    server = serve(handler, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    with connect(uri(server)) as ws:
        assert connected.wait(DEADLINE)
        stopper = threading.Thread(target=server.shutdown)
        stopper.start()
        with pytest.raises(ConnectionClosedOK):
            ws.recv()
        assert ws.close_code == CloseCode.GOING_AWAY
        join(stopper)
    join(thread)


def test_shutdown_without_closing_connections():
    with run_server(echo) as server:
        with connect(uri(server)) as ws:
            server.shutdown(close_connections=False)
            ws.send("still there")
            assert ws.recv() == "still there"


def test_no_thread_or_socket_leak():
    threads_before = set(threading.enumerate())
    fds_before = open_fds()

    def handler(websocket):
        for message in websocket:
            if message == "stop":
                return
            websocket.send(message)

    with run_server(handler, ping_interval=0.5) as server:
        connections = [connect(uri(server), legacy=True) for _ in range(3)]
        for ws in connections:
            ws.send("x")
            assert ws.recv() == "x"
        connections[0].send("stop")
        connections[0].close()
        connections[1].close()
        # connections[2] is closed by the server's shutdown.
    connections[2].close()
    for ws in connections:
        assert ws.state is State.CLOSED
        join(ws.recv_events_thread)
        if ws.keepalive_thread is not None:
            join(ws.keepalive_thread)

    assert set(threading.enumerate()) <= threads_before
    assert open_fds() <= fds_before


def test_unix_serve(unix_socket_path):
    from websockets.sync.client import unix_connect

    path = unix_socket_path
    with unix_serve(echo, path) as server:
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        with unix_connect(path) as ws:
            ws.send("unix")
            assert ws.recv() == "unix"
        server.shutdown()
        join(thread)


def test_serve_with_preexisting_socket():
    sock = socket.create_server(("127.0.0.1", 0))
    with run_server(echo, host=None, port=None, sock=sock) as server:
        assert server.socket is sock
        with connect(uri(server)) as ws:
            ws.send("x")
            assert ws.recv() == "x"


def test_tls_server(server_ssl, client_ssl):
    with run_server(echo, ssl=server_ssl) as server:
        port = server.socket.getsockname()[1]
        with connect(f"wss://localhost:{port}/", ssl=client_ssl) as ws:
            ws.send("tls" * 10000)
            assert ws.recv() == "tls" * 10000


def test_tls_server_survives_plain_client(server_ssl, client_ssl):
    with run_server(echo, ssl=server_ssl, open_timeout=1) as server:
        port = server.socket.getsockname()[1]
        with pytest.raises(InvalidMessage):
            connect(f"ws://localhost:{port}/", open_timeout=1)
        with connect(f"wss://localhost:{port}/", ssl=client_ssl) as ws:
            ws.send("ok")
            assert ws.recv() == "ok"


def test_broadcast_sends_to_open_connections():
    with run_server(lambda websocket: websocket.recv()) as server:
        with connect(uri(server)) as ws1, connect(uri(server)) as ws2:
            wait_until(lambda: len(server.connections) >= 2)
            broadcast(server.connections, "news")
            assert ws1.recv() == "news"
            assert ws2.recv() == "news"
            broadcast(server.connections, b"bin")
            assert ws1.recv() == b"bin"
            ws1.send("done")
            ws2.send("done")
    with pytest.raises(TypeError):
        broadcast([], 42)


SIGNAL_SCRIPT = """
import signal, sys
from websockets.sync.server import serve

def echo(websocket):
    for message in websocket:
        websocket.send(message)

with serve(echo, "127.0.0.1", 0) as server:
    signal.signal(signal.SIGTERM, lambda signum, frame: server.shutdown())
    print(server.socket.getsockname()[1], flush=True)
    server.serve_forever()
print("stopped", flush=True)
"""


def test_shutdown_from_signal_handler():
    process = subprocess.Popen(
        [sys.executable, "-c", SIGNAL_SCRIPT],
        stdout=subprocess.PIPE,
        env=subprocess_env(),
        text=True,
    )
    try:
        port = int(process.stdout.readline())
        with connect(f"ws://127.0.0.1:{port}/") as ws:
            ws.send("hi")
            assert ws.recv() == "hi"
            process.send_signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosedOK):
                ws.recv()
            assert ws.close_code == CloseCode.GOING_AWAY
        assert process.stdout.readline() == "stopped\n"
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(DEADLINE)
        process.stdout.close()


def test_respond_builds_plain_text_response():
    responses = []

    def process_request(connection, request):
        response = connection.respond(200, "hello\n")
        responses.append(response)
        return response

    with run_server(echo, process_request=process_request) as server:
        with pytest.raises(InvalidStatus):
            connect(uri(server))
    assert isinstance(responses[0], Response)
    assert responses[0].body == b"hello\n"
