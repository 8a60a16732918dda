"""
HTTP/1.1 requests and responses, limited to what the opening handshake needs.

Parsers are generator-based coroutines that pull bytes with the methods of
:class:`~websockets.streams.StreamReader`, so they never touch a socket.

"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import warnings
from collections.abc import Generator
from typing import Callable

from .datastructures import Headers
from .exceptions import (
    HeaderLineTooLong,
    RequestLineTooLong,
    SecurityError,
    StatusLineTooLong,
    TooManyHeaders,
)
from .version import version as websockets_version


__all__ = [
    "SERVER",
    "USER_AGENT",
    "Request",
    "Response",
]


PYTHON_VERSION = "{}.{}".format(*sys.version_info)

# User-Agent header for HTTP requests.
USER_AGENT = os.environ.get(
    "WEBSOCKETS_USER_AGENT",
    f"Python/{PYTHON_VERSION} websockets/{websockets_version}",
)

# Server header for HTTP responses.
SERVER = os.environ.get(
    "WEBSOCKETS_SERVER",
    f"Python/{PYTHON_VERSION} websockets/{websockets_version}",
)

# Maximum total size of headers is around 128 * 8 KiB = 1 MiB.
MAX_NUM_HEADERS = int(os.environ.get("WEBSOCKETS_MAX_NUM_HEADERS", "128"))

# Limit request line and header lines. 8KiB is the most common default
# configuration of popular HTTP servers.
MAX_LINE_LENGTH = int(os.environ.get("WEBSOCKETS_MAX_LINE_LENGTH", "8192"))

# Support for HTTP response bodies is intended to read an error message
# returned by a server. It isn't designed to perform large file transfers.
MAX_BODY_SIZE = int(os.environ.get("WEBSOCKETS_MAX_BODY_SIZE", "1_048_576"))  # 1 MiB


def d(value: bytes | bytearray) -> str:
    """
    Decode a bytestring for interpolating into an error message.

    """
    return value.decode(errors="backslashreplace")


# See RFC 9110 §5.6.2 (token) and §5.5 (field-value); header names are tokens.

_token_re = re.compile(rb"[-!#$%&\'*+.^_`|~0-9a-zA-Z]+")

# Values may contain HTAB, SP, VCHAR and obs-text, never CR, LF or NUL.
_value_re = re.compile(rb"[\x09\x20-\x7e\x80-\xff]*")

# Status codes and content lengths are decimal; chunk sizes (RFC 9112 §7.1)
# are hexadecimal. Limiting the number of digits keeps int() cheap and the
# values within 64 bits.
_digits_re = re.compile(rb"[0-9]{1,18}")
_content_length_re = re.compile(r"[0-9]{1,18}")
_hexdigits_re = re.compile(rb"[0-9a-fA-F]{1,15}")


@dataclasses.dataclass
class Request:
    """
    WebSocket handshake request.

    ``method`` and ``path`` must be ASCII. ``headers`` should be ASCII too;
    non-ASCII header values are tolerated and encoded with ISO-8859-1.

    Attributes:
        path: Request path, including optional query.
        headers: Request headers.
        method: Request method; WebSocket handshake requests use GET.
        protocol: Request protocol; WebSocket handshake requests use HTTP/1.1.

    """

    path: str
    headers: Headers
    method: str = "GET"
    protocol: str = "HTTP/1.1"
    # Handshake requests have no body, so there's no body field.

    _exception: Exception | None = None

    @property
    def exception(self) -> Exception | None:
        """
        Exception that made the server reject this request, if any.

        Deprecated: use :attr:`ServerProtocol.handshake_exc
        <websockets.server.ServerProtocol.handshake_exc>` instead. Reading
        this attribute emits a :exc:`DeprecationWarning`.

        """
        warnings.warn(  # deprecated in websockets 10.3
            "Request.exception is deprecated; use ServerProtocol.handshake_exc instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return self._exception

    @classmethod
    def parse(
        cls,
        read_line: Callable[
            [int, type[Exception]], Generator[None, None, bytes | bytearray]
        ],
    ) -> Generator[None, None, Request]:
        """
        Parse a WebSocket handshake request.

        This is a generator-based coroutine.

        The method and the path must be ASCII; the path is neither decoded
        nor validated. Non-ASCII header values are decoded with ISO-8859-1.

        Handshake requests don't have a body, so :meth:`parse` doesn't read
        one; it rejects requests that announce a body.

        Args:
            read_line: Generator-based coroutine that reads a LF-terminated
                line or raises an exception if there isn't enough data.

        Raises:
            EOFError: If the connection is closed without a full HTTP request.
            RequestLineTooLong: If the request line is too long.
            HeaderLineTooLong: If a header line is too long.
            TooManyHeaders: If there are too many headers.
            UnicodeDecodeError: If the request method or path isn't ASCII.
            ValueError: If the request isn't well formatted.
            NotImplementedError: If the request uses Transfer-Encoding.

        """
        # RFC 9112 §3: request-line = method SP request-target SP HTTP-version

        try:
            request_line = yield from parse_line(read_line, RequestLineTooLong)
        except EOFError as exc:
            raise EOFError("connection closed while reading HTTP request line") from exc

        try:
            raw_method, raw_path, raw_protocol = request_line.split(b" ", 2)
        except ValueError:  # not enough values to unpack (expected 3, got 1-2)
            raise ValueError(f"invalid HTTP request line: {d(request_line)}") from None
        if raw_protocol not in (b"HTTP/1.1", b"HTTP/1.0"):
            raise ValueError(
                f"unsupported protocol; expected HTTP/1.1 or HTTP/1.0: "
                f"{d(request_line)}"
            )
        method = raw_method.decode("ascii")  # may raise UnicodeDecodeError
        path = raw_path.decode("ascii")  # may raise UnicodeDecodeError
        protocol = raw_protocol.decode("ascii")

        headers = yield from parse_headers(read_line)

        # RFC 9112 §6.1: a message with both Transfer-Encoding and
        # Content-Length is suspicious; handshake requests need neither.
        if "Transfer-Encoding" in headers:
            raise NotImplementedError("transfer codings aren't supported")

        # Some clients send "Content-Length: 0"; tolerate that, since it means
        # there's no body, but reject any actual body.
        if "Content-Length" in headers:
            for content_length in headers.get_all("Content-Length"):
                if content_length != "0":
                    raise ValueError("unsupported request body")

        return cls(path, headers, method, protocol)

    def serialize(self) -> bytes:
        """
        Serialize a WebSocket handshake request.

        """
        # The request line is ASCII; encoding it fails loudly otherwise.
        request = f"{self.method} {self.path} {self.protocol}\r\n".encode("ascii")
        request += self.headers.serialize()
        return request


@dataclasses.dataclass
class Response:
    """
    WebSocket handshake response.

    ``reason_phrase`` and ``headers`` should be ASCII; non-ASCII reason
    phrases and header values are tolerated and encoded with ISO-8859-1.

    Attributes:
        status_code: Response code.
        reason_phrase: Response reason.
        headers: Response headers.
        body: Response body.

    """

    status_code: int
    reason_phrase: str
    headers: Headers
    body: bytes | bytearray = b""

    _exception: Exception | None = None

    @property
    def exception(self) -> Exception | None:
        """
        Exception that made the client reject this response, if any.

        Deprecated: use :attr:`ClientProtocol.handshake_exc
        <websockets.client.ClientProtocol.handshake_exc>` instead. Reading
        this attribute emits a :exc:`DeprecationWarning`.

        """
        warnings.warn(  # deprecated in websockets 10.3
            "Response.exception is deprecated; "
            "use ClientProtocol.handshake_exc instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return self._exception

    @classmethod
    def parse(
        cls,
        read_line: Callable[
            [int, type[Exception]], Generator[None, None, bytes | bytearray]
        ],
        read_exact: Callable[[int], Generator[None, None, bytes | bytearray]],
        read_to_eof: Callable[
            [int, type[Exception]], Generator[None, None, bytes | bytearray]
        ],
        proxy: bool = False,
    ) -> Generator[None, None, Response]:
        """
        Parse a WebSocket handshake response.

        This is a generator-based coroutine.

        Non-ASCII reason phrases and header values are decoded with
        ISO-8859-1.

        Args:
            read_line: Generator-based coroutine that reads a LF-terminated
                line or raises an exception if there isn't enough data.
            read_exact: Generator-based coroutine that reads the requested
                bytes or raises an exception if there isn't enough data.
            read_to_eof: Generator-based coroutine that reads until the end
                of the stream.
            proxy: Whether this is the response of a proxy to a CONNECT
                request; then, no body is read, because the data that follows
                belongs to the tunnel.

        Raises:
            EOFError: If the connection is closed without a full HTTP response.
            StatusLineTooLong: If the status line is too long.
            HeaderLineTooLong: If a header line is too long.
            TooManyHeaders: If there are too many headers.
            SecurityError: If the response body exceeds a security limit.
            LookupError: If the response isn't well formatted.
            ValueError: If the response isn't well formatted.
            NotImplementedError: If the response uses a Transfer-Encoding
                other than "chunked".

        """
        # RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]

        try:
            status_line = yield from parse_line(read_line, StatusLineTooLong)
        except EOFError as exc:
            raise EOFError("connection closed while reading HTTP status line") from exc

        try:
            raw_protocol, raw_status_code, raw_reason = status_line.split(b" ", 2)
        except ValueError:  # not enough values to unpack (expected 3, got 1-2)
            raise ValueError(f"invalid HTTP status line: {d(status_line)}") from None
        # Proxies may answer CONNECT requests with HTTP/1.0 (RFC 9112 §2.6
        # lets a server reply with a lower minor version).
        if proxy:
            if raw_protocol not in (b"HTTP/1.1", b"HTTP/1.0"):
                raise ValueError(
                    f"unsupported protocol; expected HTTP/1.1 or HTTP/1.0: "
                    f"{d(status_line)}"
                )
        elif raw_protocol != b"HTTP/1.1":
            raise ValueError(
                f"unsupported protocol; expected HTTP/1.1: {d(status_line)}"
            )
        # int() would accept signs, whitespace, underscores and non-ASCII
        # digits; the regex only lets ASCII digits through.
        if not _digits_re.fullmatch(raw_status_code):
            raise ValueError(
                f"invalid status code; expected integer; got {d(raw_status_code)}"
            )
        status_code = int(raw_status_code)
        if not 100 <= status_code < 600:
            raise ValueError(
                f"invalid status code; expected 100–599; got {d(raw_status_code)}"
            )
        if not _value_re.fullmatch(raw_reason):
            raise ValueError(f"invalid HTTP reason phrase: {d(raw_reason)}")
        reason = raw_reason.decode("latin-1")

        headers = yield from parse_headers(read_line)

        body: bytes | bytearray
        if proxy:
            body = b""
        else:
            body = yield from read_body(
                status_code, headers, read_line, read_exact, read_to_eof
            )

        return cls(status_code, reason, headers, body)

    def serialize(self) -> bytes:
        """
        Serialize a WebSocket handshake response.

        """
        # The status line is encoded like header values, with ISO-8859-1,
        # which fails loudly on characters that can't go on the wire.
        response = f"HTTP/1.1 {self.status_code} {self.reason_phrase}\r\n".encode(
            "iso-8859-1"
        )
        response += self.headers.serialize()
        response += self.body
        return response


def parse_line(
    read_line: Callable[
        [int, type[Exception]], Generator[None, None, bytes | bytearray]
    ],
    too_long_exc_type: type[Exception] = SecurityError,
) -> Generator[None, None, bytes | bytearray]:
    """
    Parse a single line terminated by CRLF, without the CRLF.

    This is a generator-based coroutine.

    Args:
        read_line: Generator-based coroutine that reads a LF-terminated line
            or raises an exception if there isn't enough data.
        too_long_exc_type: Exception to raise if the line is too long.

    Raises:
        EOFError: If the connection is closed without a CRLF.
        SecurityError: If the response exceeds a security limit.

    """
    line = yield from read_line(MAX_LINE_LENGTH, too_long_exc_type)
    # RFC 9112 §2.2 allows recipients to accept a bare LF as a line
    # terminator. Being strict is safer: it rules out request smuggling
    # through proxies that would interpret the message differently.
    if not line.endswith(b"\r\n"):
        raise EOFError("line without CRLF")
    return line[:-2]


def parse_headers(
    read_line: Callable[
        [int, type[Exception]], Generator[None, None, bytes | bytearray]
    ],
) -> Generator[None, None, Headers]:
    """
    Parse HTTP headers, up to and including the empty line that ends them.

    Non-ASCII header values are decoded with ISO-8859-1.

    This is a generator-based coroutine.

    Args:
        read_line: Generator-based coroutine that reads a LF-terminated line
            or raises an exception if there isn't enough data.

    Raises:
        EOFError: If the connection is closed without complete headers.
        HeaderLineTooLong: If a header line is too long.
        TooManyHeaders: If there are too many headers.
        ValueError: If a header line isn't well formatted.

    """
    # RFC 9112 §5: field-line = field-name ":" OWS field-value OWS
    # Obsolete line folding (obs-fold) isn't supported: a line that starts
    # with whitespace has no valid field name and is rejected.

    headers = Headers()
    for _ in range(MAX_NUM_HEADERS + 1):
        try:
            line = yield from parse_line(read_line, HeaderLineTooLong)
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

        name = raw_name.decode("ascii")  # guaranteed to be ASCII at this point
        value = raw_value.decode("latin-1")
        # The value was validated above; skip validating it again.
        headers.set_insecure(name, value)

    else:
        raise TooManyHeaders(f"expected no more than {MAX_NUM_HEADERS} headers")

    return headers


def read_body(
    status_code: int,
    headers: Headers,
    read_line: Callable[
        [int, type[Exception]], Generator[None, None, bytes | bytearray]
    ],
    read_exact: Callable[[int], Generator[None, None, bytes | bytearray]],
    read_to_eof: Callable[
        [int, type[Exception]], Generator[None, None, bytes | bytearray]
    ],
) -> Generator[None, None, bytes | bytearray]:
    """
    Read the body of an HTTP response, as framed by RFC 9112 §6.3.

    This is a generator-based coroutine.

    Raises:
        EOFError: If the connection is closed before the end of the body.
        SecurityError: If the body exceeds :data:`MAX_BODY_SIZE`, or if its
            framing is invalid.
        LookupError: If the framing headers are repeated.
        ValueError: If chunks aren't well formatted.
        NotImplementedError: If the Transfer-Encoding isn't "chunked".

    """
    # RFC 9112 §6.3, rule 1: responses to HEAD (not used here), informational
    # (1xx), No Content (204) and Not Modified (304) responses have no body.
    if 100 <= status_code < 200 or status_code == 204 or status_code == 304:
        return b""

    # Rule 3: Transfer-Encoding takes precedence over Content-Length. Only
    # the chunked coding, alone, is supported.
    elif (coding := headers.get("Transfer-Encoding")) is not None:
        if coding != "chunked":
            raise NotImplementedError(f"transfer coding {coding} isn't supported")

        # RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
        body = b""
        while True:
            chunk_size_line = yield from parse_line(read_line)
            raw_chunk_size = chunk_size_line.split(b";", 1)[0]
            # Chunk extensions carry nothing useful for us; ignore them.
            if not _hexdigits_re.fullmatch(raw_chunk_size):
                raise SecurityError(f"invalid chunk size: {d(raw_chunk_size)}")
            chunk_size = int(raw_chunk_size, 16)
            if chunk_size == 0:
                break
            if len(body) + chunk_size > MAX_BODY_SIZE:
                raise SecurityError(
                    f"chunk too large: {chunk_size} bytes after {len(body)} bytes"
                )
            body += yield from read_exact(chunk_size)
            if (yield from read_exact(2)) != b"\r\n":
                raise ValueError("chunk without CRLF")

        # RFC 9112 §7.1.2: the last chunk may be followed by trailer fields;
        # read them, within the usual limits, and discard them.
        yield from parse_headers(read_line)

        return body

    # Rule 5: a valid Content-Length gives the length of the body.
    elif (raw_content_length := headers.get("Content-Length")) is not None:
        if not _content_length_re.fullmatch(raw_content_length):
            raise SecurityError(f"invalid content length: {raw_content_length}")
        content_length = int(raw_content_length)
        if content_length > MAX_BODY_SIZE:
            raise SecurityError(f"body too large: {content_length} bytes")
        return (yield from read_exact(content_length))

    # Rule 8: otherwise, the body extends until the connection closes.
    else:
        return (yield from read_to_eof(MAX_BODY_SIZE, SecurityError))
