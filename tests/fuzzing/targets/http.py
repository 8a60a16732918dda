"""
Fuzz target: the HTTP/1.1 parsers of the opening handshake.

:meth:`Request.parse` and :meth:`Response.parse` run over a
:class:`~websockets.streams.StreamReader` fed with arbitrary bytes, in
arbitrary chunks, with or without EOF, and with the security limits of
:mod:`websockets.http11` optionally lowered so that short inputs reach them.

Oracles (the HTTP parser has no compiled twin):

1. only the exceptions that the parsers document escape;
2. chunking doesn't matter: the result is the same as with the whole input
   at once (same value, or same exception type; same message too, except
   for the security limits, which report how much was buffered);
3. round trip: a parsed message, serialized and parsed again, is equal.

"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterator
from typing import Any
from unittest import mock

from websockets import http11
from websockets.exceptions import SecurityError
from websockets.http11 import Request, Response
from websockets.streams import StreamReader

from ..common import Divergence, Input, check_same, encode_input, split, uint


KINDS = ("request", "response", "proxy-response")

# Exceptions that Request.parse and Response.parse document.
REQUEST_ERRORS = (
    EOFError,
    SecurityError,
    UnicodeDecodeError,
    ValueError,
    NotImplementedError,
)
RESPONSE_ERRORS = (
    EOFError,
    SecurityError,
    LookupError,
    ValueError,
    NotImplementedError,
)


@contextlib.contextmanager
def limits(small: bool) -> Iterator[None]:
    """Lower the limits of :mod:`websockets.http11` when ``small``."""
    if not small:
        yield
        return
    with (
        mock.patch.object(http11, "MAX_LINE_LENGTH", 64),
        mock.patch.object(http11, "MAX_NUM_HEADERS", 4),
        mock.patch.object(http11, "MAX_BODY_SIZE", 32),
    ):
        yield


def parser(kind: str, reader: StreamReader) -> Generator[None, None, Any]:
    if kind == "request":
        return Request.parse(reader.read_line)
    return Response.parse(
        reader.read_line,
        reader.read_exact,
        reader.read_to_eof,
        proxy=kind == "proxy-response",
    )


def describe(message: Any) -> tuple[Any, ...]:
    headers = list(message.headers.raw_items())
    if isinstance(message, Request):
        return ("request", message.method, message.path, message.protocol, headers)
    return (
        "response",
        message.status_code,
        message.reason_phrase,
        headers,
        bytes(message.body),
    )


def run(kind: str, chunks: list[bytes], eof: bool) -> tuple[Any, ...]:
    """Parse ``chunks`` and describe the outcome."""
    reader = StreamReader()
    coroutine = parser(kind, reader)
    errors = REQUEST_ERRORS if kind == "request" else RESPONSE_ERRORS
    message = None
    try:
        next(coroutine)
        for chunk in chunks:
            reader.feed_data(chunk)
            if message is None:
                try:
                    next(coroutine)
                except StopIteration as result:
                    # Keep feeding: bytes after the message stay buffered.
                    message = result.value
        if eof and message is None:
            reader.feed_eof()
            next(coroutine)
    except StopIteration as result:
        message = result.value
    except errors as exc:
        if isinstance(exc, SecurityError):
            # The message says how many bytes were buffered when the limit
            # was exceeded, which depends on chunking.
            return ("raise", type(exc).__name__)
        return ("raise", type(exc).__name__, str(exc))
    if message is None:
        return ("pending",)
    return ("ok", describe(message), bytes(reader.buffer))


def round_trip(kind: str, message: Any, eof: bool) -> None:
    """Serialize ``message`` and check that it parses back identically."""
    if isinstance(message, Response):
        # serialize() writes the body as is, after the headers: only
        # framing by length or by EOF survives a round trip.
        if "Transfer-Encoding" in message.headers:
            return
        if kind == "proxy-response" and message.body:
            return
    result = run(kind, [message.serialize()], eof)
    if result[0] != "ok":
        raise Divergence(f"serialized {describe(message)} doesn't parse: {result}")
    check_same("round trip", describe(message), result[1])


def fuzz(data: bytes) -> None:
    source = Input(data)
    kind = source.pick(KINDS)
    flags = source.byte()
    eof = bool(flags & 1)
    small = bool(flags & 2)
    seed = source.uint(2)
    stream = source.rest()
    chunks = split(stream, seed)

    with limits(small):
        whole = run(kind, [stream], eof)
        check_same("chunked vs whole", whole, run(kind, chunks, eof))
        if whole[0] == "ok":
            reader = StreamReader()
            coroutine = parser(kind, reader)
            reader.feed_data(stream)
            if eof:
                reader.feed_eof()
            try:
                next(coroutine)
            except StopIteration as result:
                round_trip(kind, result.value, eof)
            else:  # pragma: no cover
                raise AssertionError("parser didn't finish the second time")


REQUEST = (
    b"GET /chat?room=1 HTTP/1.1\r\n"
    b"Host: server.example.com\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Origin: http://example.com\r\n"
    b"Sec-WebSocket-Protocol: chat, superchat\r\n"
    b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)

RESPONSE = (
    b"HTTP/1.1 101 Switching Protocols\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
    b"Sec-WebSocket-Protocol: chat\r\n"
    b"\r\n"
)

ERROR_RESPONSE = (
    b"HTTP/1.1 403 Forbidden\r\n"
    b"Content-Type: text/plain\r\n"
    b"Content-Length: 9\r\n"
    b"\r\n"
    b"Forbidden"
)

CHUNKED_RESPONSE = (
    b"HTTP/1.1 500 Internal Server Error\r\n"
    b"Transfer-Encoding: chunked\r\n"
    b"\r\n"
    b"5;ext=1\r\nHello\r\n"
    b"7\r\n, world\r\n"
    b"0\r\n"
    b"Trailer: yes\r\n"
    b"\r\n"
)

EOF_RESPONSE = b"HTTP/1.1 404 Not Found\r\nServer: x\r\n\r\nuntil the end"


def seeds() -> dict[str, bytes]:
    # Parameters: kind, flags (1 = EOF, 2 = small limits), chunking seed.
    return {
        "request": encode_input(REQUEST, 0, 0, uint(0, 2)),
        "request-chunked-eof": encode_input(REQUEST[:-2], 0, 1, uint(5, 2)),
        "request-small-limits": encode_input(REQUEST, 0, 2, uint(0, 2)),
        "request-body": encode_input(
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\n\r\n", 0, 0, uint(0, 2)
        ),
        "request-non-ascii": encode_input(
            b"GET /\xe9 HTTP/1.1\r\n\r\n", 0, 0, uint(0, 2)
        ),
        "response": encode_input(RESPONSE, 1, 0, uint(0, 2)),
        "response-content-length": encode_input(ERROR_RESPONSE, 1, 0, uint(3, 2)),
        "response-chunked": encode_input(CHUNKED_RESPONSE, 1, 1, uint(11, 2)),
        "response-chunked-small": encode_input(CHUNKED_RESPONSE, 1, 3, uint(0, 2)),
        "response-eof-body": encode_input(EOF_RESPONSE, 1, 1, uint(0, 2)),
        "proxy-response": encode_input(
            b"HTTP/1.0 200 Connection established\r\n\r\n\x81\x00", 2, 0, uint(0, 2)
        ),
    }
