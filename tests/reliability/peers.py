"""
Raw-socket WebSocket peers for reliability tests.

The attacker side of the hostile-peer tests must be able to send bytes that no
well-behaved library would produce: lying length fields, endless fragments,
broken UTF-8, half requests, TCP resets. This module builds frames by hand and
talks to the server through non-blocking :class:`socket.socket` objects driven
by the event loop's ``sock_*`` methods.

It imports nothing from :mod:`websockets`, so the same scenarios can run
against the released websockets under another interpreter.

"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
import zlib


__all__ = [
    "OP_CONT",
    "OP_TEXT",
    "OP_BINARY",
    "OP_CLOSE",
    "OP_PING",
    "OP_PONG",
    "HANDSHAKE_HEADERS",
    "RawPeer",
    "build_frame",
    "build_request",
    "deflate_bomb",
    "parse_close",
    "raw_connect",
    "rss_bytes",
]

OP_CONT, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA

HANDSHAKE_HEADERS = (
    "Host: 127.0.0.1\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Version: 13\r\n"
)


def build_request(*, extensions: str | None = None, extra: bytes = b"") -> bytes:
    """
    Build an opening handshake request (RFC 6455 §4.1).

    Args:
        extensions: Value of ``Sec-WebSocket-Extensions``, if any.
        extra: Raw header lines inserted before the final empty line.

    """
    key = base64.b64encode(os.urandom(16)).decode()
    request = f"GET / HTTP/1.1\r\n{HANDSHAKE_HEADERS}Sec-WebSocket-Key: {key}\r\n"
    if extensions is not None:
        request += f"Sec-WebSocket-Extensions: {extensions}\r\n"
    return request.encode() + extra + b"\r\n"


def build_frame(
    opcode: int,
    payload: bytes = b"",
    *,
    fin: bool = True,
    rsv1: bool = False,
    length: int | None = None,
) -> bytes:
    """
    Build a masked (client-to-server) frame, RFC 6455 §5.2.

    Args:
        opcode: Frame opcode.
        payload: Payload, before masking.
        fin: FIN bit.
        rsv1: RSV1 bit; permessage-deflate marks compressed messages with it.
        length: Payload length to announce in the header, when lying about
            it is the point of the test; defaults to ``len(payload)``.

    """
    if length is None:
        length = len(payload)
    head = bytearray([(0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode])
    # The mask bit is always set: RFC 6455 §5.1 requires clients to mask.
    if length < 126:
        head.append(0x80 | length)
    elif length < 65536:
        head.append(0x80 | 126)
        head += struct.pack("!H", length)
    else:
        head.append(0x80 | 127)
        head += struct.pack("!Q", length)
    mask = os.urandom(4)
    head += mask
    if payload:
        # XOR through big integers: fast enough for test payloads.
        repeated = (mask * (len(payload) // 4 + 1))[: len(payload)]
        masked = int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")
        head += masked.to_bytes(len(payload), "big")
    return bytes(head)


def deflate_bomb(size: int) -> bytes:
    """
    Compress ``size`` zero bytes as a permessage-deflate payload (RFC 7692).

    The result is about a thousand times smaller than ``size``.

    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    chunk = bytes(2**20)
    parts = []
    for _ in range(size // len(chunk)):
        parts.append(compressor.compress(chunk))
    parts.append(compressor.compress(bytes(size % len(chunk))))
    parts.append(compressor.flush(zlib.Z_SYNC_FLUSH))
    data = b"".join(parts)
    # RFC 7692 §7.2.1: remove the 0x00 0x00 0xff 0xff tail of the flush.
    assert data.endswith(b"\x00\x00\xff\xff")
    return data[:-4]


def parse_close(payload: bytes) -> tuple[int, str]:
    """Return the code and reason of a close frame payload (RFC 6455 §5.5.1)."""
    if not payload:
        return 1005, ""
    (code,) = struct.unpack("!H", payload[:2])
    return code, payload[2:].decode()


def rss_bytes() -> int:
    """Resident set size of this process, read from ``/proc/self/statm``."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class RawPeer:
    """
    One TCP connection to a WebSocket server, driven byte by byte.

    Args:
        sock: Connected non-blocking socket.

    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.loop = asyncio.get_running_loop()
        self.buffer = bytearray()
        self.eof = False
        self.bytes_sent = 0

    async def send(self, data: bytes) -> None:
        """Write ``data``; raise :exc:`OSError` if the server reset us."""
        await self.loop.sock_sendall(self.sock, data)
        self.bytes_sent += len(data)

    async def _fill(self) -> None:
        data = await self.loop.sock_recv(self.sock, 65536)
        if not data:
            self.eof = True
            raise EOFError("server closed the TCP connection")
        self.buffer += data

    async def read_exact(self, n: int) -> bytes:
        """Read exactly ``n`` bytes; raise :exc:`EOFError` at EOF."""
        while len(self.buffer) < n:
            await self._fill()
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data

    async def read_until(self, separator: bytes, limit: int = 2**20) -> bytes:
        """Read up to and including ``separator``."""
        while (index := self.buffer.find(separator)) < 0:
            if len(self.buffer) > limit:
                raise ValueError("separator not found")
            await self._fill()
        return await self.read_exact(index + len(separator))

    async def read_http_response(self) -> tuple[int, bytes]:
        """Read an HTTP response head; return the status code and the head."""
        head = await self.read_until(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), head

    async def read_frame(self) -> tuple[int, bool, bytes]:
        """Read one unmasked (server-to-client) frame: opcode, FIN, payload."""
        first, second = await self.read_exact(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.read_exact(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.read_exact(8))
        # RFC 6455 §5.1: a server never masks frames.
        assert not second & 0x80, "server sent a masked frame"
        return first & 0x0F, bool(first & 0x80), await self.read_exact(length)

    async def read_close(self, *, answer_pings: bool = True) -> tuple[int, str]:
        """
        Read frames until a close frame; return its code and reason.

        Data frames are dropped; pings are answered unless ``answer_pings``
        is false, which simulates a peer that stopped responding.

        """
        while True:
            opcode, _, payload = await self.read_frame()
            if opcode == OP_CLOSE:
                return parse_close(payload)
            if opcode == OP_PING and answer_pings:
                await self.send(build_frame(OP_PONG, payload))

    async def read_to_eof(self) -> bytes:
        """Read and return everything until the server closes the connection."""
        try:
            while True:
                await self._fill()
        except EOFError:
            pass
        except ConnectionResetError:
            self.eof = True
        data = bytes(self.buffer)
        self.buffer.clear()
        return data

    async def finish(self) -> bytes:
        """
        Read until EOF, then close, as a client does after a closing handshake.

        RFC 6455 §7.1.1: the server closes the TCP connection first; until
        the client closes its side, the server waits for ``close_timeout``.

        """
        try:
            return await self.read_to_eof()
        finally:
            self.close()

    def reset(self) -> None:
        """
        Close with a TCP RST instead of a FIN.

        With ``SO_LINGER`` on and a zero timeout, :func:`close` discards
        unsent data and sends RST (see ``socket(7)``).

        """
        self.sock.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
        )
        self.sock.close()

    def close(self) -> None:
        """Close the socket normally."""
        self.sock.close()


async def raw_connect(
    port: int,
    request: bytes | None = b"",
    *,
    rcvbuf: int | None = None,
) -> RawPeer:
    """
    Open a TCP connection to ``127.0.0.1:port``; optionally do the handshake.

    Args:
        port: Server port.
        request: Opening handshake to send; the default builds a standard
            one and checks that the server answers 101; :obj:`None` sends
            nothing, for tests that misbehave before the handshake.
        rcvbuf: ``SO_RCVBUF`` to set before connecting, to make the
            connection's receive window small.

    """
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    peer = RawPeer(sock)
    if request is not None:
        await peer.send(request or build_request())
        status, head = await peer.read_http_response()
        if status != 101:
            raise AssertionError(f"handshake failed: {head!r}")
    return peer
