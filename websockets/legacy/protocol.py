"""
:class:`WebSocketCommonProtocol`: what legacy servers and clients share.

The legacy protocol classes are the :mod:`asyncio` connections with the
attribute names of the legacy implementation added. Sending, receiving,
keepalive and the closing handshake are those of
:class:`~websockets.asyncio.connection.Connection`.

"""

from __future__ import annotations

import asyncio
import logging
import os
import warnings
from collections.abc import AsyncIterable, Iterable
from typing import Any

from ..asyncio.connection import Connection
from ..asyncio.server import broadcast as asyncio_broadcast
from ..datastructures import Headers
from ..exceptions import (
    ConnectionClosed,
    ConnectionClosedError as ConnectionClosedError,
    ConnectionClosedOK as ConnectionClosedOK,
    InvalidState as InvalidState,
    PayloadTooBig as PayloadTooBig,
    ProtocolError as ProtocolError,
    TooManyFragments as TooManyFragments,
)
from ..extensions import Extension as Extension
from ..frames import (
    OK_CLOSE_CODES as OK_CLOSE_CODES,
    OP_BINARY as OP_BINARY,
    OP_CLOSE as OP_CLOSE,
    OP_CONT as OP_CONT,
    OP_PING as OP_PING,
    OP_PONG as OP_PONG,
    OP_TEXT as OP_TEXT,
    Close as Close,
    CloseCode,
    Opcode as Opcode,
)
from ..protocol import CONNECTING, Protocol, Side, State
from ..typing import (
    BytesLike as BytesLike,
    Data,
    DataLike,
    LoggerLike,
    Subprotocol as Subprotocol,
)
from .framing import (
    Frame as Frame,
    prepare_ctrl as prepare_ctrl,
    prepare_data as prepare_data,
)


__all__ = ["WebSocketCommonProtocol", "broadcast"]


# websockets 17.4 caps the number of fragments of a message at 4096 by
# default. Here, limits apply to bytes (max_size), and there's no cap on
# fragments unless WEBSOCKETS_MAX_FRAGMENTS sets one (docs/differences.rst).
MAX_FRAGMENTS: int | None = (
    int(os.environ["WEBSOCKETS_MAX_FRAGMENTS"])
    if "WEBSOCKETS_MAX_FRAGMENTS" in os.environ
    else None
)

# Defaults of the legacy implementation, which differ from the asyncio ones.
LEGACY_CLOSE_TIMEOUT = 10
LEGACY_MAX_QUEUE = 2**5
LEGACY_READ_LIMIT = 2**16
LEGACY_WRITE_LIMIT = 2**16


def pop_common_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """
    Extract the legacy arguments shared by servers and clients.

    Legacy ``create_protocol`` factories receive them as keyword arguments;
    this returns them with their legacy defaults applied.

    """
    timeout = kwargs.pop("timeout", None)
    close_timeout = kwargs.pop("close_timeout", None)
    if close_timeout is None:
        close_timeout = timeout
    if close_timeout is None:
        close_timeout = LEGACY_CLOSE_TIMEOUT
    # The event loop is always the running one now.
    kwargs.pop("loop", None)
    return {
        "ping_interval": kwargs.pop("ping_interval", 20),
        "ping_timeout": kwargs.pop("ping_timeout", 20),
        "close_timeout": close_timeout,
        "max_size": kwargs.pop("max_size", 2**20),
        "max_queue": kwargs.pop("max_queue", LEGACY_MAX_QUEUE),
        "read_limit": kwargs.pop("read_limit", LEGACY_READ_LIMIT),
        "write_limit": kwargs.pop("write_limit", LEGACY_WRITE_LIMIT),
        "host": kwargs.pop("host", None),
        "port": kwargs.pop("port", None),
        "secure": kwargs.pop("secure", None),
        "legacy_recv": kwargs.pop("legacy_recv", False),
    }


def rename_legacy_kwargs(kwargs: dict[str, Any], stacklevel: int = 3) -> None:
    """
    Translate arguments renamed in earlier versions, with the same warnings.

    """
    timeout = kwargs.pop("timeout", None)
    if timeout is not None:
        warnings.warn(  # deprecated in websockets 7.0
            "rename timeout to close_timeout",
            DeprecationWarning,
            stacklevel=stacklevel,
        )
        if kwargs.get("close_timeout") is None:
            kwargs["close_timeout"] = timeout
    klass = kwargs.pop("klass", None)
    if klass is not None:
        warnings.warn(  # deprecated in websockets 3.4
            "rename klass to create_protocol",
            DeprecationWarning,
            stacklevel=stacklevel,
        )
        if kwargs.get("create_protocol") is None:
            kwargs["create_protocol"] = klass
    if kwargs.pop("loop", None) is not None:
        warnings.warn(  # deprecated in websockets 10.0
            "remove loop argument",
            DeprecationWarning,
            stacklevel=stacklevel,
        )
    if kwargs.get("legacy_recv"):
        warnings.warn(  # deprecated in websockets 3.0
            "legacy_recv is deprecated",
            DeprecationWarning,
            stacklevel=stacklevel,
        )


