"""
Hostile peers against the asyncio server.

Each test plays one attack with a raw socket (:mod:`tests.reliability.peers`)
against a real server on 127.0.0.1 and checks four things:

* the outcome the attacker sees (close code and reason, HTTP status, or the
  TCP connection closing);
* the outcome the server's handler sees (:exc:`ConnectionClosed` and the
  close frame it sent);
* what gets logged: the documented lines and no error spam;
* that the server still serves a well-behaved client afterwards, and, where
  the attack aims at memory, that memory stayed bounded (:mod:`tracemalloc`).

The results are tabulated in ``docs/reliability.rst``.

"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.reliability.peers import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    RawPeer,
    build_frame,
    build_request,
    deflate_bomb,
    raw_connect,
)
from websockets.asyncio.client import connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, ConnectionClosedError
from websockets.frames import Close


if sys.version_info >= (3, 11):
    from asyncio import timeout
else:  # asyncio.timeout is new in 3.11; async-timeout is its predecessor.
    from async_timeout import timeout

# Guard against hangs only; the tests make no assertion about durations.
DEADLINE = 20

MiB = 2**20

Handler = Callable[[ServerConnection], Awaitable[None]]


class HostileServer:
    """A server whose handler echoes messages and records how it ended."""

    def __init__(self) -> None:
        self.server: Server
        self.port: int
        self.outcomes: asyncio.Queue[ConnectionClosed] = asyncio.Queue()
        self.handlers_started = 0
        self.peers: list[RawPeer] = []

    async def raw_connect(self, *args: Any, **kwargs: Any) -> RawPeer:
        """Connect an attacker; it's closed when the server shuts down."""
        peer = await raw_connect(self.port, *args, **kwargs)
        self.peers.append(peer)
        return peer

    async def echo(self, connection: ServerConnection) -> None:
        self.handlers_started += 1
        try:
            while True:
                message = await connection.recv()
                await connection.send(message)
        except ConnectionClosed as exc:
            self.outcomes.put_nowait(exc)

    async def outcome(self) -> ConnectionClosed:
        """Return how the next handler ended."""
        return await self.outcomes.get()

    async def check_still_serving(self) -> None:
        """A well-behaved client gets its messages echoed."""
        async with connect(f"ws://127.0.0.1:{self.port}") as client:
            for message in ["still serving", b"\x00" * 1000]:
                await client.send(message)
                assert await client.recv() == message
        # Its handler ends with a normal closure. (Attacks running at the
        # same time may record their own outcomes first.)
        while (await self.outcome()).rcvd != Close(1000, ""):
            pass


@contextlib.asynccontextmanager
async def hostile_server(
    handler: Handler | None = None, **kwargs: Any
) -> AsyncIterator[HostileServer]:
    """Run a server on 127.0.0.1 for the duration of an attack."""
    hostile = HostileServer()
    async with timeout(DEADLINE):
        async with serve(handler or hostile.echo, "127.0.0.1", 0, **kwargs) as server:
            hostile.server = server
            hostile.port = server.sockets[0].getsockname()[1]
            try:
                yield hostile
            finally:
                # Otherwise, shutting down waits for close_timeout on each
                # connection that an attacker left open.
                for peer in hostile.peers:
                    peer.close()


@contextlib.contextmanager
def traced_peak() -> Any:
    """Measure the peak of Python allocations, in bytes, above the start."""
    tracemalloc.start()
    result = {"peak": 0}
    try:
        start, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        yield result
        _, peak = tracemalloc.get_traced_memory()
        result["peak"] = peak - start
    finally:
        tracemalloc.stop()


def warnings_and_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.WARNING
    ]


def messages(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger]


@pytest.fixture
def server_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    # INFO, not DEBUG: debug logging moves the protocol off its fast path.
    caplog.set_level(logging.INFO, logger="websockets")
    return caplog


# Oversized frames and messages: RFC 6455 §10.4 lets an endpoint limit frame
# and message sizes; websockets fails the connection with 1009.


