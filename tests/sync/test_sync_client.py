from __future__ import annotations

import logging
import socket
import threading
import warnings

import pytest

from websockets.exceptions import (
    InvalidHandshake,
    InvalidMessage,
    InvalidStatus,
    InvalidURI,
    NegotiationError,
)
from websockets.http11 import SERVER, USER_AGENT
from websockets.sync.client import ClientConnection, connect, reconnect, unix_connect

from .sync_utils import (
    DEADLINE,
    echo,
    join,
    run_server,
    run_unix_server,
    uri,
    wait_until,
)


def test_connect_returns_client_connection():
    with run_server(echo) as server:
        with connect(uri(server)) as ws:
            assert isinstance(ws, ClientConnection)
            ws.send("hi")
            assert ws.recv() == "hi"


def test_connect_sends_default_headers():
    with run_server(echo) as server:
        with connect(uri(server)) as ws:
            headers = ws.request.headers
            assert headers["User-Agent"] == USER_AGENT
            assert "permessage-deflate" in headers["Sec-WebSocket-Extensions"]
            assert ws.response.headers["Server"] == SERVER


def test_connect_without_compression_or_user_agent():
    with run_server(echo) as server:
        with connect(uri(server), compression=None, user_agent_header=None) as ws:
            assert "Sec-WebSocket-Extensions" not in ws.request.headers
            assert "User-Agent" not in ws.request.headers
            ws.send(b"x" * 10000)
            assert ws.recv() == b"x" * 10000


def test_connect_with_compression_roundtrip():
    with run_server(echo) as server:
        with connect(uri(server)) as ws:
            assert ws.protocol.extensions
            ws.send("text " * 1000)
            assert ws.recv() == "text " * 1000


def test_connect_unsupported_compression_raises_value_error():
    with pytest.raises(ValueError, match="unsupported compression: xz"):
        connect("ws://localhost/", compression="xz")


def test_connect_additional_headers_and_origin():
    with run_server(echo) as server:
        with connect(
            uri(server),
            additional_headers={"X-Test": "yes"},
            origin="https://example.com",
        ) as ws:
            assert ws.request.headers["X-Test"] == "yes"
            assert ws.request.headers["Origin"] == "https://example.com"


def test_connect_negotiates_subprotocol():
    with run_server(echo, subprotocols=["chat", "superchat"]) as server:
        with connect(uri(server), subprotocols=["superchat"]) as ws:
            assert ws.subprotocol == "superchat"


def test_connect_fails_when_server_picks_no_subprotocol_we_support():
    def select(connection, subprotocols):
        return "other"

    with run_server(echo, select_subprotocol=select) as server:
        with pytest.raises(NegotiationError):
            connect(uri(server), subprotocols=["chat"], legacy=True)


def test_connect_invalid_uri_raises_invalid_uri():
    with pytest.raises(InvalidURI, match="isn't a valid URI"):
        connect("http://localhost/")


def test_connect_refused_raises_oserror():
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(OSError):
        connect(f"ws://127.0.0.1:{port}/")


def test_connect_rejected_raises_invalid_status():
    def process_request(connection, request):
        return connection.respond(404, "nope\n")

    with run_server(echo, process_request=process_request) as server:
        with pytest.raises(InvalidStatus) as raised:
            connect(uri(server))
        assert raised.value.response.status_code == 404
        assert raised.value.response.body == b"nope\n"
        assert str(raised.value) == "server rejected WebSocket connection: HTTP 404"


def serve_raw_once(reply):
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(DEADLINE)

    def run():
        sock, _ = listener.accept()
        sock.settimeout(DEADLINE)
        with sock:
            sock.recv(4096)
            if reply is not None:
                sock.sendall(reply)
            # Wait for the client to give up.
            while sock.recv(4096):
                pass

    thread = threading.Thread(target=run)
    thread.start()
    return listener, thread


