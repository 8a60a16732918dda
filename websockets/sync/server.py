"""
Threading implementation of a WebSocket server: :func:`serve`,
:func:`unix_serve`, :class:`Server` and :class:`ServerConnection`.

The server accepts connections in :meth:`Server.serve_forever` and runs each
connection in its own thread: opening handshake, handler, closing handshake.

"""

from __future__ import annotations

import http
import logging
import os
import re
import selectors
import socket
import ssl as ssl_module
import sys
import threading
import warnings
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable

from ..credentials import (  # noqa: F401 - is_credentials kept importable here
    check_credentials_from,
    is_credentials,
    read_basic_credentials,
    unauthorized,
)
from ..exceptions import ConnectionClosed, InvalidHeader as InvalidHeader
from ..extensions.base import ServerExtensionFactory
from ..extensions.permessage_deflate import enable_server_permessage_deflate
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
from .utils import Deadline


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
    :mod:`threading` implementation of a WebSocket server connection.

    :class:`ServerConnection` provides :meth:`recv` and :meth:`send` methods for
    receiving and sending messages.

    It supports iteration to receive messages::

        for message in websocket:
            process(message)

    The iterator exits normally when the connection is closed with close code
    1000 (OK) or 1001 (going away) or without a close code. It raises a
    :exc:`~websockets.exceptions.ConnectionClosedError` when the connection is
    closed with any other code.

    The ``ping_interval``, ``ping_timeout``, ``close_timeout``, and
    ``max_queue`` arguments have the same meaning as in :func:`serve`.

    Args:
        sock: Socket connected to a WebSocket client.
        protocol: Sans-I/O connection.
        server: Server that manages this connection.

    """

    def __init__(
        self,
        sock: socket.socket,
        protocol: ServerProtocol,
        server: Server,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | None | tuple[int | None, int | None] = 16,
    ) -> None:
        self.protocol: ServerProtocol
        self.request_rcvd = threading.Event()
        self.server = server
        super().__init__(
            sock,
            protocol,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
        )
        self.username: str  # see basic_auth()
        self.handler: Callable[[ServerConnection], None]  # see route()
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

    def handshake(
        self,
        process_request: (
            Callable[
                [ServerConnection, Request],
                Response | None,
            ]
            | None
        ) = None,
        process_response: (
            Callable[
                [ServerConnection, Request, Response],
                Response | None,
            ]
            | None
        ) = None,
        server_header: str | None = SERVER,
        timeout: float | None = None,
    ) -> None:
        """
        Perform the opening handshake.

        """
        if not self.request_rcvd.wait(timeout):
            raise TimeoutError("timed out while waiting for handshake request")

        if self.request is None:
            # The client didn't send a valid HTTP request, or closed the
            # connection before sending one. There's nobody to answer to;
            # the Sans-I/O layer logged it.
            return

        with self.send_context(expected_state=CONNECTING):
            response = None

            if process_request is not None:
                try:
                    response = process_request(self, self.request)
                except Exception as exc:
                    response = self.protocol.reject_on_error(exc, "process_request failed")

            if response is None:
                self.response = self.protocol.accept(self.request)
            else:
                assert isinstance(response, Response)  # help mypy
                self.response = response

            if server_header:
                self.response.headers["Server"] = server_header

            response = None

            if process_response is not None:
                try:
                    response = process_response(self, self.request, self.response)
                except Exception as exc:
                    response = self.protocol.reject_on_error(exc, "process_response failed")

            if response is not None:
                assert isinstance(response, Response)  # help mypy
                self.response = response

            # A server that is shutting down still runs the hooks, like websockets,
            # then turns the upgrade, and only the upgrade, into a 503.
            if self.response.status_code == 101 and not self.server.is_serving():
                self.response = self.protocol.reject(
                    http.HTTPStatus.SERVICE_UNAVAILABLE,
                    "Server is shutting down.\n",
                )

            self.protocol.send_response(self.response)

    def process_event(self, event: Event) -> None:
        """
        Process one incoming event.

        """
        # First event - handshake request.
        if self.request is None and not self.request_rcvd.is_set():
            assert isinstance(event, Request)
            self.request = event
            self.request_rcvd.set()
        # Later events - frames.
        else:
            super().process_event(event)

    def recv_events(self) -> None:
        """
        Read incoming data from the socket and process events.

        """
        try:
            super().recv_events()
        finally:
            # If the connection is closed during the handshake, unblock it.
            self.request_rcvd.set()


class Server:
    """
    WebSocket server returned by :func:`serve`.

    This class mirrors the API of :class:`~socketserver.BaseServer`, notably the
    :meth:`~socketserver.BaseServer.serve_forever` and
    :meth:`~socketserver.BaseServer.shutdown` methods, as well as the context
    manager protocol.

    Args:
        sock: Server socket listening for new connections.
        handler: Handler for one connection. Receives the socket and address
            returned by :meth:`~socket.socket.accept`.
        logger: Logger for this server.
            It defaults to ``logging.getLogger("websockets.server")``.
            See the :doc:`logging guide <../../topics/logging>` for details.

    """

    #: How often, in seconds, :meth:`serve_forever` checks whether
    #: :meth:`shutdown` was called, where no pipe can wake it up (Windows).
    SHUTDOWN_POLLING_INTERVAL = 0.1

    def __init__(
        self,
        sock: socket.socket,
        handler: Callable[[socket.socket, Any], None],
        logger: LoggerLike | None = None,
    ) -> None:
        self.socket = sock
        self.handler = handler
        if logger is None:
            logger = logging.getLogger("websockets.server")
        self.logger = logger
        # Protects the bookkeeping below. Reentrant because shutdown() may run
        # in a signal handler that interrupts the thread holding the lock.
        self.lock = threading.RLock()
        self.all_connections: set[ServerConnection] = set()
        self.handler_threads: set[threading.Thread] = set()
        self.serving = True
        if sys.platform != "win32":
            # A pipe wakes up serve_forever() when shutdown() is called.
            self.shutdown_watcher, self.shutdown_notifier = os.pipe()
        self.socket_closed = False

        if self.logger.isEnabledFor(logging.INFO):
            try:
                name = sock.getsockname()
            except OSError:  # pragma: no cover
                name = None
            if isinstance(name, tuple):
                if sock.family == getattr(socket, "AF_INET6", None):
                    name_str = f"[{name[0]}]:{name[1]}"
                else:
                    name_str = f"{name[0]}:{name[1]}"
            else:
                name_str = str(name)
            self.logger.info("server listening on %s", name_str)

    @property
    def connections(self) -> set[ServerConnection]:
        """
        Set of active connections.

        This property contains all connections that completed the opening
        handshake successfully and didn't start the closing handshake yet.
        It can be useful in combination with :func:`~broadcast`.

        """
        with self.lock:
            return {
                connection
                for connection in self.all_connections
                if connection.protocol.state is OPEN
            }

    def is_serving(self) -> bool:
        """Tell whether the server accepts new connections."""
        return self.serving

    def serve_forever(self) -> None:
        """
        See :meth:`socketserver.BaseServer.serve_forever`.

        This method doesn't return. Calling :meth:`shutdown` from another thread
        stops the server.

        Typical use::

            with serve(...) as server:
                server.serve_forever()

        """
        poller = selectors.DefaultSelector()
        try:
            poller.register(self.socket, selectors.EVENT_READ)
        except ValueError:  # socket closed
            poller.close()
            return
        if sys.platform != "win32":
            poller.register(self.shutdown_watcher, selectors.EVENT_READ)

        try:
            # With the shutdown pipe, shutdown() wakes select() up at once;
            # without it, select() returns regularly to check self.serving.
            timeout = (
                None if sys.platform != "win32" else self.SHUTDOWN_POLLING_INTERVAL
            )
            while self.serving:
                poller.select(timeout)
                if not self.serving:
                    break
                try:
                    # If the socket is closed, this will raise an exception and
                    # exit the loop. So we don't need to check the return value
                    # of poller.select().
                    sock, addr = self.socket.accept()
                except BlockingIOError:  # pragma: no cover - spurious wake-up
                    continue
                except OSError:
                    break
                # Since there isn't a mechanism for tracking connections and
                # waiting for them to terminate, we cannot use daemon threads,
                # or else all connections would be terminate brutally when
                # closing the server.
                thread = threading.Thread(
                    target=self._run_handler,
                    args=(sock, addr),
                    name="websockets-handler",
                )
                # Start the thread under the lock: shutdown() joins the
                # threads it finds in handler_threads, and joining a thread
                # that isn't started yet raises RuntimeError.
                with self.lock:
                    self.handler_threads.add(thread)
                    thread.start()
        finally:
            poller.close()
            if sys.platform != "win32":
                with self.lock:
                    if self.shutdown_watcher >= 0:
                        os.close(self.shutdown_watcher)
                        self.shutdown_watcher = -1

    def _run_handler(self, sock: socket.socket, addr: Any) -> None:
        try:
            self.handler(sock, addr)
        finally:
            with self.lock:
                self.handler_threads.discard(threading.current_thread())

    def shutdown(
        self,
        close_connections: bool = True,
        code: CloseCode | int = CloseCode.GOING_AWAY,
        reason: str = "",
    ) -> None:
        """
        See :meth:`socketserver.BaseServer.shutdown`.

        Args:
            close_connections: Whether to close existing connections.
            code: WebSocket close code.
            reason: WebSocket close reason.

        """
        self.logger.info("server closing")
        with self.lock:
            self.serving = False
            if not self.socket_closed:
                self.socket_closed = True
                self.socket.close()
            if sys.platform != "win32" and self.shutdown_notifier >= 0:
                os.write(self.shutdown_notifier, b"x")
                os.close(self.shutdown_notifier)
                self.shutdown_notifier = -1
            connections = list(self.all_connections)
        if close_connections:
            # Start all closing handshakes, then wait for them, so that
            # shutdown() lasts at most one close_timeout.
            closers = []
            for connection in connections:
                if connection.protocol.state is not OPEN:
                    continue
                closer = threading.Thread(
                    target=connection.close,
                    args=(code, reason),
                    name="websockets-closer",
                )
                closer.start()
                closers.append(closer)
            for closer in closers:
                closer.join()
            # Wait until connection handlers terminate, except the caller's
            # own, if shutdown() is called from a connection handler.
            with self.lock:
                threads = list(self.handler_threads)
            for thread in threads:
                if thread is not threading.current_thread():
                    thread.join()
        self.logger.info("server closed")

    def fileno(self) -> int:
        """
        See :meth:`socketserver.BaseServer.fileno`.

        """
        return self.socket.fileno()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.shutdown()

    def __del__(self) -> None:  # pragma: no cover - best effort cleanup
        if sys.platform != "win32":
            for fd_name in ("shutdown_watcher", "shutdown_notifier"):
                fd = getattr(self, fd_name, -1)
                if fd >= 0:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                    setattr(self, fd_name, -1)


def __getattr__(name: str) -> Any:
    if name == "WebSocketServer":
        warnings.warn(  # deprecated in 13.0 - 2024-08-20
            "WebSocketServer was renamed to Server",
            DeprecationWarning,
            stacklevel=2,
        )
        return Server
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def serve(
    handler: Callable[[ServerConnection], None],
    host: str | None = None,
    port: int | None = None,
    *,
    # TCP/TLS
    sock: socket.socket | None = None,
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
            Response | None,
        ]
        | None
    ) = None,
    process_response: (
        Callable[
            [ServerConnection, Request, Response],
            Response | None,
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
    **kwargs: Any,
) -> Server:
    """
    Create a WebSocket server listening on ``host`` and ``port``.

    Whenever a client connects, the server creates a :class:`ServerConnection`,
    performs the opening handshake, and delegates to the ``handler``.

    The handler receives the :class:`ServerConnection` instance, which you can
    use to send and receive messages.

    Once the handler completes, either normally or with an exception, the server
    performs the closing handshake and closes the connection.

    This function returns a :class:`Server` whose API mirrors
    :class:`~socketserver.BaseServer`. Treat it as a context manager to ensure
    that it will be closed and call :meth:`~Server.serve_forever` to serve
    requests::

        from websockets.sync.server import serve

        def handler(websocket):
            ...

        with serve(handler, ...) as server:
            server.serve_forever()

    Args:
        handler: Connection handler. It receives the WebSocket connection,
            which is a :class:`ServerConnection`, in argument.
        host: Network interfaces the server binds to.
            See :func:`~socket.create_server` for details.
        port: TCP port the server listens on.
            See :func:`~socket.create_server` for details.
        sock: Preexisting TCP socket. ``sock`` replaces ``host`` and ``port``.
            You may call :func:`socket.create_server` to create a suitable TCP
            socket.
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
            Return an HTTP response to force the response. Return :obj:`None` to
            continue normally. When you force an HTTP 101 Continue response, the
            handshake is successful. Else, the connection is aborted.
        process_response: Intercept the response during the opening handshake.
            Modify the response or return a new HTTP response to force the
            response. Return :obj:`None` to continue normally. When you force an
            HTTP 101 Continue response, the handshake is successful. Else, the
            connection is aborted.
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
            fragments.
        max_queue: High-water mark of the buffer where frames are received.
            It defaults to 16 frames. The low-water mark defaults to ``max_queue
            // 4``. You may pass a ``(high, low)`` tuple to set the high-water
            and low-water marks. If you want to disable flow control entirely,
            you may set it to ``None``, although that's a bad idea.
        logger: Logger for this server.
            It defaults to ``logging.getLogger("websockets.server")``. See the
            :doc:`logging guide <../../topics/logging>` for details.
        create_connection: Factory for the :class:`ServerConnection` managing
            the connection. Set it to a wrapper or a subclass to customize
            connection handling.

    Any other keyword arguments are passed to :func:`~socket.create_server`.

    """

    # Process parameters

    # Backwards compatibility: ssl used to be called ssl_context.
    if ssl is None and "ssl_context" in kwargs:
        ssl = kwargs.pop("ssl_context")
        warnings.warn(  # deprecated in 13.0 - 2024-08-20
            "ssl_context was renamed to ssl",
            DeprecationWarning,
            stacklevel=2,
        )

    if subprotocols is not None:
        validate_subprotocols(subprotocols)

    if compression == "deflate":
        extensions = enable_server_permessage_deflate(extensions)
    elif compression is not None:
        raise ValueError(f"unsupported compression: {compression}")

    if create_connection is None:
        create_connection = ServerConnection

    # Bind socket and listen

    # Private APIs for unix_serve()
    unix: bool = kwargs.pop("unix", False)
    path: PathLike | None = kwargs.pop("path", None)

    if sock is None:
        if unix:
            if path is None:
                raise ValueError("missing path argument")
            kwargs.setdefault("family", socket.AF_UNIX)
            sock = socket.create_server(os.fspath(path), **kwargs)
        else:
            # Like websockets, pass host and port as given: socket rejects
            # None with a TypeError rather than binding a default address.
            sock = socket.create_server((host, port), **kwargs)
    else:
        if host is not None:
            raise ValueError("host is incompatible with sock")
        if port is not None:
            raise ValueError("port is incompatible with sock")
        if path is not None:
            raise ValueError("path is incompatible with sock")

    # Wrap the listening socket, like websockets does, so that Server.socket
    # is an SSLSocket and accepted sockets are too. The TLS handshake runs
    # in each connection's thread, bounded by open_timeout.
    if ssl is not None:
        sock = ssl.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)

    # Define request handler

    def conn_handler(sock: socket.socket, addr: Any) -> None:
        # Calculate timeouts on the TLS and WebSocket handshakes.
        # The TLS timeout must be set on the socket, then removed
        # to avoid conflicting with the WebSocket timeout in handshake().
        deadline = Deadline(open_timeout)

        try:
            # Disable Nagle algorithm

            if not unix and sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)

            # Perform TLS handshake

            if ssl is not None:
                assert isinstance(sock, ssl_module.SSLSocket)  # help mypy
                sock.settimeout(deadline.timeout())
                sock.do_handshake()
                sock.settimeout(None)

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

            # Initialize WebSocket protocol

            protocol = ServerProtocol(
                origins=origins,
                extensions=extensions,
                subprotocols=subprotocols,
                select_subprotocol=protocol_select_subprotocol,
                max_size=max_size,
                logger=logger,
            )

            # Initialize WebSocket connection

            assert create_connection is not None  # help mypy
            connection = create_connection(
                sock,
                protocol,
                server,
                ping_interval=ping_interval,
                ping_timeout=ping_timeout,
                close_timeout=close_timeout,
                max_queue=max_queue,
            )
        except OSError:
            # TLS handshake failures and timeouts (SSLError and TimeoutError
            # are OSErrors): there's no WebSocket connection to speak of yet.
            # websockets doesn't log them.
            sock.close()
            return
        except Exception:
            server.logger.debug("! failed to set up connection", exc_info=True)
            sock.close()
            return

        with server.lock:
            server.all_connections.add(connection)
        try:
            try:
                connection.handshake(
                    process_request,
                    process_response,
                    server_header,
                    deadline.timeout(),
                )
            except TimeoutError:
                timed_out = True
            except Exception as exc:
                # After sending a response that rejects the handshake, the
                # server waits close_timeout for the client to close the TCP
                # connection, then closes it. A client that doesn't close is
                # no handshake failure; websockets doesn't log it.
                rejected = (
                    connection.response is not None
                    and connection.response.status_code != 101
                    and isinstance(exc, ConnectionClosed)
                )
                if not rejected:
                    connection.logger.error("opening handshake failed", exc_info=True)
                connection.close_socket()
                connection.recv_events_thread.join()
                return
            else:
                timed_out = False

            if timed_out:
                # Close outside the except clause: the Sans-I/O layer logs the
                # connection ending without a request, and that log mustn't
                # carry the TimeoutError as context, like in websockets.
                connection.close_socket()
                connection.recv_events_thread.join()
                return

            if connection.response is None or connection.response.status_code != 101:
                # process_request or process_response rejected the handshake,
                # or the request was invalid. The protocol sent the response
                # and half-closed the connection; wait for the client to close
                # its side, like RFC 6455 §7.1.1 suggests, then clean up.
                connection.recv_events_thread.join(close_timeout)
                connection.close_socket()
                connection.recv_events_thread.join()
                return

            # The connection may already be closing: a client can send its
            # messages and a close frame right after the handshake. The
            # handler still runs and receives those messages.
            try:
                connection.start_keepalive()
                handler(connection)
            except Exception:
                # Close first, then log, in the same order as websockets.
                connection.close(CloseCode.INTERNAL_ERROR)
                connection.logger.error("connection handler failed", exc_info=True)
            else:
                connection.close()
            # close() returns once recv_events() terminated; the keepalive
            # thread exits as soon as the socket is closed.
            connection.recv_events_thread.join()
            if connection.keepalive_thread is not None:
                connection.keepalive_thread.join()

        except Exception:  # pragma: no cover
            # Don't leak sockets on unexpected errors.
            connection.logger.error("unexpected internal error", exc_info=True)
            connection.close_socket()
        finally:
            with server.lock:
                server.all_connections.discard(connection)

    # Initialize server

    server = Server(sock, conn_handler, logger)
    return server


def unix_serve(
    handler: Callable[[ServerConnection], None],
    path: PathLike | None = None,
    **kwargs: Any,
) -> Server:
    """
    Create a WebSocket server listening on a Unix socket.

    This function accepts the same keyword arguments as :func:`serve`.

    It's only available on Unix.

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
    raise_exceptions: bool = False,
    text: bool | None = None,
    **kwargs: Any,
) -> None:
    """
    Broadcast a message to several WebSocket connections.

    A string (:class:`str`) is sent as a Text_ frame. A bytestring or bytes-like
    object (:class:`bytes`, :class:`bytearray`, or :class:`memoryview`) is sent
    as a Binary_ frame.

    .. _Text: https://datatracker.ietf.org/doc/html/rfc6455#section-5.6
    .. _Binary: https://datatracker.ietf.org/doc/html/rfc6455#section-5.6

    :func:`broadcast` skips connections that aren't open and connections that
    are busy sending a fragmented message. It sends the message to the others
    one after the other, without waiting for them.

    Args:
        connections: WebSocket connections to which the message will be sent.
        message: Message to send.
        raise_exceptions: Whether to raise an exception in case a connection
            fails. When :obj:`False`, errors are logged as warnings.
        text: Override the frame type, like the ``text`` argument of
            :meth:`~Connection.send`.

    Raises:
        TypeError: If ``message`` doesn't have a supported type.
        ExceptionGroup: If ``raise_exceptions`` is :obj:`True` and sending the
            message fails on some connections.

    """
    if isinstance(message, str):
        send_method = "send_binary" if text is False else "send_text"
        payload: Any = message.encode()
    elif isinstance(message, (bytes, bytearray, memoryview)):
        send_method = "send_text" if text is True else "send_binary"
        payload = message
    else:
        raise TypeError("data must be str or bytes")

    if raise_exceptions:
        if sys.version_info[:2] < (3, 11):  # pragma: no cover
            raise ValueError("raise_exceptions requires at least Python 3.11")
        exceptions: list[Exception] = []

    for connection in connections:
        exception: Exception

        if connection.protocol.state is not OPEN:
            continue

        if connection.send_in_progress:
            if raise_exceptions:
                exception = RuntimeError("sending a fragmented message")
                exceptions.append(exception)
            else:
                connection.logger.warning(
                    "skipped broadcast: sending a fragmented message",
                )
            continue

        try:
            with connection.send_context():
                getattr(connection.protocol, send_method)(payload)
        except Exception as write_exception:
            if isinstance(write_exception, ConnectionClosed):
                continue
            if raise_exceptions:
                exception = RuntimeError("failed to write message")
                exception.__cause__ = write_exception
                exceptions.append(exception)
            else:
                connection.logger.warning(
                    "skipped broadcast: failed to write message: %s",
                    f"{type(write_exception).__name__}: {write_exception}",
                )

    if raise_exceptions and exceptions:
        raise ExceptionGroup("skipped broadcast", exceptions)  # type: ignore[name-defined]  # noqa: F821


# Pull-through for compatibility with websockets.sync.server.Server.
def basic_auth(
    realm: str = "",
    credentials: tuple[str, str] | Iterable[tuple[str, str]] | None = None,
    check_credentials: Callable[[str, str], bool] | None = None,
) -> Callable[[ServerConnection, Request], Response | None]:
    """
    Factory for ``process_request`` to enforce HTTP Basic Authentication.

    :func:`basic_auth` is designed to integrate with :func:`serve` as follows::

        from websockets.sync.server import basic_auth, serve

        with serve(
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
        check_credentials: Function that verifies credentials.
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

    def process_request(
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

        assert check_credentials is not None  # help mypy
        if not check_credentials(username, password):
            return unauthorized(connection, realm, "Invalid credentials\n")

        connection.username = username
        return None

    return process_request