@pytest.mark.parametrize("length", [2**63 - 1, 2**63])
async def test_frame_header_announcing_2_63_bytes_fails_with_1009(length, server_log):
    async with hostile_server(max_size=64 * 1024) as hostile:
        peer = await hostile.raw_connect()
        with traced_peak() as memory:
            # Only the 14-byte header goes out: the close frame must come
            # back without the server waiting for, or allocating, a payload.
            await peer.send(build_frame(OP_BINARY, length=length))
            code, reason = await peer.read_close()
            assert await peer.finish() == b""
            exc = await hostile.outcome()
        assert code == 1009
        # RFC 6455 §5.2 says that the most significant bit of a 64-bit
        # length MUST be 0; websockets reads it as a size anyway.
        assert reason == f"frame with {length} bytes exceeds limit of 65536 bytes"
        assert isinstance(exc, ConnectionClosedError)
        assert exc.sent == Close(1009, reason)
        assert memory["peak"] < 1 * MiB
        await hostile.check_still_serving()
    assert warnings_and_errors(server_log) == []


async def test_message_over_max_size_fails_with_1009(server_log):
    async with hostile_server(max_size=64 * 1024) as hostile:
        peer = await hostile.raw_connect()
        # A message at the limit is echoed.
        await peer.send(build_frame(OP_TEXT, b"a" * (64 * 1024)))
        opcode, _, payload = await peer.read_frame()
        assert (opcode, len(payload)) == (OP_TEXT, 64 * 1024)
        # One byte more fails the connection.
        await peer.send(build_frame(OP_BINARY, b"b" * (64 * 1024 + 1)))
        code, reason = await peer.read_close()
        assert (code, reason) == (
            1009,
            "frame with 65537 bytes exceeds limit of 65536 bytes",
        )
        await peer.finish()
        exc = await hostile.outcome()
        assert exc.sent == Close(1009, reason)
        await hostile.check_still_serving()
    assert warnings_and_errors(server_log) == []


async def test_decompression_bomb_fails_with_1009_and_bounded_memory(server_log):
    # 64 MiB of zeros deflate to about 64 KiB, well below max_size, so the
    # frame itself is accepted; inflating it must stop at max_size.
    bomb = deflate_bomb(64 * MiB)
    assert len(bomb) < 128 * 1024
    async with hostile_server(max_size=MiB) as hostile:
        peer = await hostile.raw_connect(build_request(extensions="permessage-deflate"))
        with traced_peak() as memory:
            await peer.send(build_frame(OP_BINARY, bomb, rsv1=True))
            code, reason = await peer.read_close()
            await peer.finish()
            exc = await hostile.outcome()
        # Same reason as websockets 17.4: the inflated size isn't known.
        assert (code, reason) == (1009, "frame exceeds limit of 1048576 bytes")
        assert exc.sent == Close(1009, reason)
        # The server never holds more than about max_size of inflated data;
        # 64 MiB would be allocated without the limit.
        assert memory["peak"] < 8 * MiB
        await hostile.check_still_serving()
    assert warnings_and_errors(server_log) == []


async def test_fragmented_decompression_bomb_fails_with_1009_and_bounded_memory(
    server_log,
):
    # Same bomb, split in two frames: whole compressed messages take the
    # protocol's fast path, fragmented ones PerMessageDeflate.decode(); both
    # inflate at most max_size + 1 bytes.
    bomb = deflate_bomb(64 * MiB)
    half = len(bomb) // 2
    async with hostile_server(max_size=MiB) as hostile:
        peer = await hostile.raw_connect(build_request(extensions="permessage-deflate"))
        with traced_peak() as memory:
            await peer.send(build_frame(OP_BINARY, bomb[:half], fin=False, rsv1=True))
            await peer.send(build_frame(OP_CONT, bomb[half:]))
            code, reason = await peer.read_close()
            await peer.finish()
            exc = await hostile.outcome()
        assert code == 1009
        assert exc.sent == Close(1009, reason)
        assert memory["peak"] < 8 * MiB
        await hostile.check_still_serving()
    assert warnings_and_errors(server_log) == []


async def test_invalid_compressed_message_fails_with_1002(server_log):
    # Whole compressed messages take the protocol's fast path: invalid
    # deflate data must still fail the connection cleanly.
    async with hostile_server(max_size=MiB) as hostile:
        peer = await hostile.raw_connect(build_request(extensions="permessage-deflate"))
        await peer.send(build_frame(OP_TEXT, b"\xff\xff\xff garbage", rsv1=True))
        code, reason = await peer.read_close()
        await peer.finish()
        exc = await hostile.outcome()
        assert (code, reason) == (1002, "decompression failed")
        assert exc.sent == Close(1002, reason)
        await hostile.check_still_serving()
    assert warnings_and_errors(server_log) == []


