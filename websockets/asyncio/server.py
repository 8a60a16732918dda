"""
:mod:`asyncio` WebSocket servers: :func:`serve`, :class:`Server`,
:class:`ServerConnection`, :func:`broadcast` and :func:`basic_auth`.

"""

from __future__ import annotations

import asyncio
import http
import inspect
import logging
import re
import socket
import sys
import traceback
from collections.abc import (
    Awaitable,
    Callable,
    Coroutine,
    Generator,
    Iterable,
    Sequence,
)
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from .._accel import build_frame
from ..credentials import (  # noqa: F401 - is_credentials kept importable here
    check_credentials_from,
    is_credentials,
    read_basic_credentials,
    unauthorized,
)
from ..exceptions import (
    ConcurrencyError,
    ConnectionClosed,
    InvalidHeader as InvalidHeader,
)
from ..extensions.base import ServerExtensionFactory as ServerExtensionFactory
from ..extensions.permessage_deflate import (
    enable_server_permessage_deflate as enable_server_permessage_deflate,
)
from ..frames import CloseCode
from ..headers import (
    build_www_authenticate_basic as build_www_authenticate_basic,
    parse_authorization_basic as parse_authorization_basic,
    validate_subprotocols,
)
from ..http11 import SERVER, Request, Response
from ..protocol import CONNECTING, OPEN, Event
from ..server import ServerProtocol
from ..typing import (
    DataLike,
    LoggerLike,
    Origin,
    PathLike as PathLike,
    StatusLike,
    Subprotocol,
)
from ..utils import get_socket_name as get_socket_name
from .connection import Connection
from .tls import server_factory as tls_server_factory, use_builtin_tls


if TYPE_CHECKING:
    from typing_extensions import Self


__all__ = [
    "broadcast",
    "serve",
    "unix_serve",
    "ServerConnection",
    "Server",
    "basic_auth",
]


