"""
:mod:`trio` WebSocket servers: :func:`serve`, :class:`Server`,
:class:`ServerConnection`, :func:`broadcast` and :func:`basic_auth`.

"""

from __future__ import annotations

import functools
import logging
import re
import ssl as ssl_module
import sys
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

import trio

from ..asyncio.server import (
    _send_handshake_response,
    basic_auth as _asyncio_basic_auth,
)
from ..exceptions import ConcurrencyError
from ..frames import CloseCode
from ..headers import validate_subprotocols
from ..http11 import SERVER, Request, Response
from ..protocol import CONNECTING, OPEN, Event
from ..server import ServerProtocol
from ..typing import DataLike, LoggerLike, Origin, StatusLike, Subprotocol
from .connection import Connection


if TYPE_CHECKING:
    from typing_extensions import Self

    from ..extensions.base import ServerExtensionFactory


__all__ = ["broadcast", "serve", "ServerConnection", "Server", "basic_auth"]


class ServerConnection(Connection):
    """
    :mod:`trio` implementation of a WebSocket server connection.

    :class:`ServerConnection` provides :meth:`recv` and :meth:`send` methods for
    receiving and sending messages.

    It supports asynchronous iteration to receive messages::

        async for message in websocket:
            await process(message)

    The iterator exits normally when the connection is closed with close code
    1000 (OK) or 1001 (going away) or without a close code. It raises a
    :exc:`~websockets.exceptions.ConnectionClosedError` when the connection is
    closed with any other code.

    The ``ping_interval``, ``ping_timeout``, ``close_timeout``, and
    ``max_queue`` arguments have the same meaning as in :func:`serve`.

    Args:
        nursery: Trio nursery.
        stream: Trio stream connected to a WebSocket client.
        protocol: Sans-I/O connection.
        server: Server that manages this connection.

    """

    def __init__(
        self,
        nursery: trio.Nursery,
        stream: trio.abc.Stream,
        protocol: ServerProtocol,
        server: Server,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | None | tuple[int | None, int | None] = 16,
    ) -> None:
        self.protocol: ServerProtocol
        # Set before Connection.__init__ starts recv_events().
        self.request_rcvd = trio.Event()
        super().__init__(
            nursery,
            stream,
            protocol,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
        )
        self.server = server
        self.username: str  # see basic_auth()
        self.handler: Callable[..., Awaitable[None]]  # see route()
        self.handler_kwargs: dict[str, Any]  # see route()

    def respond(self, status: StatusLike, text: str) -> Response:
        """
        Create a plain text HTTP response.

        ``process_request`` and ``process_response`` may call this method to
        return an HTTP response instead of performing the WebSocket opening
        handshake.

        You can modify the response before returning it, for example by changing
        HTTP headers.

        Args:
            status: HTTP status code.
            text: HTTP response body; it will be encoded to UTF-8.

        Returns:
            HTTP response to send to the client.

        """
        return self.protocol.reject(status, text)

    async def handshake(
        self,
        process_request: (
            Callable[
                [ServerConnection, Request],
                Awaitable[Response | None] | Response | None,
            ]
            | None
        ) = None,
        process_response: (
            Callable[
                [ServerConnection, Request, Response],
                Awaitable[Response | None] | Response | None,
            ]
            | None
        ) = None,
        server_header: str | None = SERVER,
    ) -> None:
        """
        Perform the opening handshake.

        """
        await self.request_rcvd.wait()

        if self.request is not None:
            async with self.send_context(expected_state=CONNECTING):
                # The asyncio server's logic, which is independent of I/O.
                await _send_handshake_response(
                    self,
                    self.request,
                    process_request,
                    process_response,
                    server_header,
                    lambda: not self.server.closing,
                )

        # self.protocol.handshake_exc is set when the connection is lost before
        # receiving a request, when the request cannot be parsed, or when the
        # handshake fails, including when process_request or process_response
        # raises an exception.

        # It isn't set when process_request or process_response sends an HTTP
        # response that rejects the handshake.

        if self.protocol.handshake_exc is not None:
            raise self.protocol.handshake_exc

    def process_event(self, event: Event) -> None:
        """
        Process one incoming event.

        """
        # First event - handshake request.
        if self.request is None:
            assert isinstance(event, Request)
            self.request = event
            self.request_rcvd.set()
        # Later events - frames.
        else:
            super().process_event(event)

    async def close_stream(self) -> None:
        # If the connection is closed during the handshake, unblock it.
        self.request_rcvd.set()
        await super().close_stream()


