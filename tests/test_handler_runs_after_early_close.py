"""
A client that sends messages and closes at once, before the server's handler
starts, still has every message delivered to the handler (websockets 17.4
does the same). The server used to skip the handler of a connection that
was no longer OPEN, and the messages were lost.

"""

from __future__ import annotations

import asyncio
import socket
import threading

from tests.reliability.peers import OP_CLOSE, OP_TEXT, build_frame, build_request
from websockets.asyncio.server import serve as asyncio_serve
from websockets.exceptions import ConnectionClosedOK
from websockets.sync.server import serve as sync_serve


DEADLINE = 10

# The handshake, two messages and a close frame in one segment: the server
# reads them all before its handler runs, so the handler starts on a
# connection that is already closing.
BURST = (
    build_request()
    + build_frame(OP_TEXT, b"one")
    + build_frame(OP_TEXT, b"two")
    + build_frame(OP_CLOSE, b"\x03\xe8")
)


def send_burst(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as sock:
        sock.sendall(BURST)
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
    return received


async def test_asyncio_handler_gets_messages_of_a_client_that_closed_at_once():
    received: list[str] = []
    ended = asyncio.get_running_loop().create_future()

    async def handler(websocket):
        try:
            async for message in websocket:
                received.append(message)
        finally:
            ended.set_result(websocket.close_code)

    async with asyncio_serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        response = await asyncio.wait_for(asyncio.to_thread(send_burst, port), DEADLINE)
        assert await asyncio.wait_for(ended, DEADLINE) == 1000
    assert response.startswith(b"HTTP/1.1 101 ")
    assert received == ["one", "two"]


def test_sync_handler_gets_messages_of_a_client_that_closed_at_once():
    received: list[str] = []
    ended = threading.Event()

    def handler(websocket):
        try:
            for message in websocket:
                received.append(message)
        except ConnectionClosedOK:  # pragma: no cover
            pass
        finally:
            ended.set()

    with sync_serve(handler, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever)
        thread.start()
        try:
            response = send_burst(server.socket.getsockname()[1])
            assert ended.wait(DEADLINE)
        finally:
            server.shutdown()
            thread.join(DEADLINE)
    assert not thread.is_alive()
    assert response.startswith(b"HTTP/1.1 101 ")
    assert received == ["one", "two"]
