"""
Legacy WebSocket server: :func:`serve`, :class:`WebSocketServerProtocol` and
:class:`WebSocketServer`, built on :mod:`websockets.asyncio.server`.

"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import http
import inspect
import logging
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Generator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Union, cast

from ..asyncio.connection import Connection
from ..asyncio.server import Server, ServerConnection
from ..datastructures import (
    Headers,
    HeadersLike,
    MultipleValuesError as MultipleValuesError,
)
from ..exceptions import (
    InvalidHandshake as InvalidHandshake,
    InvalidHeader as InvalidHeader,
    InvalidMessage as InvalidMessage,
    InvalidOrigin as InvalidOrigin,
    InvalidUpgrade as InvalidUpgrade,
    NegotiationError as NegotiationError,
)
from ..extensions.base import (
    Extension as Extension,
    ServerExtensionFactory as ServerExtensionFactory,
)
from ..extensions.permessage_deflate import (
    enable_server_permessage_deflate as enable_server_permessage_deflate,
)
from ..frames import CloseCode
from ..headers import (
    build_extension as build_extension,
    parse_extension as parse_extension,
    parse_subprotocol as parse_subprotocol,
    validate_subprotocols as validate_subprotocols,
)
from ..http11 import SERVER, Request, Response
from ..protocol import State
from ..server import ServerProtocol
from ..typing import (
    ExtensionHeader as ExtensionHeader,
    LoggerLike,
    Origin,
    StatusLike,
    Subprotocol,
)
from .exceptions import AbortHandshake
from .handshake import (
    build_response as build_response,
    check_request as check_request,
)
from .http import read_request as read_request
from .protocol import (
    WebSocketCommonProtocol,
    broadcast,
    pop_common_kwargs,
    rename_legacy_kwargs,
)


if TYPE_CHECKING:
    from ..extensions.base import ServerExtensionFactory


__all__ = [
    "broadcast",
    "serve",
    "unix_serve",
    "WebSocketServerProtocol",
    "WebSocketServer",
]


# Response returned by process_request: (status, headers, body).
HTTPResponse = tuple[StatusLike, HeadersLike, bytes]

# extra_headers may be headers or a function of (path, request_headers).
HeadersLikeOrCallable = Union[HeadersLike, Callable[[str, Headers], HeadersLike]]

LegacyHandler = Union[
    Callable[["WebSocketServerProtocol"], Awaitable[Any]],
    Callable[["WebSocketServerProtocol", str], Awaitable[Any]],
]


class WebSocketServerProtocol(WebSocketCommonProtocol, ServerConnection):
    """
    WebSocket server connection with the legacy API.

    It is a :class:`~websockets.asyncio.server.ServerConnection` that keeps
    the legacy constructor, so that ``create_protocol`` factories and
    subclasses written for the legacy implementation work: override
    :meth:`process_request` or :meth:`select_subprotocol` to customize the
    opening handshake.

    Args:
        ws_handler: Connection handler; it receives the connection.
        ws_server: Server that manages this connection.

    Other arguments are documented with :func:`serve`.

    """

    is_client = False
    side = "server"

    def __init__(
        self,
        ws_handler: LegacyHandler,
        ws_server: WebSocketServer,
        *,
        logger: LoggerLike | None = None,
        origins: Sequence[Origin | None] | None = None,
        extensions: Sequence[ServerExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        extra_headers: HeadersLikeOrCallable | None = None,
        server_header: str | None = SERVER,
        process_request: (
            Callable[[str, Headers], Awaitable[HTTPResponse | None]] | None
        ) = None,
        select_subprotocol: (
            Callable[[Sequence[Subprotocol], Sequence[Subprotocol]], Subprotocol] | None
        ) = None,
        open_timeout: float | None = 10,
        **kwargs: Any,
    ) -> None:
        if logger is None:
            logger = logging.getLogger("websockets.server")
        params = pop_common_kwargs(kwargs)

        # A handler(websocket, path) may be passed here directly, bypassing
        # serve(), e.g. by a subclass: adapt it here too.
        self.ws_handler = remove_path_argument(ws_handler)
        self.ws_server = ws_server
        self.origins = origins
        self.available_extensions = extensions
        self.available_subprotocols = subprotocols
        self.extra_headers = extra_headers
        self.server_header = server_header
        self._process_request = process_request
        self._select_subprotocol = select_subprotocol
        self.open_timeout = open_timeout

        def protocol_select_subprotocol(
            protocol: ServerProtocol,
            client_subprotocols: Sequence[Subprotocol],
        ) -> Subprotocol | None:
            # Unlike the asyncio implementation, the legacy one continues
            # without a subprotocol when there's no common one.
            # Go through process_subprotocol(), which subclasses override,
            # e.g. uvicorn's, to return the subprotocol its application chose.
            return self.process_subprotocol(
                self.request.headers if self.request is not None else Headers(),
                protocol.available_subprotocols,
            )

        protocol = ServerProtocol(
            origins=origins,
            extensions=extensions,
            subprotocols=subprotocols,
            select_subprotocol=protocol_select_subprotocol,
            max_size=params["max_size"],
            logger=logger,
        )
        ServerConnection.__init__(
            self,
            protocol,
            ws_server,
            ping_interval=params["ping_interval"],
            ping_timeout=params["ping_timeout"],
            close_timeout=params["close_timeout"],
            max_queue=params["max_queue"],
            write_limit=params["write_limit"],
        )
        self.init_legacy(params)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """
        Register the connection with ``ws_server`` and start its handler.

        ``ws_server`` is normally the :class:`WebSocketServer` of
        :func:`serve`. Programs that create connections themselves may pass
        any object with the legacy server interface instead: ``register()``,
        ``unregister()`` and ``is_serving()``; uvicorn does.

        """
        Connection.connection_made(self, transport)
        if isinstance(self.ws_server, Server):
            self.ws_server.start_connection_handler(self)
        else:
            legacy_server: Any = self.ws_server
            legacy_server.register(self)
            self.handler_task = self.loop.create_task(self.handler_then_unregister())

    async def handler_then_unregister(self) -> None:
        """
        Run :meth:`handler`, then unregister from a legacy ``ws_server``.

        """
        legacy_server: Any = self.ws_server
        try:
            await self.handler()
        finally:
            legacy_server.unregister(self)

    def server_is_serving(self) -> bool:
        """
        Tell whether ``ws_server`` accepts new connections.

        """
        return self.ws_server.is_serving()

    async def handler(self) -> None:
        """
        Handle the lifecycle of a WebSocket connection.

        Perform the opening handshake, run the connection handler, and close
        the connection: with code 1000 when the handler returns, 1011 when it
        raises an exception.

        """
        try:
            handshake = self.handshake(
                origins=self.origins,
                available_extensions=self.available_extensions,
                available_subprotocols=self.available_subprotocols,
                extra_headers=self.extra_headers,
            )
            if self.open_timeout is None:
                await handshake
            else:
                await asyncio.wait_for(handshake, self.open_timeout)
        except asyncio.CancelledError:
            self.transport.abort()
            raise
        except (TimeoutError, asyncio.TimeoutError):
            if self.debug:
                self.logger.debug("! timed out during opening handshake")
            self.transport.abort()
            return
        except Exception:
            # The response, an HTTP error, is already on its way.
            if self.debug:
                self.logger.debug("! opening handshake failed", exc_info=True)
            self.transport.close()
            self.arm_close_timer()
            return

        if self.protocol.state is not State.OPEN:
            # process_request returned an HTTP response.
            self.transport.close()
            self.arm_close_timer()
            return

        try:
            self.start_keepalive()
            ws_handler = cast(
                Callable[[WebSocketServerProtocol], Awaitable[Any]], self.ws_handler
            )
            await ws_handler(self)
        except Exception:
            self.logger.error("connection handler failed", exc_info=True)
            await self.close(CloseCode.INTERNAL_ERROR)
        else:
            await self.close()

    async def process_request(
        self,
        path: str,
        request_headers: Headers,
    ) -> HTTPResponse | None:
        """
        Intercept the HTTP request and return an HTTP response if appropriate.

        Override it, or pass a ``process_request`` argument to :func:`serve`,
        to answer some requests with an HTTP response, typically a health
        check, rather than opening a WebSocket connection.

        Args:
            path: Request path, including optional query string.
            request_headers: Request headers.

        Returns:
            :obj:`None` to continue the WebSocket handshake normally, or a
            ``(status, headers, body)`` tuple to send as the HTTP response.

        """
        if self._process_request is not None:
            response = self._process_request(path, request_headers)
            if inspect.isawaitable(response):
                return await response
            # Synchronous process_request functions were accepted by mistake.
            warnings.warn(  # deprecated in websockets 10.0
                "declare process_request as a coroutine",
                DeprecationWarning,
                stacklevel=1,
            )
            return cast("HTTPResponse | None", response)
        return None

    def process_subprotocol(
        self,
        headers: Headers,
        available_subprotocols: Sequence[Subprotocol] | None,
    ) -> Subprotocol | None:
        """
        Handle the ``Sec-WebSocket-Protocol`` request header.

        Override it to negotiate subprotocols in another way.

        Args:
            headers: Request headers.
            available_subprotocols: Subprotocols supported by the server.

        Returns:
            The selected subprotocol, which is also the value of the
            ``Sec-WebSocket-Protocol`` response header, or :obj:`None` to
            continue without a subprotocol.

        Raises:
            InvalidHandshake: If the header is invalid.

        """
        values = headers.get_all("Sec-WebSocket-Protocol")
        if not values or not available_subprotocols:
            return None
        client_subprotocols: list[Subprotocol] = sum(
            [parse_subprotocol(value) for value in values], []
        )
        if not client_subprotocols:
            return None
        return self.select_subprotocol(client_subprotocols, available_subprotocols)

    def select_subprotocol(
        self,
        client_subprotocols: Sequence[Subprotocol],
        server_subprotocols: Sequence[Subprotocol],
    ) -> Subprotocol | None:
        """
        Pick a subprotocol among those offered by the client.

        The default picks the subprotocol that both sides support with the
        best combined rank in their lists of preferences, and breaks ties in
        favor of the server's order. It returns :obj:`None`, to continue
        without a subprotocol, when there's no common subprotocol.

        A ``select_subprotocol`` argument of :func:`serve` replaces this
        logic.

        Args:
            client_subprotocols: Subprotocols offered by the client.
            server_subprotocols: Subprotocols available on the server.

        """
        if self._select_subprotocol is not None:
            return self._select_subprotocol(client_subprotocols, server_subprotocols)
        common = [p for p in server_subprotocols if p in client_subprotocols]
        if not common:
            return None
        # min() is stable: ties go to the first in the server's order.
        return min(
            common,
            key=lambda p: client_subprotocols.index(p) + server_subprotocols.index(p),
        )

    async def handshake(  # type: ignore[override]
        self,
        origins: Sequence[Origin | None] | None = None,
        available_extensions: Sequence[ServerExtensionFactory] | None = None,
        available_subprotocols: Sequence[Subprotocol] | None = None,
        extra_headers: HeadersLikeOrCallable | None = None,
    ) -> str:
        """
        Perform the server side of the opening handshake.

        Returns:
            Path of the request.

        Raises:
            InvalidHandshake: If the handshake fails.

        """
        self.protocol.origins = origins
        self.protocol.available_extensions = available_extensions
        self.protocol.available_subprotocols = available_subprotocols

        async def process_request(
            connection: ServerConnection, request: Request
        ) -> Response | None:
            self.path = request.path
            self.request_headers = request.headers
            result: Any
            try:
                result = self.process_request(request.path, request.headers)
                if inspect.isawaitable(result):
                    result = await result
                else:
                    warnings.warn(  # deprecated in websockets 10.0
                        "declare process_request as a coroutine",
                        DeprecationWarning,
                        stacklevel=1,
                    )
            except AbortHandshake as exc:
                result = (exc.status, exc.headers, exc.body)
            if result is None:
                return None
            status, headers, body = result
            return http_response(status, headers, body)

        def process_response(
            connection: ServerConnection, request: Request, response: Response
        ) -> None:
            if response.status_code == 101:
                headers = extra_headers
                if callable(headers):
                    headers = headers(self.path, self.request_headers)
                if headers is not None:
                    response.headers.update(headers)
            self.response_headers = response.headers

        await ServerConnection.handshake(
            self, process_request, process_response, self.server_header
        )
        return self.path


def http_response(status: StatusLike, headers: HeadersLike, body: bytes) -> Response:
    """
    Build the HTTP response of a ``(status, headers, body)`` tuple.

    Like the legacy implementation, add the headers that describe the body
    and close the connection after sending it. The ``Server`` header is
    added by the handshake.

    """
    status = http.HTTPStatus(status)
    headers = Headers(headers)
    headers.setdefault("Date", email.utils.formatdate(usegmt=True))
    headers.setdefault("Content-Length", str(len(body)))
    headers.setdefault("Content-Type", "text/plain")
    headers.setdefault("Connection", "close")
    return Response(status.value, status.phrase, headers, body)


async def run_legacy_handler(connection: ServerConnection) -> None:
    # The legacy protocol class performs the handshake and runs the handler,
    # so that subclasses may override handler().
    await cast(WebSocketServerProtocol, connection).handler()


async def no_create_server() -> asyncio.Server:
    raise RuntimeError("this server isn't attached to serve()")


class WebSocketServer(Server):
    """
    WebSocket server returned by the legacy :func:`serve`.

    It is a :class:`~websockets.asyncio.server.Server`: it mirrors the API
    of :class:`asyncio.Server` and closes connections properly when shutting
    down.

    Args:
        logger: Logger for this server.
            It defaults to ``logging.getLogger("websockets.server")``.

    """

    def __init__(self, logger: LoggerLike | None = None) -> None:
        super().__init__(no_create_server, run_legacy_handler, logger)

    def close(self, close_connections: bool = True) -> None:  # type: ignore[override]
        """
        Close the server.

        It stops listening and, unless ``close_connections`` is :obj:`False`,
        closes open connections with close code 1001 (going away). Like
        :meth:`asyncio.Server.close`, it returns at once: :meth:`wait_closed`
        waits for the end of the shutdown.

        The legacy server has no ``code`` and ``reason`` arguments.

        """
        super().close(close_connections)

    @property
    def websockets(self) -> set[WebSocketServerProtocol]:
        """
        Set of connections managed by this server.

        """
        return cast(set[WebSocketServerProtocol], set(self.handlers))


def remove_path_argument(ws_handler: LegacyHandler) -> LegacyHandler:
    """
    Adapt a ``handler(websocket, path)`` to the one-argument signature.

    """
    try:
        inspect.signature(ws_handler).bind(None)
    except TypeError:
        try:
            inspect.signature(ws_handler).bind(None, "")
        except TypeError:  # pragma: no cover
            # ws_handler accepts neither one nor two arguments; leave it.
            pass
        else:
            # ws_handler accepts two arguments; activate backwards compatibility.
            warnings.warn(  # deprecated in websockets 10.1
                "remove second argument of ws_handler",
                DeprecationWarning,
                stacklevel=3,
            )
            two_arguments = cast(
                Callable[[WebSocketServerProtocol, str], Awaitable[Any]], ws_handler
            )

            async def _ws_handler(websocket: WebSocketServerProtocol) -> Any:
                return await two_arguments(websocket, websocket.path)

            return _ws_handler

    return ws_handler


class Serve:
    """
    Start a WebSocket server listening on ``host`` and ``port``.

    Whenever a client connects, the server creates a
    :class:`WebSocketServerProtocol`, performs the opening handshake, and
    delegates to the connection handler, ``ws_handler``. The handler receives
    the :class:`WebSocketServerProtocol`; a handler written for older
    versions, ``ws_handler(websocket, path)``, also receives the request path,
    with a :exc:`DeprecationWarning`.

    Awaiting :func:`serve` yields a :class:`WebSocketServer`; it may also be
    used as an asynchronous context manager, which closes the server when
    exiting.

    Args:
        ws_handler: Connection handler.
        host: Network interfaces the server binds to.
        port: TCP port the server listens on.
        create_protocol: Factory for the :class:`WebSocketServerProtocol`,
            typically a subclass.
        logger: Logger for this server.
        compression: ``"deflate"`` enables permessage-deflate; :obj:`None`
            disables it.
        origins: Acceptable values of the ``Origin`` header.
        extensions: Supported extensions.
        subprotocols: Supported subprotocols, by decreasing preference.
        extra_headers: Headers added to the handshake response, or a function
            of ``(path, request_headers)`` returning them.
        server_header: Value of the ``Server`` response header; :obj:`None`
            removes it.
        process_request: Coroutine of ``(path, request_headers)`` returning
            :obj:`None` or a ``(status, headers, body)`` response.
        select_subprotocol: Function of ``(client_subprotocols,
            server_subprotocols)`` returning the selected subprotocol.
        open_timeout: Timeout for the opening handshake, in seconds.
        ping_interval: Interval between keepalive pings, in seconds.
        ping_timeout: Timeout for keepalive pings, in seconds.
        close_timeout: Timeout for closing connections, in seconds; it
            defaults to 10.
        max_size: Maximum size of incoming messages, in bytes.
        max_queue: High-water mark of the queue of incoming frames.
        read_limit: Accepted for compatibility; reads go straight into the
            frame parser's buffer.
        write_limit: High-water mark of the write buffer, in bytes.

    Any other keyword arguments are passed to
    :meth:`~asyncio.loop.create_server`.

    """

    def __init__(
        self,
        ws_handler: LegacyHandler,
        host: str | Sequence[str] | None = None,
        port: int | None = None,
        *,
        create_protocol: Callable[..., WebSocketServerProtocol] | None = None,
        logger: LoggerLike | None = None,
        compression: str | None = "deflate",
        origins: Sequence[Origin | None] | None = None,
        extensions: Sequence[ServerExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        extra_headers: HeadersLikeOrCallable | None = None,
        server_header: str | None = SERVER,
        process_request: (
            Callable[[str, Headers], Awaitable[HTTPResponse | None]] | None
        ) = None,
        select_subprotocol: (
            Callable[[Sequence[Subprotocol], Sequence[Subprotocol]], Subprotocol] | None
        ) = None,
        open_timeout: float | None = 10,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = None,
        max_size: int | None = 2**20,
        max_queue: int | None = 2**5,
        read_limit: int = 2**16,
        write_limit: int = 2**16,
        **kwargs: Any,
    ) -> None:
        kwargs["close_timeout"] = close_timeout
        kwargs["create_protocol"] = create_protocol
        rename_legacy_kwargs(kwargs)
        close_timeout = kwargs.pop("close_timeout")
        create_protocol = kwargs.pop("create_protocol")
        legacy_recv: bool = kwargs.pop("legacy_recv", False)

        if create_protocol is None:
            create_protocol = WebSocketServerProtocol

        ws_server = WebSocketServer(logger=logger)

        secure = kwargs.get("ssl") is not None

        if compression == "deflate":
            from ..extensions.permessage_deflate import (
                enable_server_permessage_deflate,
            )

            extensions = enable_server_permessage_deflate(extensions)
        elif compression is not None:
            raise ValueError(f"unsupported compression: {compression}")

        if subprotocols is not None:
            from ..headers import validate_subprotocols

            validate_subprotocols(subprotocols)

        factory = functools.partial(
            create_protocol,
            remove_path_argument(ws_handler),
            ws_server,
            host=host,
            port=port,
            secure=secure,
            open_timeout=open_timeout,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_size=max_size,
            max_queue=max_queue,
            read_limit=read_limit,
            write_limit=write_limit,
            legacy_recv=legacy_recv,
            origins=origins,
            extensions=extensions,
            subprotocols=subprotocols,
            extra_headers=extra_headers,
            server_header=server_header,
            process_request=process_request,
            select_subprotocol=select_subprotocol,
            logger=logger,
        )

        unix: bool = kwargs.pop("unix", False)
        path: str | None = kwargs.pop("path", None)

        def create_server() -> Coroutine[Any, Any, asyncio.Server]:
            # The event loop is the one running when the server starts, which
            # may not be running yet when serve() is called.
            loop = asyncio.get_running_loop()
            if unix:
                return loop.create_unix_server(factory, path, **kwargs)
            return loop.create_server(factory, host, port, **kwargs)

        ws_server.create_server = create_server
        self.ws_server = ws_server

    # async with serve(...) as ...:

    async def __aenter__(self) -> WebSocketServer:
        return await self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.ws_server.close()
        await self.ws_server.wait_closed()

    # ... = await serve(...)

    def __await__(self) -> Generator[Any, None, WebSocketServer]:
        # Create a suitable iterator by calling __await__ on a coroutine.
        return self.__await_impl__().__await__()

    async def __await_impl__(self) -> WebSocketServer:
        return await self.ws_server

    # yield from serve(...) - remove when dropping Python < 3.10

    __iter__ = __await__


serve = Serve


def unix_serve(
    ws_handler: LegacyHandler,
    path: str | None = None,
    **kwargs: Any,
) -> Serve:
    """
    Start a WebSocket server listening on a Unix socket.

    This function is identical to :func:`serve`, except the ``host`` and
    ``port`` arguments are replaced by ``path``. It is only available on Unix.

    Args:
        ws_handler: Connection handler.
        path: File system path to the Unix socket.

    """
    return serve(ws_handler, path=path, unix=True, **kwargs)
