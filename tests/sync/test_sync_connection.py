from __future__ import annotations

import socket
import threading
import time
import uuid

import pytest

from websockets.exceptions import (
    ConcurrencyError,
    ConnectionClosedError,
    ConnectionClosedOK,
)
from websockets.frames import CloseCode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.sync.client import connect
from websockets.utils import accept_key

from .sync_utils import DEADLINE, echo, join, run_server, uri, wait_until


@pytest.fixture
def server():
    with run_server(echo) as server:
        yield server


@pytest.fixture
def ws(server):
    with connect(uri(server), ping_interval=None) as websocket:
        yield websocket


def test_send_and_recv_text(ws):
    ws.send("café")
    assert ws.recv() == "café"


def test_send_and_recv_binary_types(ws):
    for data in [b"tea", bytearray(b"tea"), memoryview(b"tea")]:
        ws.send(data)
        assert ws.recv() == b"tea"


def test_send_large_message(ws):
    data = bytes(range(256)) * 4000
    ws.send(data)
    assert ws.recv() == data


def test_send_text_flag_overrides_type(ws):
    ws.send(b"tea", text=True)
    assert ws.recv() == "tea"
    ws.send("tea", text=False)
    assert ws.recv() == b"tea"


def test_recv_decode_overrides_type(ws):
    ws.send(b"tea")
    assert ws.recv(decode=True) == "tea"
    ws.send("tea")
    assert ws.recv(decode=False) == b"tea"


def test_send_iterable_sends_fragmented_message(ws):
    ws.send(["ca", "fé"])
    assert ws.recv() == "café"
    ws.send(iter([b"ab", bytearray(b"cd"), memoryview(b"ef")]))
    assert ws.recv() == b"abcdef"


def test_send_empty_iterable_sends_nothing(ws):
    ws.send([])
    ws.send("after")
    assert ws.recv() == "after"


def test_send_unsupported_type_raises_type_error(ws):
    with pytest.raises(TypeError, match="data must be str, bytes, or iterable"):
        ws.send(42)
    with pytest.raises(TypeError, match="data is a dict-like object"):
        ws.send({"a": 1})
    with pytest.raises(TypeError, match="iterable must contain bytes or str"):
        ws.send([1])
    # The connection is still usable after errors on the first fragment.
    ws.send("ok")
    assert ws.recv() == "ok"


def test_send_mixed_iterable_fails_connection(ws):
    with pytest.raises(TypeError, match="iterable must contain uniform types"):
        ws.send(["a", b"b"])
    with pytest.raises(ConnectionClosedError) as raised:
        ws.recv()
    assert raised.value.sent.code == CloseCode.INTERNAL_ERROR
    assert raised.value.sent.reason == "error in fragmented message"


def test_recv_timeout_raises_timeout_error(ws):
    with pytest.raises(TimeoutError, match="timed out in 0.0s"):
        ws.recv(timeout=0.01)
    with pytest.raises(TimeoutError):
        ws.recv(timeout=0)
    ws.send("late")
    assert ws.recv(timeout=10) == "late"


def test_recv_streaming_yields_fragments(server):
    def handler(websocket):
        websocket.send(["ca", "f", "é"])
        websocket.send([b"ab", b"cd"])
        websocket.recv()

    with run_server(handler) as server:
        with connect(uri(server), ping_interval=None) as ws:
            assert list(ws.recv_streaming()) == ["ca", "f", "é", ""]
            assert list(ws.recv_streaming(decode=True)) == ["ab", "cd", ""]
            ws.send("done")


def test_concurrent_recv_raises_concurrency_error(ws):
    result = []
    thread = threading.Thread(target=lambda: result.append(ws.recv()))
    thread.start()
    wait_until(lambda: ws.recv_messages.get_in_progress)
    with pytest.raises(
        ConcurrencyError,
        match="cannot call recv while another thread "
        "is already running recv or recv_streaming",
    ):
        ws.recv()
    with pytest.raises(ConcurrencyError, match="cannot call recv_streaming"):
        list(ws.recv_streaming())
    ws.send("x")
    join(thread)
    assert result == ["x"]


def test_iteration_yields_messages_until_normal_close():
    def handler(websocket):
        for message in ["a", "b", b"c"]:
            websocket.send(message)

    with run_server(handler) as server:
        with connect(uri(server), ping_interval=None) as ws:
            assert list(ws) == ["a", "b", b"c"]
            assert ws.close_code == CloseCode.NORMAL_CLOSURE
            assert ws.close_reason == ""
            assert ws.state is State.CLOSED


def test_close_with_code_and_reason():
    received = []

    def handler(websocket):
        try:
            websocket.recv()
        except ConnectionClosedOK as exc:
            received.append((exc.rcvd.code, exc.rcvd.reason))

    with run_server(handler) as server:
        with connect(uri(server), ping_interval=None) as ws:
            ws.close(CloseCode.GOING_AWAY, "bye")
            assert ws.state is State.CLOSED
            assert ws.close_code == CloseCode.GOING_AWAY
            assert ws.close_reason == "bye"
    assert received == [(CloseCode.GOING_AWAY, "bye")]


def test_operations_after_close_raise_connection_closed_ok(ws):
    ws.close()
    for operation in [
        lambda: ws.send("x"),
        lambda: ws.recv(),
        lambda: ws.ping(),
        lambda: ws.pong(),
        lambda: list(ws.recv_streaming()),
    ]:
        with pytest.raises(ConnectionClosedOK):
            operation()
    # close() is idempotent.
    ws.close()
    assert ws.wait_closed(0) is True


