"""
Exceptions of the legacy implementation.

:exc:`InvalidStatusCode`, :exc:`AbortHandshake` and :exc:`RedirectHandshake`
only exist for programs written against :mod:`websockets.legacy`; the
:mod:`asyncio` implementation raises
:exc:`~websockets.exceptions.InvalidStatus` instead.

"""

from __future__ import annotations

import http

from .. import datastructures
from ..exceptions import (
    InvalidHandshake,
    InvalidMessage,
    ProtocolError as WebSocketProtocolError,
)
from ..typing import StatusLike


__all__ = [
    "AbortHandshake",
    "InvalidHandshake",
    "InvalidMessage",
    "InvalidStatusCode",
    "RedirectHandshake",
    "WebSocketProtocolError",
]


class InvalidStatusCode(InvalidHandshake):
    """
    Raised when a handshake response status code is invalid.

    Args:
        status_code: HTTP status code of the response.
        headers: HTTP headers of the response.

    """

    def __init__(self, status_code: int, headers: datastructures.Headers) -> None:
        self.status_code = status_code
        self.headers = headers

    def __str__(self) -> str:
        return f"server rejected WebSocket connection: HTTP {self.status_code}"


class AbortHandshake(InvalidHandshake):
    """
    Raised to abort the handshake on purpose and return an HTTP response.

    ``process_request`` may raise it instead of returning a
    ``(status, headers, body)`` tuple.

    Args:
        status: HTTP status code.
        headers: HTTP response headers.
        body: HTTP response body.

    """

    def __init__(
        self,
        status: StatusLike,
        headers: datastructures.HeadersLike,
        body: bytes = b"",
    ) -> None:
        # If a user passes an int instead of an HTTPStatus, fix it automatically.
        self.status = http.HTTPStatus(status)
        self.headers = datastructures.Headers(headers)
        self.body = body

    def __str__(self) -> str:
        return (
            f"HTTP {self.status:d}, {len(self.headers)} headers, {len(self.body)} bytes"
        )


class RedirectHandshake(InvalidHandshake):
    """
    Raised when a handshake gets redirected.

    The legacy client follows redirects; this exception doesn't escape
    :func:`~websockets.legacy.client.connect` unless there are too many.

    Args:
        uri: URI to follow.

    """

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def __str__(self) -> str:
        return f"redirect to {self.uri}"