class Server(trio.abc.AsyncResource):
    """
    WebSocket server returned by :func:`serve`.

    Args:
        listeners: List of Trio listeners accepting new connections.
        handler: Handler for one connection. It receives a Trio stream.
        logger: Logger for this server.
            It defaults to ``logging.getLogger("websockets.server")``.
            See the :doc:`logging guide <../../topics/logging>` for details.

    """

    def __init__(
        self,
        listeners: list[trio.SocketListener],
        handler: Callable[[trio.abc.Stream], Coroutine[Any, Any, None]],
        logger: LoggerLike | None = None,
    ) -> None:
        self.listeners = listeners
        self.handler = handler
        if logger is None:
            logger = logging.getLogger("websockets.server")
        self.logger = logger

        # Connections registered by ServerConnection, open or not.
        self.handlers: dict[ServerConnection, None] = {}

        # Set when aclose() starts; new handshakes are rejected with 503.
        self.closing = False
        # Cancels accepting connections.
        self.accept_scope = trio.CancelScope()
        # Set when serve_forever() returns: every handler has returned.
        self.closed = trio.Event()
        self.serving = False

    @property
    def connections(self) -> set[ServerConnection]:
        """
        Set of active connections.

        This property contains all connections that completed the opening
        handshake successfully and didn't start the closing handshake yet.
        It can be useful in combination with :func:`~broadcast`.

        """
        return {
            connection
            for connection in self.handlers
            if connection.protocol.state is OPEN
        }

    async def serve_forever(
        self,
        task_status: trio.TaskStatus[Server] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """
        Accept connections until :meth:`aclose` is called.

        Each connection runs :attr:`handler` in a task. :meth:`serve_forever`
        returns once the server is closed and every handler returned.

        Args:
            task_status: For compatibility with :meth:`nursery.start
                <trio.Nursery.start>`, which returns this server.

        """
        self.serving = True
        for listener in self.listeners:
            self.logger.info(
                "server listening on %s", _format_address(listener.socket.getsockname())
            )
        try:
            async with trio.open_nursery() as handler_nursery:
                with self.accept_scope:
                    async with trio.open_nursery() as accept_nursery:
                        await accept_nursery.start(
                            functools.partial(
                                trio.serve_listeners,
                                self.handler,
                                self.listeners,
                                handler_nursery=handler_nursery,
                            )
                        )
                        task_status.started(self)
        finally:
            self.closed.set()
            self.logger.info("server closed")

    async def aclose(
        self,
        close_connections: bool = True,
        code: CloseCode | int = CloseCode.GOING_AWAY,
        reason: str = "",
    ) -> None:
        """
        Close the server.

        * Close the TCP listeners.
        * When ``close_connections`` is :obj:`True`, which is the default,
          close existing connections. Specifically:

          * Reject opening WebSocket connections with an HTTP 503 (service
            unavailable) error. This happens when the server accepted the TCP
            connection but didn't complete the opening handshake before closing.
          * Close open WebSocket connections with close code 1001 (going away).
            ``code`` and ``reason`` can be customized, for example to use code
            1012 (service restart).

        * Wait until all connection handlers have returned.

        :meth:`aclose` is idempotent.

        """
        if not self.closing:
            self.closing = True
            self.logger.info("server closing")
            # Stop accepting connections and close the listeners.
            self.accept_scope.cancel()
            for listener in self.listeners:
                await trio.aclose_forcefully(listener)
            if close_connections:
                async with trio.open_nursery() as nursery:
                    for connection in list(self.handlers):
                        if connection.protocol.state is OPEN:
                            nursery.start_soon(connection.aclose, code, reason)
            if not self.serving:
                # serve_forever() never ran: no handler can be running.
                self.closed.set()
        await self.closed.wait()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


def _format_address(address: Any) -> str:
    if isinstance(address, tuple):
        host, port = address[:2]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return str(address)


async def serve(
    handler: Callable[[ServerConnection], Awaitable[None]],
    port: int | None = None,
    *,
    # TCP/TLS
    host: str | bytes | None = None,
    backlog: int | None = None,
    listeners: list[trio.SocketListener] | None = None,
    ssl: ssl_module.SSLContext | None = None,
    # WebSocket
    origins: Sequence[Origin | re.Pattern[str] | None] | None = None,
    extensions: Sequence[ServerExtensionFactory] | None = None,
    subprotocols: Sequence[Subprotocol] | None = None,
    select_subprotocol: (
        Callable[
            [ServerConnection, Sequence[Subprotocol]],
            Subprotocol | None,
        ]
        | None
    ) = None,
    compression: str | None = "deflate",
    # HTTP
    process_request: (
        Callable[
            [ServerConnection, Request],
            Awaitable[Response | None] | Response | None,
        ]
        | None
    ) = None,
    process_response: (
        Callable[
            [ServerConnection, Request, Response],
            Awaitable[Response | None] | Response | None,
        ]
        | None
    ) = None,
    server_header: str | None = SERVER,
    # Timeouts
    open_timeout: float | None = 10,
    ping_interval: float | None = 20,
    ping_timeout: float | None = 20,
    close_timeout: float | None = 10,
    # Limits
    max_size: int | None | tuple[int | None, int | None] = 2**20,
    max_queue: int | None | tuple[int | None, int | None] = 16,
    # Logging
    logger: LoggerLike | None = None,
    # Escape hatch for advanced customization
    create_connection: type[ServerConnection] | None = None,
    # Trio
    task_status: trio.TaskStatus[Server] = trio.TASK_STATUS_IGNORED,
) -> None:
    """
    Create a WebSocket server listening on ``port``.

    Whenever a client connects, the server creates a :class:`ServerConnection`,
    performs the opening handshake, and delegates to the ``handler`` coroutine.

    The handler receives the :class:`ServerConnection` instance, which you can
    use to send and receive messages.

    Once the handler completes, either normally or with an exception, the server
    performs the closing handshake and closes the connection.

    When using :func:`serve` with :meth:`nursery.start <trio.Nursery.start>`,
    you get back a :class:`Server` object. Treat it as an asynchronous context
    manager to ensure that the server will be closed gracefully::

        from websockets.trio.server import serve

        async def handler(websocket):
            ...

        # set this event to exit the server
        stop = trio.Event()

        async with trio.open_nursery() as nursery:
            server = await nursery.start(serve, handler, port)
            async with server:
                await stop.wait()

    Alternatively, you can stop the server gracefully by calling its
    :meth:`~Server.aclose` method.

    By default, closing the server closes connections with code 1001 (going
    away). You can keep connections alive and wait for clients to disconnect::

        await server.aclose(close_connections=False)

    Args:
        handler: Connection handler. It receives the WebSocket connection,
            which is a :class:`ServerConnection`, in argument.
        port: TCP port the server listens on.
            See :func:`~trio.open_tcp_listeners` for details.
        host: Network interfaces the server binds to.
            See :func:`~trio.open_tcp_listeners` for details.
        backlog: Listen backlog. See :func:`~trio.open_tcp_listeners` for
            details.
        listeners: Preexisting TCP listeners. ``listeners`` replaces ``port``,
            ``host``, and ``backlog``. See :func:`trio.serve_listeners` for
            details.
        ssl: Configuration for enabling TLS on the connection.
        origins: Acceptable values of the ``Origin`` header, for defending
            against Cross-Site WebSocket Hijacking attacks. Values can be
            :class:`str` to test for an exact match or regular expressions
            compiled by :func:`re.compile` to test against a pattern. Include
            :obj:`None` in the list if the lack of an origin is acceptable.
        extensions: List of supported extensions, in order in which they
            should be negotiated and run.
        subprotocols: List of supported subprotocols, in order of decreasing
            preference.
        select_subprotocol: Callback for selecting a subprotocol among
            those supported by the client and the server. It receives a
            :class:`ServerConnection` (not a
            :class:`~websockets.server.ServerProtocol`!) instance and a list of
            subprotocols offered by the client. Other than the first argument,
            it has the same behavior as the
            :meth:`ServerProtocol.select_subprotocol
            <websockets.server.ServerProtocol.select_subprotocol>` method.
        compression: The "permessage-deflate" extension is enabled by default.
            Set ``compression`` to :obj:`None` to disable it. See the
            :doc:`compression guide <../../topics/compression>` for details.
        process_request: Intercept the request during the opening handshake.
            Return an HTTP response to force the response or :obj:`None` to
            continue normally. When you force an HTTP 101 Continue response, the
            handshake is successful. Else, the connection is aborted.
            ``process_request`` may be a function or a coroutine.
        process_response: Intercept the response during the opening handshake.
            Return an HTTP response to force the response or :obj:`None` to
            continue normally. When you force an HTTP 101 Continue response, the
            handshake is successful. Else, the connection is aborted.
            ``process_response`` may be a function or a coroutine.
        server_header: Value of  the ``Server`` response header.
            It defaults to ``"Python/x.y.z websockets/X.Y"``. Setting it to
            :obj:`None` removes the header.
        open_timeout: Timeout for opening connections in seconds.
            :obj:`None` disables the timeout.
        ping_interval: Interval between keepalive pings in seconds.
            :obj:`None` disables keepalive.
        ping_timeout: Timeout for keepalive pings in seconds.
            :obj:`None` disables timeouts.
        close_timeout: Timeout for closing connections in seconds.
            :obj:`None` disables the timeout.
        max_size: Maximum size of incoming messages in bytes.
            :obj:`None` disables the limit. You may pass a ``(max_message_size,
            max_fragment_size)`` tuple to set different limits for messages and
            fragments when you expect long messages sent in short fragments.
        max_queue: High-water mark of the buffer where frames are received.
            It defaults to 16 frames. The low-water mark defaults to ``max_queue
            // 4``. You may pass a ``(high, low)`` tuple to set the high-water
            and low-water marks. If you want to disable flow control entirely,
            you may set it to ``None``, although that's a bad idea.
        logger: Logger for this server.
            It defaults to ``logging.getLogger("websockets.server")``.
            See the :doc:`logging guide <../../topics/logging>` for details.
        create_connection: Factory for the :class:`ServerConnection` managing
            the connection. Set it to a wrapper or a subclass to customize
            connection handling.
        task_status: For compatibility with :meth:`nursery.start
            <trio.Nursery.start>`.

    """

    # Process parameters

    if subprotocols is not None:
        validate_subprotocols(subprotocols)

    if compression == "deflate":
        from ..extensions.permessage_deflate import enable_server_permessage_deflate

        extensions = enable_server_permessage_deflate(extensions)
    elif compression is not None:
        raise ValueError(f"unsupported compression: {compression}")

    if create_connection is None:
        create_connection = ServerConnection

    if isinstance(max_size, tuple):
        # The Sans-I/O protocol enforces a message limit, which bounds every
        # fragment too; see websockets.sync.client.
        max_size = max_size[0]

    if logger is None:
        logger = logging.getLogger("websockets.server")

    if listeners is None:
        listeners = await trio.open_tcp_listeners(
            port,  # type: ignore[arg-type]  # trio requires it without listeners
            host=host,
            backlog=backlog,
        )

    # Deadline of the opening handshake, including TLS.
    open_deadline = float("inf") if open_timeout is None else open_timeout

    async def conn_handler(stream: trio.abc.Stream) -> None:
        if ssl is not None:
            ssl_stream = trio.SSLStream(stream, ssl, server_side=True)
            with trio.move_on_after(open_deadline) as scope:
                try:
                    await ssl_stream.do_handshake()
                except trio.BrokenResourceError:
                    logger.debug("! TLS handshake failed", exc_info=True)
                    await trio.aclose_forcefully(ssl_stream)
                    return
            if scope.cancelled_caught:
                await trio.aclose_forcefully(ssl_stream)
                return
            stream = ssl_stream

        async with trio.open_nursery() as nursery:
            # Create a closure to give select_subprotocol access to connection.
            protocol_select_subprotocol: (
                Callable[[ServerProtocol, Sequence[Subprotocol]], Subprotocol | None]
                | None
            ) = None
            if select_subprotocol is not None:

                def protocol_select_subprotocol(
                    protocol: ServerProtocol,
                    subprotocols: Sequence[Subprotocol],
                ) -> Subprotocol | None:
                    # mypy doesn't know that select_subprotocol is immutable.
                    assert select_subprotocol is not None
                    # Ensure this function is only used in the intended context.
                    assert protocol is connection.protocol
                    return select_subprotocol(connection, subprotocols)

            # This is a protocol in the Sans-I/O implementation of websockets.
            protocol = ServerProtocol(
                origins=origins,
                extensions=extensions,
                subprotocols=subprotocols,
                select_subprotocol=protocol_select_subprotocol,
                max_size=max_size,
                logger=logger,
            )
            # This is a connection in the trio implementation of websockets.
            connection = create_connection(
                nursery,
                stream,
                protocol,
                server,
                ping_interval=ping_interval,
                ping_timeout=ping_timeout,
                close_timeout=close_timeout,
                max_queue=max_queue,
            )
            server.handlers[connection] = None
            try:
                await _handle_connection(connection, handler)
            finally:
                # This doesn't checkpoint: it also happens on cancellation.
                await connection.close_stream()
                del server.handlers[connection]

    async def _handle_connection(
        connection: ServerConnection,
        handler: Callable[[ServerConnection], Awaitable[None]],
    ) -> None:
        with trio.move_on_after(open_deadline) as scope:
            try:
                await connection.handshake(
                    process_request,
                    process_response,
                    server_header,
                )
            except Exception:
                # The Sans-I/O layer already answered with an HTTP error and
                # logged the failure. Don't log a second time.
                if connection.debug:
                    connection.logger.debug("! opening handshake failed", exc_info=True)
                await _wait_for_client_close(connection)
                return
        if scope.cancelled_caught:
            if connection.debug:
                connection.logger.debug("! timed out during opening handshake")
            return

        if connection.protocol.state is not OPEN:
            # process_request or process_response rejected the handshake.
            await _wait_for_client_close(connection)
            return

        try:
            connection.start_keepalive()
            await handler(connection)
        except Exception:
            connection.logger.error("connection handler failed", exc_info=True)
            await connection.aclose(CloseCode.INTERNAL_ERROR)
        else:
            await connection.aclose()

    async def _wait_for_client_close(connection: ServerConnection) -> None:
        # After an HTTP error response, the server half-closed the connection
        # (or closed it with TLS); give the client close_timeout to close its
        # side, so that it reads the whole response.
        connection._arm_close_timer()
        if connection.close_timeout is None:
            await connection.wait_closed()
        else:
            with trio.move_on_after(connection.close_timeout):
                await connection.wait_closed()

    server = Server(listeners, conn_handler, logger)
    await server.serve_forever(task_status=task_status)


async def broadcast(
    connections: Iterable[Connection],
    message: DataLike,
    *,
    raise_exceptions: bool = False,
    text: bool | None = None,
) -> None:
    """
    Broadcast a message to several WebSocket connections.

    A string (:class:`str`) is sent as a Text_ frame. A bytestring or bytes-like
    object (:class:`bytes`, :class:`bytearray`, or :class:`memoryview`) is sent
    as a Binary_ frame.

    .. _Text: https://datatracker.ietf.org/doc/html/rfc6455#section-5.6
    .. _Binary: https://datatracker.ietf.org/doc/html/rfc6455#section-5.6

    You may override this behavior with the ``text`` argument:

    * Set ``text=True`` to send an UTF-8 bytestring or bytes-like object
      (:class:`bytes`, :class:`bytearray`, or :class:`memoryview`) in a
      Text_ frame.
    * Set ``text=False`` to send a string (:class:`str`) in a Binary_
      frame.

    :func:`broadcast` is equivalent to calling
    :meth:`~websockets.trio.connection.Connection.send` for each connection.
    It returns when all messages have been sent.

    Unlike :meth:`~websockets.trio.connection.Connection.send`,
    :func:`broadcast` doesn't support sending fragmented messages.

    :func:`broadcast` skips connections that aren't open in order to avoid
    errors on connections where the closing handshake is in progress.

    :func:`broadcast` ignores failures to write the message on some connections.
    It continues writing to other connections. You may set ``raise_exceptions``
    to :obj:`True` to record failures and raise all exceptions in a :pep:`654`
    :exc:`ExceptionGroup`.

    Args:
        connections: WebSocket connections to which the message will be sent.
        message: Message to send.
        raise_exceptions: Whether to raise an exception in case of failures.
        text: Force sending in Text_ or Binary_ frames.

    Raises:
        TypeError: If ``message`` doesn't have a supported type.

    """
    if isinstance(message, str):
        send_method = "send_binary" if text is False else "send_text"
        payload = message.encode()
    elif isinstance(message, (bytes, bytearray, memoryview)):
        send_method = "send_text" if text else "send_binary"
        payload = bytes(message)
    else:
        raise TypeError("data must be str or bytes")

    if raise_exceptions:
        if sys.version_info[:2] < (3, 11):  # pragma: no cover
            raise ValueError("raise_exceptions requires at least Python 3.11")
    exceptions: list[Exception] = []

    def skip(connection: Connection, exception: Exception, warning: str) -> None:
        if raise_exceptions:
            exceptions.append(exception)
        else:
            connection.logger.warning(warning)

    async def write(connection: Connection) -> None:
        try:
            await connection.send_data()
        except Exception as write_exception:
            exception = RuntimeError("failed to write message")
            exception.__cause__ = write_exception
            skip(
                connection,
                exception,
                "skipped broadcast: failed to write message: "
                + "".join(
                    traceback.format_exception_only(
                        type(write_exception), write_exception
                    )
                ).strip(),
            )

    async with trio.open_nursery() as nursery:
        for connection in connections:
            if connection.protocol.state is not OPEN:
                continue

            if connection.send_in_progress is not None:
                skip(
                    connection,
                    ConcurrencyError("sending a fragmented message"),
                    "skipped broadcast: sending a fragmented message",
                )
                continue

            # Frame the message now, in the order of the connections; write
            # it concurrently, so that a slow connection doesn't delay others.
            getattr(connection.protocol, send_method)(payload)
            nursery.start_soon(write, connection)

    if raise_exceptions and exceptions:
        if sys.version_info >= (3, 11):
            raise ExceptionGroup("skipped broadcast", exceptions)  # noqa: F821
        else:  # pragma: no cover
            raise AssertionError("unreachable: checked above")


def basic_auth(
    realm: str = "",
    credentials: tuple[str, str] | Iterable[tuple[str, str]] | None = None,
    check_credentials: Callable[[str, str], Awaitable[bool] | bool] | None = None,
) -> Callable[[ServerConnection, Request], Awaitable[Response | None]]:
    """
    Factory for ``process_request`` to enforce HTTP Basic Authentication.

    :func:`basic_auth` is designed to integrate with :func:`serve` as follows::

        from websockets.trio.server import basic_auth, serve

        server = await nursery.start(
            functools.partial(
                serve,
                ...,
                process_request=basic_auth(
                    realm="my dev server",
                    credentials=("hello", "iloveyou"),
                ),
            )
        )

    If authentication succeeds, the connection's ``username`` attribute is set.
    If it fails, the server responds with an HTTP 401 Unauthorized status.

    One of ``credentials`` or ``check_credentials`` must be provided; not both.

    Args:
        realm: Scope of protection. It should contain only ASCII characters
            because the encoding of non-ASCII characters is undefined. Refer to
            section 2.2 of :rfc:`7235` for details.
        credentials: Hard coded authorized credentials. It can be a
            ``(username, password)`` pair or a list of such pairs.
        check_credentials: Function or coroutine that verifies credentials.
            It receives ``username`` and ``password`` arguments and returns
            whether they're valid.
    Raises:
        TypeError: If ``credentials`` or ``check_credentials`` is wrong.
        ValueError: If ``credentials`` and ``check_credentials`` are both
            provided or both not provided.

    """
    # The check only reads the request and calls connection.respond(); it's
    # the same for every I/O layer.
    return cast(
        Callable[[ServerConnection, Request], Awaitable[Response | None]],
        _asyncio_basic_auth(realm, credentials, check_credentials),
    )