def test_wait_closed_returns_false_while_open(ws):
    assert ws.wait_closed(0.01) is False


def test_exiting_context_with_exception_closes_with_1011(server):
    received = []

    def handler(websocket):
        try:
            websocket.recv()
        except ConnectionClosedError as exc:
            received.append(exc.rcvd.code)

    with run_server(handler) as server:
        with pytest.raises(ZeroDivisionError):
            with connect(uri(server), ping_interval=None):
                raise ZeroDivisionError
    assert received == [CloseCode.INTERNAL_ERROR]


def test_ping_returns_event_set_on_pong_and_records_latency(ws):
    assert ws.latency == 0
    pong_received = ws.ping()
    assert isinstance(pong_received, threading.Event)
    assert pong_received.wait(10)
    assert ws.latency > 0


def test_ping_with_payload(ws):
    assert ws.ping("abc").wait(10)
    assert ws.ping(b"abc").wait(10)


def test_ping_with_same_payload_twice_raises_concurrency_error(ws):
    # Block the server from answering by holding the protocol lock? Instead,
    # send two pings back-to-back: the second one happens before the pong.
    with ws.protocol_mutex:
        ws.pending_pings[b"dup"] = (threading.Event(), time.monotonic(), False)
    with pytest.raises(
        ConcurrencyError, match="already waiting for a pong with the same data"
    ):
        ws.ping(b"dup")


def test_ping_ack_on_close_sets_event_when_connection_closes():
    listener, port = raw_websocket_server()
    with listener:
        ws = connect(
            f"ws://127.0.0.1:{port}/",
            ping_interval=None,
            close_timeout=0.1,
            legacy=True,
        )
        peer = accepted[port]
        acked = ws.ping(ack_on_close=True)
        not_acked = ws.ping()
        ws.close()
        peer.close()
        assert acked.is_set()
        assert not not_acked.is_set()


def test_pong_is_accepted(ws):
    ws.pong()
    ws.pong("unsolicited")
    ws.pong(b"unsolicited")
    ws.send("still open")
    assert ws.recv() == "still open"


def test_connection_attributes(ws, server):
    assert isinstance(ws.id, uuid.UUID)
    assert ws.state is State.OPEN
    assert ws.local_address == ws.socket.getsockname()
    assert ws.remote_address == server.socket.getsockname()
    assert isinstance(ws.request, Request)
    assert isinstance(ws.response, Response)
    assert ws.response.status_code == 101
    assert ws.subprotocol is None
    assert ws.close_code is None
    assert ws.close_reason is None


def test_flow_control_delivers_every_message():
    count = 200

    def handler(websocket):
        for i in range(count):
            websocket.send(str(i))

    with run_server(handler) as server:
        with connect(uri(server), ping_interval=None, max_queue=(2, 1)) as ws:
            # Let the queue fill up so that reading pauses.
            wait_until(lambda: ws.recv_messages.paused)
            assert [ws.recv() for _ in range(count)] == [str(i) for i in range(count)]


def test_close_while_reading_is_paused_completes():
    def handler(websocket):
        for i in range(100):
            websocket.send(str(i))
        websocket.recv()

    with run_server(handler) as server:
        with connect(uri(server), ping_interval=None, max_queue=(1, 0)) as ws:
            wait_until(lambda: ws.recv_messages.paused)
            ws.close()
            assert ws.state is State.CLOSED
            assert not ws.recv_events_thread.is_alive()


def test_keepalive_measures_latency():
    with run_server(echo) as server:
        with connect(uri(server), ping_interval=0.02, ping_timeout=10) as ws:
            wait_until(lambda: ws.latency != 0)
            assert ws.keepalive_thread is not None
        join(ws.keepalive_thread)


# Raw peer that completes the opening handshake and then stays silent.

accepted: dict[int, socket.socket] = {}


def raw_websocket_server():
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(DEADLINE)
    port = listener.getsockname()[1]

    def serve_one():
        sock, _ = listener.accept()
        sock.settimeout(DEADLINE)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(4096)
        key = [
            line.split(b":", 1)[1].strip().decode()
            for line in data.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        ][0]
        # Record the socket before answering: once the client has the
        # response, the test may look it up.
        accepted[port] = sock
        sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: "
            + accept_key(key).encode()
            + b"\r\n\r\n"
        )

    thread = threading.Thread(target=serve_one)
    thread.start()

    class Listener:
        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            join(thread)
            listener.close()
            sock = accepted.pop(port, None)
            if sock is not None:
                sock.close()

    return Listener(), port


def test_keepalive_timeout_fails_connection_with_1011():
    listener, port = raw_websocket_server()
    with listener:
        ws = connect(
            f"ws://127.0.0.1:{port}/",
            ping_interval=0.02,
            ping_timeout=0.02,
            close_timeout=0.1,
            compression=None,
            legacy=True,
        )
        with pytest.raises(ConnectionClosedError) as raised:
            ws.recv()
        assert raised.value.sent.code == CloseCode.INTERNAL_ERROR
        assert raised.value.sent.reason == "keepalive ping timeout"
        join(ws.keepalive_thread)
        ws.close()


def test_close_timeout_when_peer_does_not_answer():
    listener, port = raw_websocket_server()
    with listener:
        ws = connect(
            f"ws://127.0.0.1:{port}/",
            ping_interval=None,
            close_timeout=0.05,
            legacy=True,
        )
        ws.close()
        assert ws.state is State.CLOSED
        assert ws.close_code == CloseCode.ABNORMAL_CLOSURE
        with pytest.raises(ConnectionClosedError) as raised:
            ws.recv()
        assert isinstance(raised.value.__cause__, TimeoutError)