class ServerConnection(Connection):
    """
    :mod:`asyncio` implementation of a WebSocket server connection.

    :class:`ServerConnection` provides :meth:`recv` and :meth:`send` methods
    for receiving and sending messages.

    It supports asynchronous iteration to receive messages::

        async for message in websocket:
            await process(message)

    The iterator exits normally when the connection is closed with code
    1000 (OK) or 1001 (going away) or without a close code. It raises a
    :exc:`~websockets.exceptions.ConnectionClosedError` when the connection
    is closed with any other code.

    The ``ping_interval``, ``ping_timeout``, ``close_timeout``,
    ``max_queue``, and ``write_limit`` arguments have the same meaning as in
    :func:`serve`.

    Args:
        protocol: Sans-I/O connection.
        server: Server that manages this connection.

    """

    def __init__(
        self,
        protocol: ServerProtocol,
        server: Server,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | None | tuple[int | None, int | None] = 16,
        write_limit: int | tuple[int, int | None] = 2**15,
    ) -> None:
        self.protocol: ServerProtocol
        super().__init__(
            protocol,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
            write_limit=write_limit,
        )
        self.server = server
        self.request_rcvd: asyncio.Future[None] = self.loop.create_future()
        self.username: str  # see basic_auth()
        self.handler: Callable[..., Awaitable[None]]  # see route()
        self.handler_kwargs: dict[str, Any]  # see route()
        self.handler_task: asyncio.Task[None] | None = None

    def respond(self, status: StatusLike, text: str) -> Response:
        """
        Create a plain text HTTP response.

        ``process_request`` and ``process_response`` may call this method to
        return an HTTP response instead of performing the WebSocket opening
        handshake.

        You can modify the response before returning it, for example by
        changing HTTP headers.

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
        await asyncio.shield(self.request_rcvd)

        if self.request is not None:
            async with self.send_context(expected_state=CONNECTING):
                await _send_handshake_response(
                    self,
                    self.request,
                    process_request,
                    process_response,
                    server_header,
                    self.server_is_serving,
                )

        # self.protocol.handshake_exc is set when the connection is lost before
        # receiving a request, when the request cannot be parsed, or when the
        # handshake fails, including when process_request or process_response
        # raises an exception.

        # It isn't set when process_request or process_response sends an HTTP
        # response that rejects the handshake.

        if self.protocol.handshake_exc is not None:
            raise self.protocol.handshake_exc

    def server_is_serving(self) -> bool:
        """
        Tell whether the server accepts new connections.

        The legacy layer overrides it: there, the server is ``ws_server``,
        and ``server`` may be anything a subclass stores in it.

        """
        return self.server.is_serving()

    def process_event(self, event: Event) -> None:
        """
        Process one incoming event.

        """
        # First event - handshake request.
        if self.request is None:
            assert isinstance(event, Request)
            self.request = event
            self.request_rcvd.set_result(None)
        # Later events - frames.
        else:
            super().process_event(event)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.server.start_connection_handler(self)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if not self.request_rcvd.done():
            self.request_rcvd.set_result(None)


async def _send_handshake_response(
    connection: Any,
    request: Request,
    process_request: Callable[..., Awaitable[Response | None] | Response | None] | None,
    process_response: Callable[..., Awaitable[Response | None] | Response | None]
    | None,
    server_header: str | None,
    is_serving: Callable[[], bool],
) -> None:
    """
    Build the response to the opening handshake request and send it.

    This is the part of ``handshake()`` that the asyncio and trio servers
    share: run ``process_request``, accept the request, add the ``Server``
    header, run ``process_response``, then turn an upgrade into a 503 if the
    server is shutting down. Hooks may be functions or coroutines.

    Args:
        connection: Server connection, which gets the response in its
            ``response`` attribute.
        request: Opening handshake request.
        process_request: Hook that may return a response to send instead.
        process_response: Hook that may return a response to send instead.
        server_header: Value of the ``Server`` header; :obj:`None` or an
            empty string leaves it out.
        is_serving: Tells whether the server still accepts connections.

    """
    protocol = connection.protocol
    response = None

    if process_request is not None:
        try:
            response = process_request(connection, request)
            if inspect.isawaitable(response):
                response = await response
        except Exception as exc:
            response = protocol.reject_on_error(exc, "process_request failed")

    if response is None:
        connection.response = protocol.accept(request)
    else:
        assert isinstance(response, Response)  # help mypy
        connection.response = response

    if server_header:
        connection.response.headers["Server"] = server_header

    response = None

    if process_response is not None:
        try:
            response = process_response(connection, request, connection.response)
            if inspect.isawaitable(response):
                response = await response
        except Exception as exc:
            response = protocol.reject_on_error(exc, "process_response failed")

    if response is not None:
        assert isinstance(response, Response)  # help mypy
        connection.response = response

    # A server that is shutting down still runs the hooks, like websockets,
    # then turns the upgrade, and only the upgrade, into a 503.
    if connection.response.status_code == 101 and not is_serving():
        connection.response = protocol.reject(
            http.HTTPStatus.SERVICE_UNAVAILABLE,
            "Server is shutting down.\n",
        )

    protocol.send_response(connection.response)


class Server:
    """
    WebSocket server returned by :func:`serve`.

    This class mirrors the API of :class:`asyncio.Server`.

    It keeps track of WebSocket connections in order to close them properly
    when shutting down.

    Args:
        create_server: Coroutine factory that creates the underlying
            :class:`asyncio.Server`.
        handler: Handler for one connection. Receives the connection
            before the opening handshake.
        logger: Logger for this server.
            It defaults to ``logging.getLogger("websockets.server")``.
            See the :doc:`logging guide <../../topics/logging>` for details.

    """

    def __init__(
        self,
        create_server: Callable[[], Coroutine[Any, Any, asyncio.Server]],
        handler: Callable[[ServerConnection], Coroutine[Any, Any, None]],
        logger: LoggerLike | None = None,
    ) -> None:
        self.create_server = create_server
        self.handler = handler
        if logger is None:
            logger = logging.getLogger("websockets.server")
        self.logger = logger

        # Keep track of active connections.
        self.handlers: dict[ServerConnection, asyncio.Task[None]] = {}

        # Task responsible for closing the server and terminating connections.
        self.close_task: asyncio.Task[None] | None = None

        # Completed when the server is closed and connections are terminated.
        # Created lazily, because websockets.serve() may be called before
        # the event loop runs (classic examples do that).
        self._closed_waiter: asyncio.Future[None] | None = None

        self.server: asyncio.Server
        self.loop: asyncio.AbstractEventLoop | None = None
        try:
            self.loop = asyncio.get_running_loop()
        except RuntimeError:
            pass

    @property
    def closed_waiter(self) -> asyncio.Future[None]:
        """
        Future that completes when the server is closed.

        It's done once the server stopped listening, all TCP connections are
        closed and all connection handlers have returned. :meth:`wait_closed`
        waits for it. It's created on first access, on the server's event
        loop.

        """
        if self._closed_waiter is None:
            self._closed_waiter = self.get_loop().create_future()
        return self._closed_waiter

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

    def wrap(self, server: asyncio.Server) -> None:
        """
        Attach to a given :class:`asyncio.Server`.

        """
        self.server = server
        # Like websockets: a server created with start_serving=False doesn't
        # announce itself, not even when it starts serving later.
        if not server.is_serving():
            return
        for sock in server.sockets:
            if sock.family == socket.AF_INET:
                name = "{}:{}".format(*sock.getsockname())
            elif sock.family == socket.AF_INET6:
                name = "[{}]:{}".format(*sock.getsockname()[:2])
            elif sock.family == getattr(socket, "AF_UNIX", None):
                name = sock.getsockname()
            # In the unlikely event that someone runs websockets over a
            # protocol other than IP or Unix sockets, avoid crashing.
            else:  # pragma: no cover
                name = str(sock.getsockname())
            self.logger.info("server listening on %s", name)

    def start_connection_handler(self, connection: ServerConnection) -> None:
        """
        Register a connection with this server and run its handler.

        """
        # The connection is registered synchronously, so close() sees it even
        # if the handler task didn't start yet.
        task = self.get_loop().create_task(self.conn_handler(connection))
        self.handlers[connection] = task
        connection.handler_task = task

    async def conn_handler(self, connection: ServerConnection) -> None:
        """
        Run the connection handler for ``connection``.

        After the handler returns or raises, wait until the TCP connection is
        closed, then unregister the connection from the server.

        Args:
            connection: Connection registered with this server by
                :meth:`start_connection_handler`.

        """
        try:
            await self.handler(connection)
        finally:
            # Wait until the TCP connection is closed before unregistering,
            # so that wait_closed() covers the closing handshake.
            if not connection.connection_lost_waiter.done():
                await connection.wait_closed()
            del self.handlers[connection]

    def close(
        self,
        close_connections: bool = True,
        code: CloseCode | int = CloseCode.GOING_AWAY,
        reason: str = "",
    ) -> None:
        """
        Close the server.

        * Close the underlying :class:`asyncio.Server`.
        * When ``close_connections`` is :obj:`True`, which is the default,
          close existing connections. Specifically:

          * Reject opening WebSocket connections with an HTTP 503 (service
            unavailable) error. This happens when the server accepted the TCP
            connection but didn't complete the opening handshake before
            closing.
          * Close open WebSocket connections with close code 1001 (going
            away). ``code`` and ``reason`` can be customized, for example to
            use code 1012 (service restart).

        * Wait until all connection handlers terminate.

        :meth:`close` is idempotent.

        """
        if self.close_task is None:
            self.close_task = self.get_loop().create_task(
                self._close(close_connections, code, reason)
            )

    async def _close(
        self,
        close_connections: bool = True,
        code: CloseCode | int = CloseCode.GOING_AWAY,
        reason: str = "",
    ) -> None:
        """
        Implementation of :meth:`close`.

        This calls :meth:`~asyncio.Server.close` on the underlying
        :class:`asyncio.Server` object to stop accepting new connections and
        then closes open connections.

        """
        self.logger.info("server closing")

        # Stop accepting new connections.
        self.server.close()

        # Wait until all accepted connections reach connection_made() and
        # call register(). See https://github.com/python/cpython/issues/79033
        # for details. This workaround can be removed when dropping Python < 3.11.
        await asyncio.sleep(0)

        if close_connections:
            # Close OPEN connections with code 1001 by default. After
            # server.close(), handshake() closes OPENING connections with an
            # HTTP 503 error.
            close_tasks = [
                asyncio.create_task(connection.close(code, reason))
                for connection in self.handlers
                if connection.protocol.state is not CONNECTING
            ]
            # asyncio.wait doesn't accept an empty first argument.
            if close_tasks:
                await asyncio.wait(close_tasks)

        # Wait until all TCP connections are closed.
        await self.server.wait_closed()

        # Wait until all connection handlers terminate.
        # asyncio.wait doesn't accept an empty first argument.
        if self.handlers:
            await asyncio.wait(self.handlers.values())

        # Tell wait_closed() to return.
        if not self.closed_waiter.done():
            self.closed_waiter.set_result(None)

        self.logger.info("server closed")

    async def wait_closed(self) -> None:
        """
        Wait until the server is closed.

        When :meth:`wait_closed` returns, all TCP connections are closed and
        all connection handlers have returned.

        To ensure a fast shutdown, a connection handler should always be
        awaiting at least one of:

        * :meth:`~ServerConnection.recv`: when the connection is closed,
          it raises :exc:`~websockets.exceptions.ConnectionClosedOK`;
        * :meth:`~ServerConnection.wait_closed`: when the connection is
          closed, it returns.

        Then the connection handler is immediately notified of the shutdown;
        it can clean up and exit.

        """
        await asyncio.shield(self.closed_waiter)

    def get_loop(self) -> asyncio.AbstractEventLoop:
        """
        See :meth:`asyncio.Server.get_loop`.

        """
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
        return self.loop

    def is_serving(self) -> bool:  # pragma: no cover
        """
        See :meth:`asyncio.Server.is_serving`.

        """
        return self.server.is_serving()

    async def start_serving(self) -> None:  # pragma: no cover
        """
        See :meth:`asyncio.Server.start_serving`.

        Typical use::

            server = await serve(..., start_serving=False)
            # perform additional setup here...
            # ... then start the server
            await server.start_serving()

        """
        await self.server.start_serving()

    async def serve_forever(self) -> None:  # pragma: no cover
        """
        See :meth:`asyncio.Server.serve_forever`.

        Typical use::

            server = await serve(...)
            # this coroutine doesn't return
            # canceling it stops the server
            await server.serve_forever()

        This is an alternative to using :func:`serve` as an asynchronous
        context manager. Shutdown is triggered by canceling
        :meth:`serve_forever` instead of exiting a :func:`serve` context.

        """
        await self.server.start_serving()
        try:
            await self.wait_closed()
        except asyncio.CancelledError:
            self.close()
            await self.wait_closed()
            raise

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        """
        See :attr:`asyncio.Server.sockets`.

        """
        return self.server.sockets

    async def _await(self) -> Self:
        self.get_loop()
        self.wrap(await self.create_server())
        return self

    def __await__(self) -> Generator[Any, None, Self]:
        # Create a suitable iterator by calling __await__ on a coroutine.
        return self._await().__await__()

    async def __aenter__(self) -> Self:  # pragma: no cover
        return await self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:  # pragma: no cover
        self.close()
        await self.wait_closed()


def _wants_path(handler: Callable[..., Any]) -> bool:
    """
    Tell whether ``handler`` is a classic ``handler(websocket, path)``.

    Handlers written for websockets < 10.1 take the request path as a second
    positional argument. We detect them by their signature, so that classic
    examples run unchanged.

    """
    try:
        signature = inspect.signature(handler)
    except (TypeError, ValueError):  # pragma: no cover
        return False
    positional = [
        parameter
        for parameter in signature.parameters.values()
        if parameter.kind
        in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        )
    ]
    if len(positional) < 2:
        return False
    second = positional[1]
    return second.default is inspect.Parameter.empty or second.name == "path"


def serve(
    handler: Callable[[ServerConnection], Awaitable[None]],
    host: str | None = None,
    port: int | None = None,
    *,
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
    write_limit: int | tuple[int, int | None] = 2**15,
    # Logging
    logger: LoggerLike | None = None,
    # Escape hatch for advanced customization
    create_connection: type[ServerConnection] | None = None,
    # Other keyword arguments are passed to loop.create_server
    **kwargs: Any,
) -> Server:
    """
    Create a WebSocket server listening on ``host`` and ``port``.

    Whenever a client connects, the server creates a :class:`ServerConnection`,
    performs the opening handshake, and delegates to the ``handler`` coroutine.

    The handler receives the :class:`ServerConnection` instance, which you can
    use to send and receive messages. A handler written for older versions of
    websockets, ``handler(websocket, path)``, also receives the request path.

    Once the handler completes, either normally or with an exception, the
    server performs the closing handshake and closes the connection.

    This coroutine returns a :class:`Server` whose API mirrors
    :class:`asyncio.Server`. Treat it as an asynchronous context manager to
    ensure that the server will be closed::

        from websockets.asyncio.server import serve

        def handler(websocket):
            ...

        # set this future to exit the server
        stop = asyncio.get_running_loop().create_future()

        async with serve(handler, host, port):
            await stop

    Alternatively, call :meth:`~Server.serve_forever` to serve requests and
    cancel it to stop the server::

        server = await serve(handler, host, port)
        await server.serve_forever()

    Args:
        handler: Connection handler. It receives the WebSocket connection,
            which is a :class:`ServerConnection`, in argument.
        host: Network interfaces the server binds to.
            See :meth:`~asyncio.loop.create_server` for details.
        port: TCP port the server listens on.
            See :meth:`~asyncio.loop.create_server` for details.
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
            Return an HTTP response to force the response. Return :obj:`None` to
            continue normally. When you force an HTTP 101 Continue response, the
            handshake is successful. Else, the connection is aborted.
            ``process_request`` may be a function or a coroutine.
        process_response: Intercept the response during the opening handshake.
            Modify the response or return a new HTTP response to force the
            response. Return :obj:`None` to continue normally. When you force an
            HTTP 101 Continue response, the handshake is successful. Else, the
            connection is aborted. ``process_response`` may be a function or a
            coroutine.
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
            :obj:`None` disables the limit.
        max_queue: High-water mark of the buffer where frames are received.
            It defaults to 16 frames. The low-water mark defaults to
            ``max_queue // 4``. You may pass a ``(high, low)`` tuple to set the
            high-water and low-water marks. If you want to disable flow
            control entirely, you may set it to ``None``, although that's a
            bad idea.
        write_limit: High-water mark of write buffer in bytes. It is passed to
            :meth:`~asyncio.WriteTransport.set_write_buffer_limits`. It defaults
            to 32 KiB. You may pass a ``(high, low)`` tuple to set the
            high-water and low-water marks.
        logger: Logger for this server.
            It defaults to ``logging.getLogger("websockets.server")``. See the
            :doc:`logging guide <../../topics/logging>` for details.
        create_connection: Factory for the :class:`ServerConnection` managing
            the connection. Set it to a wrapper or a subclass to customize
            connection handling.

    Any other keyword arguments are passed to the event loop's
    :meth:`~asyncio.loop.create_server` method.

    For example:

    * You can set ``ssl`` to a :class:`~ssl.SSLContext` to enable TLS.

    * You can set ``sock`` to provide a preexisting TCP socket. You may call
      :func:`socket.create_server` (not to be confused with the event loop's
      :meth:`~asyncio.loop.create_server` method) to create a suitable server
      socket and customize it.

    * You can set ``start_serving`` to ``False`` to start accepting connections
      only after you call :meth:`~Server.start_serving()` or
      :meth:`~Server.serve_forever()`.

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

    if _wants_path(handler):
        classic_handler = cast(
            Callable[[ServerConnection, str], Awaitable[None]], handler
        )

        async def handler(connection: ServerConnection) -> None:
            assert connection.request is not None
            await classic_handler(connection, connection.request.path)

    # Bind the user's handler, with the handshake parameters, to a
    # per-connection coroutine.

    async def protocol_handler(connection: ServerConnection) -> None:
        # Wait for the opening handshake; open_timeout bounds it. This runs
        # once per connection, so asyncio.wait_for is affordable here.
        try:
            handshake = connection.handshake(
                process_request,
                process_response,
                server_header,
            )
            if open_timeout is None:
                await handshake
            else:
                await asyncio.wait_for(handshake, open_timeout)
        except asyncio.CancelledError:
            connection.transport.abort()
            raise
        except (TimeoutError, asyncio.TimeoutError):
            # Like websockets, don't log the timeout: the Sans-I/O layer logs
            # that no valid request arrived when it sees the connection end.
            connection.transport.abort()
            return
        except Exception as exc:
            # The Sans-I/O layer already answered with an HTTP error and
            # logged the failure; process_request and process_response
            # failures were logged above. Don't log a second time; websockets
            # doesn't either when the client left before the response.
            if (
                connection.debug
                and exc is not connection.protocol.handshake_exc
                and not isinstance(exc, ConnectionClosed)
            ):
                connection.logger.debug("! opening handshake failed", exc_info=True)
            connection.transport.close()
            connection.arm_close_timer()
            return

        if connection.response is None or connection.response.status_code != 101:
            # process_request or process_response rejected the handshake.
            # (A connection that opened and closed at once still runs the
            # handler, whose recv() raises ConnectionClosed, like websockets.)
            connection.transport.close()
            connection.arm_close_timer()
            return

        try:
            connection.start_keepalive()
            await handler(connection)
        except Exception:
            # Close first, then log, in the same order as websockets.
            await connection.close(CloseCode.INTERNAL_ERROR)
            connection.logger.error("connection handler failed", exc_info=True)
        else:
            await connection.close()

    unix: bool = kwargs.pop("unix", False)
    path: PathLike | None = kwargs.pop("path", None)

    server = Server.__new__(Server)

    def factory() -> ServerConnection:
        """
        Create an asyncio protocol for managing a WebSocket connection.

        """
        # Create a closure to give select_subprotocol access to connection.
        protocol_select_subprotocol: (
            Callable[
                [ServerProtocol, Sequence[Subprotocol]],
                Subprotocol | None,
            ]
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
        # This is an asyncio protocol in the asyncio implementation of websockets.
        connection = create_connection(
            protocol,
            server,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
            write_limit=write_limit,
        )
        return connection

    # Bound the TLS handshake by open_timeout, like websockets; asyncio's
    # default is 60 seconds, during which a client that opened a TCP
    # connection and never spoke TLS would hold it.
    if kwargs.get("ssl") is not None and open_timeout is not None:
        kwargs.setdefault("ssl_handshake_timeout", open_timeout)

    def create_server() -> Coroutine[Any, Any, asyncio.Server]:
        loop = asyncio.get_running_loop()
        server_kwargs = kwargs
        protocol_factory: Callable[[], asyncio.BaseProtocol] = factory
        if use_builtin_tls(loop, kwargs.get("ssl")) and kwargs["ssl"] is not True:
            # Run TLS inside the connection; see websockets.asyncio.tls.
            server_kwargs = dict(kwargs)
            protocol_factory = tls_server_factory(factory, server_kwargs)
        if unix:
            # asyncio's stubs omit bytes paths, which the event loop accepts.
            return loop.create_unix_server(protocol_factory, path, **server_kwargs)  # type: ignore[arg-type]
        # mypy cannot tell that kwargs must provide sock when port is None.
        return loop.create_server(protocol_factory, host, port, **server_kwargs)

    Server.__init__(server, create_server, protocol_handler, logger)
    return server


def unix_serve(
    handler: Callable[[ServerConnection], Awaitable[None]],
    path: PathLike | None = None,
    **kwargs: Any,
) -> Server:
    """
    Create a WebSocket server listening on a Unix socket.

    This function is identical to :func:`serve`, except the ``host`` and
    ``port`` arguments are replaced by ``path``. It's only available on Unix.

    It's useful for deploying a server behind a reverse proxy such as nginx.

    Args:
        handler: Connection handler. It receives the WebSocket connection,
            which is a :class:`ServerConnection`, in argument.
        path: File system path to the Unix socket.

    """
    return serve(handler, unix=True, path=path, **kwargs)


def broadcast(
    connections: Iterable[Connection],
    message: DataLike,
    *,
    text: bool | None = None,
    raise_exceptions: bool = False,
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

    :func:`broadcast` pushes the message synchronously to all connections
    even if their write buffers are overflowing. There's no backpressure.

    If you broadcast messages faster than a connection can handle them,
    messages will pile up in its write buffer until the connection times out.
    Keep ``ping_interval`` and ``ping_timeout`` low to prevent excessive
    memory usage from slow connections.

    Unlike :meth:`~Connection.send`, :func:`broadcast` doesn't support
    sending fragmented messages. Indeed, fragmentation is useful for sending
    large messages without buffering them in memory, while :func:`broadcast`
    buffers one copy per connection as fast as possible.

    :func:`broadcast` skips connections that aren't open in order to avoid
    errors on connections where the closing handshake is in progress.

    :func:`broadcast` ignores failures to write the message on some
    connections. It continues writing to other connections. On Python 3.11
    and above, you may set ``raise_exceptions`` to :obj:`True` to record
    failures and raise all exceptions in a :pep:`654`
    :exc:`ExceptionGroup`.

    While :func:`broadcast` makes more sense for servers, it works identically
    with clients, if you have a use case for opening connections to many
    servers and broadcasting a message to them.

    Args:
        connections: WebSocket connections to which the message will be sent.
        message: Message to send.
        text: Override the frame type: :obj:`True` sends a Text_ frame,
            :obj:`False` a Binary_ frame, :obj:`None` picks the type from
            the type of ``message``.
        raise_exceptions: Whether to raise an exception in case of failures.

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

    opcode = 0x01 if send_method == "send_text" else 0x02
    shared_frame: bytes | None = None

    if raise_exceptions:
        if sys.version_info[:2] < (3, 11):  # pragma: no cover
            raise ValueError("raise_exceptions requires at least Python 3.11")
        exceptions: list[Exception] = []

    for connection in connections:
        exception: Exception

        if connection.protocol.state is not OPEN:
            continue

        if connection.send_in_progress is not None:
            if raise_exceptions:
                exception = ConcurrencyError("sending a fragmented message")
                exceptions.append(exception)
            else:
                connection.logger.warning(
                    "skipped broadcast: sending a fragmented message",
                )
            continue

        try:
            protocol = connection.protocol
            if protocol.takes_shared_frames():
                # Build the frame once and write it everywhere. This is what
                # send_text or send_binary would do, minus the framing.
                if shared_frame is None:
                    shared_frame = build_frame(opcode, payload, True, 0, None)
                connection.transport.write(shared_frame)
            else:
                # Call connection.protocol.send_text or send_binary.
                # Either way, message is already converted to bytes.
                getattr(protocol, send_method)(payload)
                connection.send_data()
        except Exception as write_exception:
            if raise_exceptions:
                exception = RuntimeError("failed to write message")
                exception.__cause__ = write_exception
                exceptions.append(exception)
            else:
                connection.logger.warning(
                    "skipped broadcast: failed to write message: %s",
                    "".join(
                        traceback.format_exception_only(
                            type(write_exception), write_exception
                        )
                    ).strip(),
                )

    if raise_exceptions and exceptions:
        if sys.version_info >= (3, 11):
            raise ExceptionGroup("skipped broadcast", exceptions)  # noqa: F821
        else:  # pragma: no cover
            # ExceptionGroup is a builtin since Python 3.11 only.
            raise ValueError("raise_exceptions requires at least Python 3.11")


def basic_auth(
    realm: str = "",
    credentials: tuple[str, str] | Iterable[tuple[str, str]] | None = None,
    check_credentials: Callable[[str, str], Awaitable[bool] | bool] | None = None,
) -> Callable[[ServerConnection, Request], Awaitable[Response | None]]:
    """
    Factory for ``process_request`` to enforce HTTP Basic Authentication.

    :func:`basic_auth` is designed to integrate with :func:`serve` as follows::

        from websockets.asyncio.server import basic_auth, serve

        async with serve(
            ...,
            process_request=basic_auth(
                realm="my dev server",
                credentials=("hello", "iloveyou"),
            ),
        ):

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
    if (credentials is None) == (check_credentials is None):
        raise ValueError("provide either credentials or check_credentials")

    if credentials is not None:
        check_credentials = check_credentials_from(credentials)

    assert check_credentials is not None  # help mypy

    async def process_request(
        connection: ServerConnection,
        request: Request,
    ) -> Response | None:
        """
        Perform HTTP Basic Authentication.

        If it succeeds, set the connection's ``username`` attribute and return
        :obj:`None`. If it fails, return an HTTP 401 Unauthorized response.

        """
        credentials = read_basic_credentials(request)
        if isinstance(credentials, str):
            return unauthorized(connection, realm, credentials)
        username, password = credentials

        valid_credentials = check_credentials(username, password)
        if isinstance(valid_credentials, Awaitable):
            valid_credentials = await valid_credentials

        if not valid_credentials:
            return unauthorized(connection, realm, "Invalid credentials\n")

        connection.username = username
        return None

    return process_request
