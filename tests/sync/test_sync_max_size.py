"""
The sync client and server enforce both limits of a ``max_size`` tuple.

websockets 17 takes ``max_size=(max_message_size, max_fragment_size)``; the
second limit applies to each frame. The failure (1009, with the frame's
size) is the one that websockets 17.4 reports.

"""

from __future__ import annotations

import threading

import pytest

from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import connect
from websockets.sync.server import serve


TIMEOUT = 10


def run_server(handler, **kwargs):
    server = serve(handler, "127.0.0.1", 0, **kwargs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def stop_server(server, thread):
    server.shutdown()
    thread.join(TIMEOUT)
    assert not thread.is_alive()


def test_client_enforces_max_fragment_size():
    def handler(connection):
        connection.send(b"x" * 10)
        with pytest.raises(ConnectionClosedError):
            connection.recv(timeout=TIMEOUT)

    server, thread = run_server(handler)
    try:
        port = server.socket.getsockname()[1]
        with connect(f"ws://127.0.0.1:{port}", max_size=(None, 4)) as client:
            with pytest.raises(ConnectionClosedError) as raised:
                client.recv(timeout=TIMEOUT)
        assert raised.value.sent.code == 1009
        # 10 bytes are below the compression threshold: sent uncompressed.
        assert raised.value.sent.reason == "frame with 10 bytes exceeds limit of 4 bytes"
    finally:
        stop_server(server, thread)


def test_server_enforces_max_fragment_size():
    closed = []

    def handler(connection):
        try:
            connection.recv(timeout=TIMEOUT)
        except ConnectionClosedError as exc:
            closed.append(exc)

    server, thread = run_server(handler, max_size=(None, 4))
    try:
        port = server.socket.getsockname()[1]
        with connect(f"ws://127.0.0.1:{port}") as client:
            client.send(b"x" * 10)
            with pytest.raises(ConnectionClosedError) as raised:
                client.recv(timeout=TIMEOUT)
        assert raised.value.rcvd.code == 1009
    finally:
        stop_server(server, thread)
    (exc,) = closed
    assert exc.sent.code == 1009