def test_connect_garbage_response_raises_invalid_message():
    listener, thread = serve_raw_once(b"garbage\r\n\r\n")
    port = listener.getsockname()[1]
    with pytest.raises(InvalidMessage, match="did not receive a valid HTTP response"):
        connect(f"ws://127.0.0.1:{port}/")
    join(thread)
    listener.close()


def test_connect_closed_before_response_raises_invalid_message():
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(DEADLINE)
    port = listener.getsockname()[1]

    def run():
        sock, _ = listener.accept()
        sock.settimeout(DEADLINE)
        sock.recv(4096)
        sock.close()

    thread = threading.Thread(target=run)
    thread.start()
    with pytest.raises(InvalidMessage) as raised:
        connect(f"ws://127.0.0.1:{port}/")
    assert isinstance(raised.value.__cause__, EOFError)
    join(thread)
    listener.close()


def test_connect_open_timeout_raises_timeout_error():
    listener, thread = serve_raw_once(None)
    port = listener.getsockname()[1]
    with pytest.raises(
        TimeoutError, match="timed out while waiting for handshake response"
    ):
        connect(f"ws://127.0.0.1:{port}/", open_timeout=0.05)
    join(thread)
    listener.close()


def test_connect_with_preexisting_socket():
    with run_server(echo) as server:
        sock = socket.create_connection(
            server.socket.getsockname()[:2], timeout=DEADLINE
        )
        with connect("ws://invalid.example/", sock=sock) as ws:
            ws.send("sock")
            assert ws.recv() == "sock"


def test_connect_with_tls(server_ssl, client_ssl):
    with run_server(echo, ssl=server_ssl) as server:
        port = server.socket.getsockname()[1]
        with connect(f"wss://localhost:{port}/", ssl=client_ssl) as ws:
            ws.send("secret")
            assert ws.recv() == "secret"
            assert ws.socket.version() is not None


def test_connect_with_tls_to_untrusted_server_fails(server_ssl):
    import ssl

    with run_server(echo, ssl=server_ssl) as server:
        port = server.socket.getsockname()[1]
        with pytest.raises(ssl.SSLCertVerificationError):
            connect(f"wss://localhost:{port}/")


def test_connect_ssl_with_ws_uri_raises_value_error(client_ssl):
    with pytest.raises(ValueError, match="ssl argument is incompatible"):
        connect("ws://localhost/", ssl=client_ssl)


def test_unix_connect(tmp_path):
    path = str(tmp_path / "sock")
    with run_unix_server(echo, path) as server:
        with unix_connect(path) as ws:
            ws.send("unix")
            assert ws.recv() == "unix"
            assert ws.request.headers["Host"] == "localhost"
        assert server.socket.family == socket.AF_UNIX


def test_unix_connect_requires_path():
    with pytest.raises(ValueError, match="missing path argument"):
        unix_connect()


def test_create_connection_subclass_is_used():
    class MyConnection(ClientConnection):
        pass

    with run_server(echo) as server:
        with connect(uri(server), create_connection=MyConnection) as ws:
            assert isinstance(ws, MyConnection)


def test_connect_without_context_manager_warns():
    with run_server(echo) as server:
        ws = connect(uri(server))
        with pytest.warns(
            DeprecationWarning, match="must be used as a context manager"
        ):
            ws.send("x")
        ws.recv()
        ws.close()


def test_connect_legacy_true_or_context_manager_does_not_warn():
    with run_server(echo) as server:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ws = connect(uri(server), legacy=True)
            ws.send("x")
            ws.recv()
            ws.close()
            with connect(uri(server)) as ws:
                ws.send("x")
                ws.recv()


def test_connect_legacy_false_returns_reconnect():
    with run_server(echo) as server:
        client = connect(uri(server), legacy=False)
        assert isinstance(client, reconnect)
        with client as ws:
            ws.send("x")
            assert ws.recv() == "x"


def test_reconnect_iterates_over_connections():
    with run_server(echo) as server:
        seen = []
        for ws in reconnect(uri(server)):
            ws.send(str(len(seen)))
            seen.append(ws.recv())
            if len(seen) == 2:
                break
        assert seen == ["0", "1"]