class WebSocketCommonProtocol(Connection):
    """
    Legacy attributes of a WebSocket connection, server or client.

    Instances are either
    :class:`~websockets.legacy.server.WebSocketServerProtocol` or
    :class:`~websockets.legacy.client.WebSocketClientProtocol`. On top of the
    API of :class:`~websockets.asyncio.connection.Connection`, they provide
    :attr:`open`, :attr:`closed`, :attr:`path`, :attr:`request_headers`,
    :attr:`response_headers`, :meth:`ensure_open`, :meth:`fail_connection`
    and the deprecated :attr:`host`, :attr:`port` and :attr:`secure`.

    """

    is_client: bool
    side: str

    path: str
    """Path of the opening handshake request."""
    request_headers: Headers
    """Opening handshake request headers."""
    response_headers: Headers
    """Opening handshake response headers."""

    def __init__(
        self,
        *,
        logger: LoggerLike | None = None,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = None,
        max_size: int | None = 2**20,
        max_queue: int | None = 2**5,
        read_limit: int = 2**16,
        write_limit: int = 2**16,
        # The following arguments are deprecated.
        host: str | None = None,
        port: int | None = None,
        secure: bool | None = None,
        legacy_recv: bool = False,
        loop: asyncio.AbstractEventLoop | None = None,
        timeout: float | None = None,
    ) -> None:
        """
        Build a connection with the legacy arguments, without a side.

        :class:`~websockets.legacy.server.WebSocketServerProtocol` and
        :class:`~websockets.legacy.client.WebSocketClientProtocol` have
        constructors of their own, which choose the side. A connection built
        here stays in the ``CONNECTING`` state, like one of websockets 17.4:
        nothing performs its opening handshake.

        ``timeout`` is the former name of ``close_timeout``, ``loop`` is
        ignored and ``legacy_recv`` makes :meth:`recv` return :obj:`None`
        when the connection is closed; all three warn, as in websockets.

        """
        # Like websockets 17.4, the warnings are attributed to this module,
        # in this order.
        if legacy_recv:  # deprecated in websockets 3.0
            warnings.warn("legacy_recv is deprecated", DeprecationWarning, stacklevel=1)
        if timeout is None:
            timeout = LEGACY_CLOSE_TIMEOUT
        else:  # deprecated in websockets 7.0
            warnings.warn(
                "rename timeout to close_timeout", DeprecationWarning, stacklevel=1
            )
        if close_timeout is None:
            close_timeout = timeout
        if loop is not None:  # deprecated in websockets 10.0
            warnings.warn("remove loop argument", DeprecationWarning, stacklevel=1)
        params = pop_common_kwargs(
            {
                "ping_interval": ping_interval,
                "ping_timeout": ping_timeout,
                "close_timeout": close_timeout,
                "max_size": max_size,
                "max_queue": max_queue,
                "read_limit": read_limit,
                "write_limit": write_limit,
                "host": host,
                "port": port,
                "secure": secure,
                "legacy_recv": legacy_recv,
            }
        )
        if logger is None:
            logger = logging.getLogger("websockets.protocol")
        # The Sans-I/O protocol needs a side; nothing is ever parsed or
        # serialized with it before a handshake, which no one performs here.
        protocol = Protocol(
            Side.SERVER,
            state=CONNECTING,
            max_size=params["max_size"],
            logger=logger,
        )
        Connection.__init__(
            self,
            protocol,
            ping_interval=params["ping_interval"],
            ping_timeout=params["ping_timeout"],
            close_timeout=params["close_timeout"],
            max_queue=params["max_queue"],
            write_limit=params["write_limit"],
        )
        self.init_legacy(params)

    async def recv(self) -> Data:  # type: ignore[override]
        """
        Receive the next message.

        Legacy connections have no ``decode`` argument: text arrives as
        :class:`str` and binary data as :class:`bytes`, as in websockets.

        Raises:
            ConnectionClosed: When the connection is closed.
            ConcurrencyError: If two coroutines call :meth:`recv`
                concurrently.

        """
        return await Connection.recv(self)

    async def send(  # type: ignore[override]
        self,
        message: DataLike | Iterable[DataLike] | AsyncIterable[DataLike],
    ) -> None:
        """
        Send a message: :class:`str` as text, bytes-like objects as binary.

        Legacy connections have no ``text`` argument, as in websockets. See
        :meth:`websockets.asyncio.connection.Connection.send` for fragmented
        messages.

        Raises:
            ConnectionClosed: When the connection is closed.
            TypeError: If ``message`` doesn't have a supported type.

        """
        await Connection.send(self, message)

    def init_legacy(self, params: dict[str, Any]) -> None:
        """
        Record the legacy parameters; called by the subclasses' constructors.

        """
        self.path = ""
        self.request_headers = Headers()
        self.response_headers = Headers()
        self.max_size = params["max_size"]
        self.read_limit = params["read_limit"]
        self._host = params["host"]
        self._port = params["port"]
        self._secure = params["secure"]
        self.legacy_recv: bool = params["legacy_recv"]
        if self.legacy_recv:
            # Swap the method on this instance only, so that other
            # connections keep the direct path.
            self.recv = self._legacy_recv  # type: ignore[method-assign,assignment]

    async def _legacy_recv(self, decode: bool | None = None) -> Data | None:
        # legacy_recv=True: return None instead of raising ConnectionClosed.
        try:
            return await Connection.recv(self, decode)
        except ConnectionClosed:
            return None

    # Legacy properties

    @property
    def open(self) -> bool:
        """
        :obj:`True` when the connection is open; :obj:`False` otherwise.

        """
        return self.protocol.state is State.OPEN

    @property
    def closed(self) -> bool:
        """
        :obj:`True` when the connection is closed; :obj:`False` otherwise.

        """
        return self.protocol.state is State.CLOSED

    @property
    def host(self) -> str | None:
        """Deprecated; use :attr:`local_address` or :attr:`remote_address`."""
        attribute = "remote_address" if self.is_client else "local_address"
        warnings.warn(  # deprecated in websockets 10.0
            f"use {attribute}[0] instead of host",
            DeprecationWarning,
            stacklevel=2,
        )
        return self._host  # type: ignore[no-any-return]

    @property
    def port(self) -> int | None:
        """Deprecated; use :attr:`local_address` or :attr:`remote_address`."""
        attribute = "remote_address" if self.is_client else "local_address"
        warnings.warn(  # deprecated in websockets 10.0
            f"use {attribute}[1] instead of port",
            DeprecationWarning,
            stacklevel=2,
        )
        return self._port  # type: ignore[no-any-return]

    @property
    def secure(self) -> bool | None:
        """Deprecated."""
        warnings.warn(  # deprecated in websockets 10.0
            "don't use secure",
            DeprecationWarning,
            stacklevel=2,
        )
        return self._secure  # type: ignore[no-any-return]

    # Legacy methods

    def connection_closed_exc(self) -> ConnectionClosed:
        """
        Build the :exc:`~websockets.exceptions.ConnectionClosed` exception
        that describes how the connection was closed.

        """
        return self.protocol.close_exc

    async def ensure_open(self) -> None:
        """
        Check that the WebSocket connection is open.

        Raises:
            ConnectionClosed: When the connection is closing or closed.

        """
        if self.protocol.state is State.OPEN:
            return
        if self.protocol.state is State.CLOSING:
            # Wait for the closing handshake, so the exception carries the
            # close frames that were exchanged.
            await self.wait_closed()
        if self.protocol.state is State.CLOSED:
            raise self.connection_closed_exc()
        raise ConnectionError("WebSocket connection isn't established yet")

    def fail_connection(
        self,
        code: int = CloseCode.ABNORMAL_CLOSURE,
        reason: str = "",
    ) -> None:
        """
        Close the connection without a clean closing handshake.

        Unless ``code`` is 1006, a close frame is sent first, as required when
        failing the WebSocket connection (:rfc:`6455#section-7.1.7`).

        """
        if code != CloseCode.ABNORMAL_CLOSURE and self.protocol.state is State.OPEN:
            self.protocol.fail(code, reason)
            self.send_data()
        self.transport.close()
        self.arm_close_timer()


def broadcast(
    websockets: Iterable[WebSocketCommonProtocol],
    message: DataLike,
    raise_exceptions: bool = False,
) -> None:
    """
    Broadcast a message to several WebSocket connections.

    This is :func:`websockets.asyncio.server.broadcast` with the legacy
    signature: there's no ``text`` argument.

    Args:
        websockets: WebSocket connections to which the message will be sent.
        message: Message to send.
        raise_exceptions: Whether to raise an exception in case of failures.

    Raises:
        TypeError: If ``message`` doesn't have a supported type.

    """
    asyncio_broadcast(websockets, message, raise_exceptions=raise_exceptions)