# Fragmentation: websockets limits the size of a message, not the number of
# its fragments (intentional difference with websockets 17.4, which also
# fails messages of more than 4096 fragments with 1009).


# With the default max_queue, flow control pauses reading while recv() waits
# for the end of the message; recv() must keep consuming fragments (bug 1 in
# docs/reliability.rst). max_queue=None takes flow control out of the picture.
@pytest.mark.parametrize(
    "max_queue", [16, None], ids=["default-max_queue", "no-max_queue"]
)
async def test_many_small_fragments_below_max_size_are_accepted(max_queue):
    async with hostile_server(
        max_size=64 * 1024, max_queue=max_queue, close_timeout=0.5
    ) as hostile:
        peer = await hostile.raw_connect()
        await peer.send(build_frame(OP_BINARY, b"f", fin=False))
        fragment = build_frame(OP_CONT, b"f", fin=False)
        # Ten thousand fragments, sent in several TCP segments.
        for _ in range(10):
            await peer.send(fragment * 1000)
            await asyncio.sleep(0.01)
        await peer.send(build_frame(OP_PING, b"still there?"))
        # Bound how long a deadlocked server may keep the test waiting.
        async with timeout(2):
            assert await peer.read_frame() == (OP_PONG, True, b"still there?")
        await peer.send(build_frame(OP_CONT, b"!"))
        opcode, _, payload = await peer.read_frame()
        assert (opcode, payload) == (OP_BINARY, b"f" * 10_001 + b"!")
        await peer.send(build_frame(OP_CLOSE, b"\x03\xe8"))
        assert await peer.read_close() == (1000, "")
        await peer.finish()
        await hostile.outcome()
        await hostile.check_still_serving()


@pytest.mark.parametrize(
    "max_queue", [16, None], ids=["default-max_queue", "no-max_queue"]
)
async def test_endless_continuation_frames_fail_with_1009(max_queue, server_log):
    async with hostile_server(
        max_size=64 * 1024, max_queue=max_queue, close_timeout=0.5
    ) as hostile:
        peer = await hostile.raw_connect()
        await peer.send(build_frame(OP_TEXT, b"a" * 100, fin=False))
        fragment = build_frame(OP_CONT, b"a" * 100, fin=False)
        closing = asyncio.create_task(peer.read_close())
        # Send fragments until the server answers with a close frame, or
        # resets the connection because we kept sending after it closed.
        with contextlib.suppress(ConnectionError):
            async with timeout(2):
                while not closing.done():
                    await peer.send(fragment * 10)
        code, reason = await closing
        await peer.finish()
        assert code == 1009
        # 655 fragments of 100 bytes reach the limit; the one that crosses it
        # is rejected with the size already read.
        assert reason == (
            "frame with 100 bytes after reading 65500 bytes "
            "exceeds limit of 65536 bytes"
        )
        exc = await hostile.outcome()
        assert exc.sent == Close(1009, reason)
        await hostile.check_still_serving()
    assert warnings_and_errors(server_log) == []


async def test_invalid_utf8_split_across_fragments_fails_with_1007(server_log):
    async with hostile_server() as hostile:
        peer = await hostile.raw_connect()
        # A sequence split across fragments is valid: "café".
        await peer.send(build_frame(OP_TEXT, b"caf\xc3", fin=False))
        await peer.send(build_frame(OP_CONT, b"\xa9"))
        assert await peer.read_frame() == (OP_TEXT, True, "café".encode())
        # A lead byte, then a fragment that can't continue it. The message
        # isn't finished, yet RFC 6455 §8.1 lets the server fail it now.
        await peer.send(build_frame(OP_TEXT, b"caf\xc3", fin=False))
        await peer.send(build_frame(OP_CONT, b"(", fin=False))
        code, reason = await peer.read_close()
        await peer.finish()
        assert (code, reason) == (1007, "invalid continuation byte at position 0")
        exc = await hostile.outcome()
        assert exc.sent == Close(1007, reason)
        assert isinstance(exc.__cause__, UnicodeDecodeError)
        await hostile.check_still_serving()
    assert warnings_and_errors(server_log) == []


# Misbehaving transports.