def test_reconnect_retries_transient_errors_then_raises_fatal(caplog):
    attempts = []

    def process_exception(exc):
        attempts.append(exc)
        return None if len(attempts) < 2 else exc

    def delays():
        while True:
            yield 0

    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with caplog.at_level(logging.INFO, logger="websockets.client"):
        with pytest.raises(OSError):
            for _ in reconnect(
                f"ws://127.0.0.1:{port}/",
                process_exception=process_exception,
                reconnect_delays=delays,
            ):
                pass
    assert len(attempts) == 2
    assert "connect failed; reconnecting in 0.0 seconds" in caplog.text


def test_connect_follows_redirect():
    with run_server(echo) as target:

        def process_request(connection, request):
            response = connection.respond(302, "moved\n")
            response.headers["Location"] = uri(target)
            return response

        with run_server(echo, process_request=process_request) as server:
            with connect(uri(server)) as ws:
                assert ws.remote_address == target.socket.getsockname()


def test_connect_proxy_from_environment_is_used(monkeypatch):
    # An HTTP proxy that tunnels with CONNECT.
    with run_server(echo) as server:
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(DEADLINE)
        requests = []

        def proxy():
            client, _ = listener.accept()
            client.settimeout(DEADLINE)
            data = b""
            while b"\r\n\r\n" not in data:
                data += client.recv(4096)
            requests.append(data.split(b"\r\n")[0])
            upstream = socket.create_connection(
                server.socket.getsockname()[:2], timeout=DEADLINE
            )
            client.sendall(b"HTTP/1.1 200 OK\r\n\r\n")

            def pipe(src, dst):
                try:
                    while chunk := src.recv(65536):
                        dst.sendall(chunk)
                except OSError:
                    pass
                finally:
                    try:
                        dst.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass

            threads = [
                threading.Thread(target=pipe, args=(client, upstream)),
                threading.Thread(target=pipe, args=(upstream, client)),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                join(thread)
            client.close()
            upstream.close()

        thread = threading.Thread(target=proxy)
        thread.start()
        proxy_port = listener.getsockname()[1]
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy_port}")
        monkeypatch.setenv("no_proxy", "")
        with connect("ws://example.invalid:8765/") as ws:
            ws.send("via proxy")
            assert ws.recv() == "via proxy"
        join(thread)
        listener.close()
        assert requests == [b"CONNECT example.invalid:8765 HTTP/1.1"]


def test_handshake_errors_are_invalid_handshake():
    assert issubclass(InvalidStatus, InvalidHandshake)
    assert issubclass(InvalidMessage, InvalidHandshake)


def test_client_reads_only_after_writing_its_request():
    # With TLS 1.3, reading while the request is being written, from another
    # thread, could lose the request: OpenSSL doesn't support it.
    import sys

    from websockets.client import ClientProtocol
    from websockets.uri import parse_uri

    client_sock, server_sock = socket.socketpair()
    with client_sock, server_sock:
        server_sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        connection = ClientConnection(client_sock, ClientProtocol(parse_uri("ws://x/")))
        thread = connection.recv_events_thread

        def reading_thread_is_parked() -> bool:
            # The reading thread's innermost frame is threading's wait(),
            # called from recv_events(): it has started and stopped at the
            # gate instead of reading.
            frame = sys._current_frames().get(thread.ident)
            functions = []
            while frame is not None:
                functions.append(frame.f_code.co_name)
                frame = frame.f_back
            return "recv_events" in functions and functions[0] == "wait"

        wait_until(reading_thread_is_parked)
        # Parked before reading: the response is still in the socket.
        peeked = client_sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        assert peeked == b"H", "the response was read before the request was sent"
        with pytest.raises(InvalidStatus):
            connection.handshake(timeout=5)
        assert server_sock.recv(4096).startswith(b"GET / HTTP/1.1\r\n")
        connection.close_socket()
        join(connection.recv_events_thread)
