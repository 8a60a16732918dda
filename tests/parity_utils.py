"""
Helpers for the tests that check behaviours against websockets 17.4.

"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from types import TracebackType

from websockets.datastructures import Headers


__all__ = ["RawHTTPServer", "RecordedRequest"]


class RecordedRequest:
    """Request line and headers of one request received by RawHTTPServer."""

    def __init__(self, port: int, request_line: str, headers: Headers) -> None:
        self.port = port
        self.request_line = request_line
        self.headers = headers

    def __repr__(self) -> str:
        return f"RecordedRequest({self.port}, {self.request_line!r}, {self.headers!r})"


class RawHTTPServer:
    """
    A blocking HTTP server on 127.0.0.1 that answers each request once.

    It reads the request head, records it, sends the bytes that ``respond``
    returns for the request line, and closes the connection. With ``ssl``, it
    also accepts TLS on the same port: it peeks at the first byte to tell a
    TLS ClientHello from plain HTTP, so one origin differs only by scheme.

    """

    def __init__(
        self,
        respond: Callable[[str], bytes],
        *,
        ssl_context: ssl.SSLContext | None = None,
        log: list[RecordedRequest] | None = None,
    ) -> None:
        self.respond = respond
        self.ssl_context = ssl_context
        self.requests: list[RecordedRequest] = [] if log is None else log
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        # accept() polls so that closing the server doesn't wait for a client.
        self.sock.settimeout(0.05)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def __enter__(self) -> RawHTTPServer:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)
        self.sock.close()

    def serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            try:
                self.handle(conn)
            except (OSError, UnicodeDecodeError):
                pass  # the client gave up; the test sees it on its side
            finally:
                conn.close()

    def handle(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        if self.ssl_context is not None and conn.recv(1, socket.MSG_PEEK) == b"\x16":
            conn = self.ssl_context.wrap_socket(conn, server_side=True)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        lines = data.split(b"\r\n\r\n")[0].decode().split("\r\n")
        headers = Headers()
        for line in lines[1:]:
            name, value = line.split(":", 1)
            headers[name.strip()] = value.strip()
        self.requests.append(RecordedRequest(self.port, lines[0], headers))
        conn.sendall(self.respond(lines[0]))


def redirect(location: str, status: str = "302 Found") -> bytes:
    """An HTTP response redirecting to ``location``."""
    return (
        f"HTTP/1.1 {status}\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
    ).encode()


NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