async def test_slow_handshake_is_closed_after_open_timeout(server_log):
    async with hostile_server(open_timeout=0.5) as hostile:
        peer = await hostile.raw_connect(request=None)
        await peer.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        # The request never ends; the server aborts the TCP connection.
        assert await peer.read_to_eof() == b""
        await hostile.check_still_serving()
    assert hostile.handlers_started == 1  # the well-behaved client only
    assert warnings_and_errors(server_log) == []


async def test_client_that_never_reads_is_aborted_after_close_timeout(server_log):
    write_limit = 32 * 1024
    message = b"\x00" * (64 * 1024)
    blocked: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    ended: asyncio.Future[tuple[int, BaseException | None]] = (
        asyncio.get_running_loop().create_future()
    )

    async def flood(connection: ServerConnection) -> None:
        if connection.request.path != "/flood":  # type: ignore[union-attr]
            await hostile.echo(connection)
            return
        sent = 0

        async def send_forever() -> None:
            nonlocal sent
            while True:
                await connection.send(message)
                sent += 1

        sender = asyncio.create_task(send_forever())
        # Wait until send() is blocked: the transport's buffer stays above
        # the high-water mark because the peer's window is closed.
        while connection.transport.get_write_buffer_size() <= write_limit:
            await asyncio.sleep(0.01)
        # A sender that could make progress would run within an iteration of
        # the loop; after ten, it's still waiting (no timed sleep as proof).
        for _ in range(10):
            await asyncio.sleep(0)
        assert not sender.done()
        blocked.set_result(connection.transport.get_write_buffer_size())
        # The close frame can't be written either: close() waits for
        # close_timeout, then aborts the TCP connection.
        await connection.close()
        with contextlib.suppress(ConnectionClosed):
            await sender
        ended.set_result((sent, sender.exception()))

    async with hostile_server(
        flood, write_limit=write_limit, close_timeout=0.5
    ) as hostile:
        peer = await hostile.raw_connect(
            b"GET /flood" + build_request()[5:],
            rcvbuf=16 * 1024,
        )
        with traced_peak() as memory:
            buffered = await blocked
            sent, sender_exc = await ended
        # asyncio buffers at most one message above the high-water mark.
        assert buffered <= write_limit + len(message) + 1024
        assert isinstance(sender_exc, ConnectionClosedError)
        assert sender_exc.rcvd is None
        assert sender_exc.sent == Close(1000, "")
        assert memory["peak"] < 4 * MiB
        # Whatever the kernel accepted, the peer gets, then the reset. The
        # blocked send() had already written its frame to the transport, so
        # at most one frame more than the completed sends (10-byte headers).
        received = len(await peer.read_to_eof())
        assert received <= (sent + 1) * (len(message) + 10)
        await hostile.check_still_serving()
    assert warnings_and_errors(server_log) == []


async def test_tcp_reset_mid_frame_closes_with_1006(server_log):
    async with hostile_server() as hostile:
        peer = await hostile.raw_connect()
        frame = build_frame(OP_BINARY, b"x" * 1000)
        await peer.send(frame[:500])
        await asyncio.sleep(0.05)  # let the server read the half frame
        peer.reset()
        exc = await hostile.outcome()
        assert isinstance(exc, ConnectionClosedError)
        # No close frame either way: close code 1006 (RFC 6455 §7.1.5).
        assert exc.rcvd is None and exc.sent is None
        assert str(exc) == "no close frame received or sent"
        await hostile.check_still_serving()
    # The reset is logged like any closed connection, and nothing else.
    assert warnings_and_errors(server_log) == []
    assert messages(server_log, "websockets.server").count("connection closed") == 2


async def test_half_open_connection_fails_with_1011_on_keepalive_timeout(server_log):
    async with hostile_server(
        ping_interval=0.2, ping_timeout=0.2, close_timeout=0.2
    ) as hostile:
        peer = await hostile.raw_connect()
        # The peer reads but never answers pings, as if it were gone.
        code, reason = await peer.read_close(answer_pings=False)
        await peer.finish()
        assert (code, reason) == (1011, "keepalive ping timeout")
        exc = await hostile.outcome()
        assert exc.sent == Close(1011, "keepalive ping timeout")
        assert exc.rcvd is None
        await hostile.check_still_serving()
    assert warnings_and_errors(server_log) == []


# Opening handshake abuse. websockets limits requests to MAX_NUM_HEADERS
# (128) headers and MAX_LINE_LENGTH (8192) bytes per line.

