"""
HTTP/1.1 of the legacy implementation: the opening handshake, read from an
:class:`asyncio.StreamReader`.

Only what the opening handshake needs is supported: ``GET`` requests, and
responses whose body isn't read. :mod:`websockets.http11` does the same for
the Sans-I/O layer.

"""

from __future__ import annotations

import asyncio
import re

from ..datastructures import Headers
from ..exceptions import SecurityError
from ..http11 import MAX_LINE_LENGTH, MAX_NUM_HEADERS


__all__ = ["read_request", "read_response"]


def d(value: bytes) -> str:
    """
    Decode a bytestring for an error message, escaping what isn't UTF-8.

    """
    return value.decode(errors="backslashreplace")


# RFC 7230 §3.2 (and appendix B): a header name is a token; a value is
# made of HTAB, SP, visible ASCII and obs-text (0x80-0xFF), once the optional
# whitespace around it is stripped. Obsolete line folding isn't supported.
_token_re = re.compile(rb"[-!#$%&\'*+.^_`|~0-9a-zA-Z]+")
_value_re = re.compile(rb"[\x09\x20-\x7e\x80-\xff]*")


async def read_request(stream: asyncio.StreamReader) -> tuple[str, Headers]:
    """
    Read an HTTP/1.1 GET request and return ``(path, headers)``.

    ``path`` isn't URL-decoded or validated in any way: bytes that aren't
    ASCII are kept with the ``surrogateescape`` error handler. Header values
    are kept the same way. The body, if any, isn't read: a handshake request
    has none.

    Args:
        stream: Input to read the request from.

    Raises:
        EOFError: If the connection is closed without a full HTTP request.
        SecurityError: If the request exceeds a security limit.
        ValueError: If the request isn't well formatted.

    """
    # RFC 7230 §3.1.1: request-line = method SP request-target SP HTTP-version
    # CRLF. RFC 6455 §4.1 only allows GET with HTTP/1.1 or later; like
    # websockets, only HTTP/1.1 is accepted.
    try:
        request_line = await read_line(stream)
    except EOFError as exc:
        raise EOFError("connection closed while reading HTTP request line") from exc

    try:
        method, raw_path, protocol = request_line.split(b" ", 2)
    except ValueError:  # not enough values to unpack (expected 3, got 1-2)
        raise ValueError(f"invalid HTTP request line: {d(request_line)}") from None

    if method != b"GET":
        raise ValueError(f"unsupported HTTP method: {d(method)}")
    if protocol != b"HTTP/1.1":
        raise ValueError(f"unsupported HTTP version: {d(protocol)}")
    path = raw_path.decode("ascii", "surrogateescape")

    headers = await read_headers(stream)

    return path, headers


async def read_response(stream: asyncio.StreamReader) -> tuple[int, str, Headers]:
    """
    Read an HTTP/1.1 response and return ``(status_code, reason, headers)``.

    ``reason`` and header values are decoded as in :func:`read_request`,
    except that ``reason`` must be UTF-8. The body, if any, isn't read: it's
    left in the stream.

    Args:
        stream: Input to read the response from.

    Raises:
        EOFError: If the connection is closed without a full HTTP response.
        SecurityError: If the response exceeds a security limit.
        ValueError: If the response isn't well formatted.

    """
    # RFC 7230 §3.1.2: status-line = HTTP-version SP status-code SP
    # reason-phrase CRLF.
    try:
        status_line = await read_line(stream)
    except EOFError as exc:
        raise EOFError("connection closed while reading HTTP status line") from exc

    try:
        protocol, raw_status_code, raw_reason = status_line.split(b" ", 2)
    except ValueError:  # not enough values to unpack (expected 3, got 1-2)
        raise ValueError(f"invalid HTTP status line: {d(status_line)}") from None

    if protocol != b"HTTP/1.1":
        raise ValueError(f"unsupported HTTP version: {d(protocol)}")
    try:
        status_code = int(raw_status_code)
    except ValueError:  # invalid literal for int() with base 10
        raise ValueError(f"invalid HTTP status code: {d(raw_status_code)}") from None
    if not 100 <= status_code < 1000:
        raise ValueError(f"unsupported HTTP status code: {d(raw_status_code)}")
    if not _value_re.fullmatch(raw_reason):
        raise ValueError(f"invalid HTTP reason phrase: {d(raw_reason)}")
    reason = raw_reason.decode()

    headers = await read_headers(stream)

    return status_code, reason, headers


async def read_headers(stream: asyncio.StreamReader) -> Headers:
    """
    Read HTTP headers from ``stream``, up to the empty line that ends them.

    Non-ASCII bytes in values are kept with the ``surrogateescape`` error
    handler. Obsolete line folding isn't supported.

    Raises:
        EOFError: If the connection is closed before the empty line.
        SecurityError: If there are more than ``MAX_NUM_HEADERS`` headers.
        ValueError: If a header line isn't well formatted.

    """
    # RFC 7230 §3.2: header-field = field-name ":" OWS field-value OWS.
    headers = Headers()
    for _ in range(MAX_NUM_HEADERS + 1):
        try:
            line = await read_line(stream)
        except EOFError as exc:
            raise EOFError("connection closed while reading HTTP headers") from exc
        if line == b"":
            break

        try:
            raw_name, raw_value = line.split(b":", 1)
        except ValueError:  # not enough values to unpack (expected 2, got 1)
            raise ValueError(f"invalid HTTP header line: {d(line)}") from None
        if not _token_re.fullmatch(raw_name):
            raise ValueError(f"invalid HTTP header name: {d(raw_name)}")
        raw_value = raw_value.strip(b" \t")
        if not _value_re.fullmatch(raw_value):
            raise ValueError(f"invalid HTTP header value: {d(raw_value)}")

        name = raw_name.decode("ascii")  # a token is ASCII
        value = raw_value.decode("ascii", "surrogateescape")
        # The bytes were validated above; the surrogates that stand for
        # non-ASCII bytes would fail the check of Headers.__setitem__.
        headers.set_insecure(name, value)

    else:
        raise SecurityError("too many HTTP headers")

    return headers


async def read_line(stream: asyncio.StreamReader) -> bytes:
    """
    Read a line ending with CRLF from ``stream`` and return it without CRLF.

    Raises:
        EOFError: If the connection is closed before CRLF.
        SecurityError: If the line, CRLF included, exceeds
            ``MAX_LINE_LENGTH`` bytes.

    """
    # Security: the stream's limit bounds what readline() buffers; this one
    # bounds lines in the handshake, which are much shorter.
    line = await stream.readline()
    if len(line) > MAX_LINE_LENGTH:
        raise SecurityError("line too long")
    # Not mandatory, but safe: RFC 7230 §3.5 allows a bare LF, which
    # websockets rejects.
    if not line.endswith(b"\r\n"):
        raise EOFError("line without CRLF")
    return line[:-2]