OVERSIZED_REQUESTS = {
    "thousands-of-headers": (
        build_request(extra=b"".join(b"X-%d: y\r\n" % i for i in range(5000))),
        431,
        b"Failed to open a WebSocket connection: expected no more than 128 headers.\n",
    ),
    "huge-header-line": (
        build_request(extra=b"X-Big: " + b"a" * 100_000 + b"\r\n"),
        431,
        b"Failed to open a WebSocket connection: read ",
    ),
    "huge-request-line": (
        b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\n\r\n",
        414,
        b"Failed to open a WebSocket connection: read ",
    ),
}


async def send_oversized_request(port: int, request: bytes) -> bytes:
    peer = await raw_connect(port, request=None)
    with contextlib.suppress(ConnectionError):
        await peer.send(request)
    try:
        return await peer.read_to_eof()
    finally:
        peer.close()


@pytest.mark.parametrize("name", list(OVERSIZED_REQUESTS))
async def test_oversized_handshake_is_rejected_and_closed(name, server_log):
    request, _, _ = OVERSIZED_REQUESTS[name]
    async with hostile_server() as hostile:
        with traced_peak() as memory:
            response = await send_oversized_request(hostile.port, request)
        # No WebSocket connection: an HTTP 4xx error, then EOF.
        assert response.startswith(b"HTTP/1.1 4")
        assert memory["peak"] < 4 * MiB
        await hostile.check_still_serving()
    assert hostile.handlers_started == 1
    assert warnings_and_errors(server_log) == []


@pytest.mark.parametrize("name", list(OVERSIZED_REQUESTS))
async def test_oversized_handshake_gets_the_same_answer_as_websockets(name, server_log):
    # websockets 17.4 answers 431 or 414 with this body, then closes.
    request, status, body = OVERSIZED_REQUESTS[name]
    async with hostile_server() as hostile:
        response = await send_oversized_request(hostile.port, request)
    head, _, payload = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 %d " % status)
    assert b"\r\nConnection: close\r\n" in head
    assert payload.startswith(body)
    reason = head.split(b"\r\n")[0].decode().split(" ", 2)[2]
    logged = messages(server_log, "websockets.server")
    assert f"HTTP response sent ({status} {reason})" in logged
    assert "connection closed" in logged


@pytest.mark.parametrize(
    "garbage",
    [
        b"SSH-2.0-OpenSSH_9.6\r\n",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(160) + b"\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    ],
    ids=["ssh", "tls", "http2"],
)
async def test_non_http_bytes_are_closed_and_logged_at_debug(garbage, caplog):
    caplog.set_level(logging.DEBUG, logger="websockets")
    async with hostile_server() as hostile:
        peer = await hostile.raw_connect(request=None)
        await peer.send(garbage)
        # websockets 17.4 closes without answering anything.
        assert await peer.read_to_eof() == b""
        await hostile.check_still_serving()
    assert hostile.handlers_started == 1
    assert warnings_and_errors(caplog) == []
    # The failure is logged at DEBUG level only, with its traceback.
    failures = [
        record
        for record in caplog.records
        if record.levelno == logging.DEBUG and record.exc_info is not None
    ]
    assert len(failures) == 1
    # Like websockets 17.4: the Sans-I/O server logs why parsing failed.
    assert failures[0].getMessage() == "! no valid HTTP request"
    assert isinstance(failures[0].exc_info[1], ValueError)


async def test_server_survives_all_attacks_in_a_row() -> None:
    """Many attackers at once don't disturb a well-behaved client."""
    async with hostile_server(max_size=64 * 1024, open_timeout=0.5) as hostile:

        async def attack(index: int) -> None:
            peer: RawPeer
            if index % 3 == 0:
                peer = await hostile.raw_connect()
                await peer.send(build_frame(OP_BINARY, length=2**62))
                assert (await peer.read_close())[0] == 1009
                await peer.finish()
            elif index % 3 == 1:
                peer = await hostile.raw_connect(request=None)
                await peer.send(b"GET / HTTP/1.1\r\n")
                await peer.read_to_eof()
            else:
                peer = await hostile.raw_connect()
                await peer.send(build_frame(OP_BINARY, b"x" * 100)[:50])
                peer.reset()
                return
            peer.close()

        attackers = asyncio.gather(*(attack(index) for index in range(60)))
        await hostile.check_still_serving()
        await attackers
