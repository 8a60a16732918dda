"""
Threading implementation of a WebSocket client: :func:`connect`,
:func:`unix_connect`, :func:`reconnect` and :class:`ClientConnection`.

"""

from __future__ import annotations

import logging
import os
import socket
import ssl as ssl_module
import threading
import time
import traceback
import warnings
from collections.abc import Generator, Iterator, Sequence
from types import TracebackType
from typing import Any, Callable, Literal, TypeVar, cast

from ..client import (
    ClientProtocol,
    _build_handshake_request,
    _is_cross_origin,
    _redirect_target,
    _strip_credentials,
    backoff,
    process_exception,
)
from ..datastructures import Headers as Headers, HeadersLike
from ..exceptions import (
    ConnectionClosed,
    InvalidMessage,
    InvalidProxyMessage as InvalidProxyMessage,
    InvalidProxyStatus as InvalidProxyStatus,
    InvalidStatus as InvalidStatus,
    ProxyError,
    SecurityError,
)
from ..extensions.base import ClientExtensionFactory
from ..extensions.permessage_deflate import enable_client_permessage_deflate
from ..headers import validate_subprotocols
from ..http11 import USER_AGENT, Response
from ..protocol import CONNECTING, Event
from ..proxy import (
    Proxy,
    ProxyConnectParser,
    get_proxy,
    parse_proxy,
    prepare_connect_request,
    prepare_socks_proxy,
)
from ..streams import StreamReader as StreamReader
from ..typing import (
    BytesLike as BytesLike,
    LoggerLike,
    Origin,
    PathLike as PathLike,
    Subprotocol,
)
from ..uri import WebSocketURI, parse_uri
from .connection import Connection
from .utils import Deadline


__all__ = [
    "connect",
    "unix_connect",
    "reconnect",
    "unix_reconnect",
    "ClientConnection",
]

# Maximum number of redirects followed by connect(), like websockets does
# (the same setting as the asyncio client).
MAX_REDIRECTS = int(os.environ.get("WEBSOCKETS_MAX_REDIRECTS", "10"))

LEGACY_WARNING = (
    "connect() must be used as a context manager: "
    "with connect(...) as websocket: ...; "
    "alternatively, use websocket = connect(..., legacy=True) to connect directly"
)


class ClientConnection(Connection):
    """
    :mod:`threading` implementation of a WebSocket client connection.

    :class:`ClientConnection` provides :meth:`recv` and :meth:`send` methods for
    receiving and sending messages.

    It supports iteration to receive messages::

        for message in websocket:
            process(message)

    The iterator exits normally when the connection is closed with close code
    1000 (OK) or 1001 (going away) or without a close code. It raises a
    :exc:`~websockets.exceptions.ConnectionClosedError` when the connection is
    closed with any other code.

    The ``ping_interval``, ``ping_timeout``, ``close_timeout``, and
    ``max_queue`` arguments have the same meaning as in :func:`connect`.

    Args:
        sock: Socket connected to a WebSocket server.
        protocol: Sans-I/O connection.

    """

    # Don't read before the opening handshake request is written; see
    # Connection.reading_allowed.
    defer_reading = True

    def __init__(
        self,
        sock: socket.socket,
        protocol: ClientProtocol,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | None | tuple[int | None, int | None] = 16,
    ) -> None:
        self.protocol: ClientProtocol
        self.response_rcvd = threading.Event()
        # Warn about a connection used without a context manager, once.
        # connect(..., legacy=True) and entering the connection clear it.
        self.pending_legacy_warning = True
        super().__init__(
            sock,
            protocol,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
        )

    def __enter__(self) -> ClientConnection:
        # Using the connection as a context manager is the supported way.
        self.pending_legacy_warning = False
        return self

    def maybe_raise_legacy_warning(self) -> None:
        if self.pending_legacy_warning:
            self.pending_legacy_warning = False
            warnings.warn(LEGACY_WARNING, DeprecationWarning, stacklevel=3)

    def handshake(
        self,
        additional_headers: HeadersLike | None = None,
        user_agent_header: str | None = USER_AGENT,
        timeout: float | None = None,
    ) -> None:
        """
        Perform the opening handshake.

        """
        try:
            try:
                # Build the request first: an invalid header value raises
                # InvalidHeaderValue here, like in websockets.
                request = _build_handshake_request(
                    self.protocol, additional_headers, user_agent_header
                )
                with self.send_context(expected_state=CONNECTING):
                    self.protocol.send_request(request)
                    self.request = request
            finally:
                # The request is written or won't be: start reading.
                self.reading_allowed.set()
        except ConnectionClosed:
            # The server closed the connection before we sent the request.
            # Report it like any connection lost before the response.
            if self.protocol.handshake_exc is not None:
                raise self.protocol.handshake_exc from None
            raise

        if not self.response_rcvd.wait(timeout):
            raise TimeoutError("timed out while waiting for handshake response")

        # self.protocol.handshake_exc is set when the connection is lost before
        # receiving a response, when the response cannot be parsed, or when the
        # response fails the handshake.

        if self.protocol.handshake_exc is not None:
            raise self.protocol.handshake_exc

        if self.response is None:  # pragma: no cover - defensive
            exc = InvalidMessage("did not receive a valid HTTP response")
            exc.__cause__ = self.recv_exc
            raise exc

    def process_event(self, event: Event) -> None:
        """
        Process one incoming event.

        """
        # First event - handshake response.
        if self.response is None:
            assert isinstance(event, Response)
            self.response = event
            self.response_rcvd.set()
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
            self.response_rcvd.set()


# Proxies. The Sans-I/O helpers in websockets.proxy find, parse and talk to
# proxies; the functions below move the bytes with blocking sockets.


def read_connect_response(sock: socket.socket, deadline: Deadline) -> Response:
    """
    Read the response of an HTTP proxy to a ``CONNECT`` request.

    Bytes that follow the response belong to the tunnel. On a plain socket,
    they're left unread, for the WebSocket connection to receive them.

    Raises:
        TimeoutError: If the proxy doesn't respond before the deadline.
        InvalidProxyMessage: If the proxy doesn't send a valid HTTP response.
        InvalidProxyStatus: If the proxy rejects the ``CONNECT`` request.

    """
    parser = ProxyConnectParser()
    # Peek at incoming bytes and consume only those of the response. TLS
    # sockets don't support MSG_PEEK; a proxy speaking TLS cannot send bytes
    # of the tunnel before the client starts its own TLS handshake anyway.
    peek = not isinstance(sock, ssl_module.SSLSocket)
    try:
        while True:
            sock.settimeout(deadline.timeout())
            if peek:
                data = sock.recv(4096, socket.MSG_PEEK)
            else:
                data = sock.recv(4096)
            if data:
                response = parser.receive_data(data)
                if peek:
                    # Peeked bytes are in the kernel buffer: reading them
                    # again doesn't block.
                    remaining = len(data) - len(parser.leftover)
                    while remaining > 0:
                        remaining -= len(sock.recv(remaining))
            else:
                response = parser.receive_eof()
            if response is not None:
                return response
    finally:
        sock.settimeout(None)


def connect_http_proxy(
    proxy: Proxy,
    ws_uri: WebSocketURI,
    deadline: Deadline,
    *,
    user_agent_header: str | None = None,
    ssl: ssl_module.SSLContext | None = None,
    server_hostname: str | None = None,
    **kwargs: Any,
) -> socket.socket:
    """
    Open a tunnel through an HTTP proxy and return the socket.

    Raises:
        OSError: If the connection to the proxy fails.
        InvalidProxyMessage: If the proxy doesn't send a valid HTTP response.
        InvalidProxyStatus: If the proxy rejects the ``CONNECT`` request.

    """
    kwargs.setdefault("timeout", deadline.timeout())
    sock = socket.create_connection((proxy.host, proxy.port), **kwargs)
    try:
        # Initialize TLS wrapper and perform TLS handshake with the proxy.
        if proxy.scheme == "https":
            if ssl is None:
                ssl = ssl_module.create_default_context()
            if server_hostname is None:
                server_hostname = proxy.host
            sock.settimeout(deadline.timeout())
            sock = ssl.wrap_socket(sock, server_hostname=server_hostname)
            sock.settimeout(None)
        sock.sendall(prepare_connect_request(proxy, ws_uri, user_agent_header))
        read_connect_response(sock, deadline)
    except Exception:
        sock.close()
        raise
    return sock


def connect_socks_proxy(
    proxy: Proxy,
    ws_uri: WebSocketURI,
    deadline: Deadline,
    **kwargs: Any,
) -> socket.socket:
    """
    Connect to the server through a SOCKS proxy and return the socket.

    This requires the third-party library python-socks.

    Raises:
        ImportError: If python-socks isn't installed.
        OSError: If the connection to the proxy fails.
        ProxyError: If the proxy refuses to connect to the server.

    """
    # prepare_socks_proxy raises ImportError when python-socks is missing.
    socks_kwargs = prepare_socks_proxy(proxy)
    from python_socks.sync import (  # type: ignore[import-not-found, unused-ignore]
        Proxy as SocksProxy,
    )

    socks_proxy = SocksProxy(**socks_kwargs)
    kwargs.setdefault("timeout", deadline.timeout())
    # connect() is documented to raise OSError and TimeoutError, a subclass
    # of OSError. Other exceptions, such as python-socks' ProxyError, become
    # a ProxyError, a subclass of InvalidHandshake.
    try:
        sock: socket.socket = socks_proxy.connect(ws_uri.host, ws_uri.port, **kwargs)
    except OSError:
        raise
    except Exception as exc:
        raise ProxyError("failed to connect to SOCKS proxy") from exc
    return sock


T = TypeVar("T")


class SSLSSLSocket:
    """
    Socket-like object providing TLS-in-TLS.

    A ``wss://`` connection through an ``https://`` proxy runs a TLS session
    with the server inside the TLS session with the proxy. :mod:`ssl` can't
    wrap an :class:`~ssl.SSLSocket` in another one, so the inner session is an
    :class:`~ssl.SSLObject` over memory buffers, and its encrypted bytes go
    through the outer socket.

    Only what the threading connection uses is implemented: :meth:`recv`,
    :meth:`recv_into`, :meth:`send` and :meth:`sendall`. Other attributes,
    such as ``settimeout()``, ``shutdown()`` and ``close()``, are the outer
    socket's.

    Args:
        sock: Socket connected to the proxy, with TLS.
        ssl_context: TLS configuration for the connection to the server.
        server_hostname: Host name of the server, for SNI and certificate
            verification.

    """

    recv_bufsize = 65536

    def __init__(
        self,
        sock: socket.socket,
        ssl_context: ssl_module.SSLContext,
        server_hostname: str | None = None,
    ) -> None:
        self.incoming = ssl_module.MemoryBIO()
        self.outgoing = ssl_module.MemoryBIO()
        self.ssl_socket = sock
        self.ssl_object = ssl_context.wrap_bio(
            self.incoming,
            self.outgoing,
            server_hostname=server_hostname,
        )
        # One thread reads while others write: the SSLObject and its buffers
        # are only touched with this lock held, never while blocking on I/O.
        self.mutex = threading.Lock()
        self.run_io(self.ssl_object.do_handshake)

    def run_io(self, func: Callable[..., T], *args: Any) -> T:
        """
        Call a method of the TLS object, moving bytes until it completes.

        Encrypted bytes that the call produces are sent to the proxy; when it
        needs more input, encrypted bytes are read from the proxy.

        """
        while True:
            want_read = False
            with self.mutex:
                try:
                    result = func(*args)
                except ssl_module.SSLWantReadError:
                    want_read = True
                data = self.outgoing.read()
            if data:
                self.ssl_socket.sendall(data)
            if not want_read:
                return result
            data = self.ssl_socket.recv(self.recv_bufsize)
            with self.mutex:
                if data:
                    self.incoming.write(data)
                else:
                    self.incoming.write_eof()

    def recv(self, buflen: int) -> bytes:
        """Receive up to ``buflen`` bytes; ``b""`` at the end of the stream."""
        try:
            return self.run_io(self.ssl_object.read, buflen)
        except ssl_module.SSLEOFError:
            # The proxy closed the connection without a TLS close_notify.
            return b""

    def recv_into(self, buffer: memoryview | bytearray) -> int:
        """Receive bytes into ``buffer``; return how many, 0 at the end."""
        data = self.recv(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def send(self, data: BytesLike) -> int:
        """Send bytes; return how many were sent."""
        return self.run_io(self.ssl_object.write, data)

    def sendall(self, data: BytesLike) -> None:
        """Send all bytes."""
        # Like SSLSocket.sendall(): send() may write less than it was given.
        count = 0
        with memoryview(data) as view, view.cast("B") as byte_view:
            amount = len(byte_view)
            while count < amount:
                count += self.send(byte_view[count:])

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ssl_socket, name)


# Connecting


def connect(
    uri: str,
    *,
    # TCP/TLS
    sock: socket.socket | None = None,
    ssl: ssl_module.SSLContext | None = None,
    server_hostname: str | None = None,
    # WebSocket
    origin: Origin | None = None,
    extensions: Sequence[ClientExtensionFactory] | None = None,
    subprotocols: Sequence[Subprotocol] | None = None,
    compression: str | None = "deflate",
    # HTTP
    additional_headers: HeadersLike | None = None,
    user_agent_header: str | None = USER_AGENT,
    proxy: str | Literal[True] | None = True,
    proxy_ssl: ssl_module.SSLContext | None = None,
    proxy_server_hostname: str | None = None,
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
    create_connection: type[ClientConnection] | None = None,
    # Backwards compatibility
    legacy: bool | None = None,
    **kwargs: Any,
) -> ClientConnection | reconnect:
    """
    Connect to the WebSocket server at ``uri``.

    :func:`connect` should be treated as a context manager yielding a
    :class:`ClientConnection`, which can then receive and send messages::

        from websockets.sync.client import connect

        with connect(...) as websocket:
            ...

    The connection is closed automatically when exiting the context.

    Use :func:`reconnect` to reconnect automatically on errors.

    For backwards compatibility, :func:`connect` can be called directly::

        websocket = connect(..., legacy=True)

    In that case, you're responsible for closing the connection with
    :meth:`ClientConnection.close` when no longer needed.

    When ``legacy`` isn't specified, :func:`connect` returns a
    :class:`ClientConnection` too, but using it without a context manager
    emits a :exc:`DeprecationWarning`. When ``legacy`` is :obj:`False`,
    :func:`connect` behaves like :func:`reconnect`.

    Args:
        uri: URI of the WebSocket server.
        sock: Preexisting TCP socket. ``sock`` overrides the host and port
            from ``uri``. You may call :func:`socket.create_connection` to
            create a suitable TCP socket.
        ssl: Configuration for enabling TLS on the connection.
        server_hostname: Host name for the TLS handshake. ``server_hostname``
            overrides the host name from ``uri``.
        origin: Value of the ``Origin`` header, for servers that require it.
        extensions: List of supported extensions, in order in which they
            should be negotiated and run.
        subprotocols: List of supported subprotocols, in order of decreasing
            preference.
        compression: The "permessage-deflate" extension is enabled by default.
            Set ``compression`` to :obj:`None` to disable it. See the
            :doc:`compression guide <../../topics/compression>` for details.
        additional_headers: Arbitrary HTTP headers to add to the handshake
            request.
        user_agent_header: Value of  the ``User-Agent`` request header.
            It defaults to ``"Python/x.y.z websockets/X.Y"``.
            Setting it to :obj:`None` removes the header.
        proxy: If a proxy is configured, it is used by default. Set ``proxy``
            to :obj:`None` to disable the proxy or to the address of a proxy
            to override the system configuration.
        proxy_ssl: Configuration for enabling TLS on the proxy connection.
        proxy_server_hostname: Host name for the TLS handshake with the proxy.
            ``proxy_server_hostname`` overrides the host name from ``proxy``.
        open_timeout: Timeout for opening the connection in seconds.
            :obj:`None` disables the timeout.
        ping_interval: Interval between keepalive pings in seconds.
            :obj:`None` disables keepalive.
        ping_timeout: Timeout for keepalive pings in seconds.
            :obj:`None` disables timeouts.
        close_timeout: Timeout for closing the connection in seconds.
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
        logger: Logger for this client.
            It defaults to ``logging.getLogger("websockets.client")``.
            See the :doc:`logging guide <../../topics/logging>` for details.
        create_connection: Factory for the :class:`ClientConnection` managing
            the connection. Set it to a wrapper or a subclass to customize
            connection handling.
        legacy: Set to :obj:`True` to opt into the historical behavior of
            returning a :class:`ClientConnection`, without deprecation warning.

    Any other keyword arguments are passed to :func:`~socket.create_connection`.

    Raises:
        InvalidURI: If ``uri`` isn't a valid WebSocket URI.
        OSError: If the TCP connection fails.
        InvalidHandshake: If the opening handshake fails.
        TimeoutError: If the opening handshake times out.

    """
    client = reconnect(
        uri,
        sock=sock,
        ssl=ssl,
        server_hostname=server_hostname,
        origin=origin,
        extensions=extensions,
        subprotocols=subprotocols,
        compression=compression,
        additional_headers=additional_headers,
        user_agent_header=user_agent_header,
        proxy=proxy,
        proxy_ssl=proxy_ssl,
        proxy_server_hostname=proxy_server_hostname,
        open_timeout=open_timeout,
        ping_interval=ping_interval,
        ping_timeout=ping_timeout,
        close_timeout=close_timeout,
        max_size=max_size,
        max_queue=max_queue,
        logger=logger,
        create_connection=create_connection,
        **kwargs,
    )
    if legacy is False:
        return client
    connection = client.connect()
    if legacy:
        connection.pending_legacy_warning = False
    return connection


def unix_connect(
    path: PathLike | None = None,
    uri: str | None = None,
    *,
    legacy: bool | None = None,
    **kwargs: Any,
) -> ClientConnection | reconnect:
    """
    Connect to a WebSocket server listening on a Unix socket.

    This function accepts the same keyword arguments as :func:`connect`.

    It's only available on Unix.

    It's mainly useful for debugging servers listening on Unix sockets.

    Args:
        path: File system path to the Unix socket.
        uri: URI of the WebSocket server. ``uri`` defaults to
            ``ws://localhost/`` or, when a ``ssl`` is provided, to
            ``wss://localhost/``.
        legacy: Like the ``legacy`` argument of :func:`connect`. When it's
            :obj:`False`, :func:`unix_connect` behaves like
            :func:`unix_reconnect`.

    """
    if uri is None:
        # Backwards compatibility: ssl used to be called ssl_context.
        if kwargs.get("ssl") is None and kwargs.get("ssl_context") is None:
            uri = "ws://localhost/"
        else:
            uri = "wss://localhost/"
    if legacy is False:
        return unix_reconnect(path, uri, **kwargs)
    return connect(uri=uri, unix=True, path=path, legacy=legacy, **kwargs)


class reconnect:
    """
    Similar to :func:`connect`, with support for automatic reconnection.

    :func:`reconnect` can also be treated as an infinite iterator to reconnect
    automatically on errors::

        for websocket in reconnect(...):
            try:
                ...
            except websockets.exceptions.ConnectionClosed:
                continue

    If the connection fails with a transient error, it is retried with
    exponential backoff. If it fails with a fatal error, the exception is
    raised, breaking out of the loop.

    The connection is closed automatically after each iteration of the loop.

    :func:`reconnect` accepts the same arguments as :func:`connect`, minus the
    ``legacy`` flag, plus those listed below. It raises the same exceptions.

    Args:
        process_exception: When reconnecting automatically, tell whether an
            error is transient or fatal. The default behavior is defined by
            :func:`process_exception`.
        reconnect_delays: Delays in seconds between reconnection attempts.
            Default is exponential backoff with 5s jitter.

    """

    def __init__(
        self,
        uri: str,
        *,
        # TCP/TLS
        sock: socket.socket | None = None,
        ssl: ssl_module.SSLContext | None = None,
        server_hostname: str | None = None,
        # WebSocket
        origin: Origin | None = None,
        extensions: Sequence[ClientExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        compression: str | None = "deflate",
        # HTTP
        additional_headers: HeadersLike | None = None,
        user_agent_header: str | None = USER_AGENT,
        proxy: str | Literal[True] | None = True,
        proxy_ssl: ssl_module.SSLContext | None = None,
        proxy_server_hostname: str | None = None,
        # Reconnection
        process_exception: Callable[[Exception], Exception | None] = process_exception,
        # Timeouts
        open_timeout: float | None = 10,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        reconnect_delays: Callable[[], Generator[float]] = backoff,
        # Limits
        max_size: int | None | tuple[int | None, int | None] = 2**20,
        max_queue: int | None | tuple[int | None, int | None] = 16,
        # Logging
        logger: LoggerLike | None = None,
        # Escape hatch for advanced customization
        create_connection: type[ClientConnection] | None = None,
        **kwargs: Any,
    ) -> None:
        # Backwards compatibility: ssl used to be called ssl_context.
        if ssl is None and "ssl_context" in kwargs:
            ssl = kwargs.pop("ssl_context")
            warnings.warn(  # deprecated in 13.0 - 2024-08-20
                "ssl_context was renamed to ssl",
                DeprecationWarning,
                stacklevel=2,
            )

        ws_uri = parse_uri(uri)
        if not ws_uri.secure and ssl is not None:
            raise ValueError("ssl argument is incompatible with a ws:// URI")

        # Private APIs for unix_connect(); they stay in open_socket_kwargs.
        if kwargs.get("unix", False):
            if kwargs.get("path") is None and sock is None:
                raise ValueError("missing path argument")
            elif kwargs.get("path") is not None and sock is not None:
                raise ValueError("path is incompatible with sock")

        if subprotocols is not None:
            validate_subprotocols(subprotocols)

        if compression == "deflate":
            extensions = enable_client_permessage_deflate(extensions)
        elif compression is not None:
            raise ValueError(f"unsupported compression: {compression}")

        if create_connection is None:
            create_connection = ClientConnection

        if logger is None:
            logger = logging.getLogger("websockets.client")

        # The same attributes as websockets' reconnect, for subclasses that
        # override the hooks below.
        self.uri = uri
        self.ws_uri = ws_uri
        self.sock = sock
        self.ssl = ssl
        self.server_hostname = server_hostname
        self.additional_headers = additional_headers
        self.user_agent_header = user_agent_header
        self.proxy = proxy
        self.proxy_ssl = proxy_ssl
        self.proxy_server_hostname = proxy_server_hostname
        self.process_exception = process_exception
        self.open_timeout = open_timeout
        self.reconnect_delays = reconnect_delays
        self.logger: LoggerLike = logger
        self.create_connection = create_connection
        self.open_socket_kwargs = kwargs
        self.protocol_kwargs: dict[str, Any] = dict(
            origin=origin,
            extensions=extensions,
            subprotocols=subprotocols,
            max_size=max_size,
            logger=logger,
        )
        self.connection_kwargs: dict[str, Any] = dict(
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
        )

    def open_socket(self, deadline: Deadline) -> socket.socket:
        """Open a TCP or Unix connection to the server, possibly through a proxy."""
        kwargs = dict(self.open_socket_kwargs)
        unix: bool = kwargs.pop("unix", False)
        path: PathLike | None = kwargs.pop("path", None)

        if self.sock is not None:
            return self.sock

        if unix:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(deadline.timeout())
                assert path is not None  # checked in __init__
                sock.connect(os.fspath(path))
                sock.settimeout(None)
            except BaseException:
                sock.close()
                raise
            return sock

        proxy = self.proxy
        if proxy is True:
            proxy = get_proxy(self.ws_uri)

        if proxy is None:
            kwargs.setdefault("timeout", deadline.timeout())
            sock = socket.create_connection(
                (self.ws_uri.host, self.ws_uri.port), **kwargs
            )
        else:
            proxy_parsed = parse_proxy(proxy)
            if proxy_parsed.scheme[:5] == "socks":
                sock = connect_socks_proxy(
                    proxy_parsed, self.ws_uri, deadline, **kwargs
                )
            elif proxy_parsed.scheme[:4] == "http":
                if self.proxy_ssl is not None and proxy_parsed.scheme != "https":
                    raise ValueError(
                        "proxy_ssl argument is incompatible with an http:// proxy"
                    )
                sock = connect_http_proxy(
                    proxy_parsed,
                    self.ws_uri,
                    deadline,
                    user_agent_header=self.user_agent_header,
                    ssl=self.proxy_ssl,
                    server_hostname=self.proxy_server_hostname,
                    **kwargs,
                )
            else:  # pragma: no cover
                raise AssertionError("parse_proxy returned unsupported proxy")
        sock.settimeout(None)
        return sock

    def enable_tls(self, sock: socket.socket, deadline: Deadline) -> socket.socket:
        """Enable TLS on the connection."""
        ssl = self.ssl
        if ssl is None:
            ssl = ssl_module.create_default_context()
        server_hostname = self.server_hostname
        if server_hostname is None:
            server_hostname = self.ws_uri.host
        sock.settimeout(deadline.timeout())
        if isinstance(sock, ssl_module.SSLSocket):
            # Through an https:// proxy: TLS to the server inside TLS to the
            # proxy, which the ssl module can't do with sockets.
            sock = cast(
                socket.socket,
                SSLSSLSocket(sock, ssl, server_hostname=server_hostname),
            )
        else:
            sock = ssl.wrap_socket(sock, server_hostname=server_hostname)
        sock.settimeout(None)
        return sock

    def open_connection(self, deadline: Deadline) -> ClientConnection:
        """Create a WebSocket connection."""
        sock = self.open_socket(deadline)
        try:
            # Disable Nagle algorithm: messages are written in one call each.
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)

            if self.ws_uri.secure:
                sock = self.enable_tls(sock, deadline)

            protocol = ClientProtocol(self.ws_uri, **self.protocol_kwargs)
            connection = self.create_connection(
                sock, protocol, **self.connection_kwargs
            )
        except Exception:
            # A socket received from the caller stays the caller's.
            if self.sock is None:
                sock.close()
            raise

        try:
            connection.handshake(
                self.additional_headers,
                self.user_agent_header,
                deadline.timeout(),
            )
        except Exception:
            connection.close_socket()
            connection.recv_events_thread.join()
            raise
        return connection

    def process_redirect(self, exc: Exception) -> Exception | str:
        """
        Determine whether a connection error is a redirect that can be followed.

        Return the new URI if it's a valid redirect. Else, return an exception.

        """
        return _redirect_target(
            self.uri,
            exc,
            preexisting_socket=self.sock is not None,
            unix=self.open_socket_kwargs.get("unix", False),
            # socket.create_connection() takes no host or port here.
            explicit_host_or_port=False,
        )

    def connect(self) -> ClientConnection:
        """Connect to a WebSocket server, following redirects."""
        deadline = Deadline(self.open_timeout)
        for _ in range(MAX_REDIRECTS):
            try:
                connection = self.open_connection(deadline)
            except Exception as exc:
                uri_or_exc = self.process_redirect(exc)
                # Response isn't a valid redirect; raise the exception.
                if uri_or_exc is exc:
                    raise
                if not isinstance(uri_or_exc, str):
                    raise uri_or_exc from exc
                # Response is a valid redirect; follow it.
                new_ws_uri = parse_uri(uri_or_exc)
                if _is_cross_origin(self.ws_uri, new_ws_uri):
                    # Don't hand the credentials to another origin.
                    self.additional_headers = _strip_credentials(
                        self.additional_headers
                    )
                self.uri, self.ws_uri = uri_or_exc, new_ws_uri
                continue
            connection.start_keepalive()
            return connection
        raise SecurityError(f"more than {MAX_REDIRECTS} redirects")

    def __enter__(self) -> ClientConnection:
        self.connection = self.connect()
        return self.connection.__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        exc_traceback: TracebackType | None,
    ) -> None:
        assert self.connection is not None
        self.connection.__exit__(exc_type, exc_value, exc_traceback)

    def __iter__(self) -> Iterator[ClientConnection]:
        logger = self.logger
        delays: Generator[float] | None = None
        while True:
            try:
                connection = self.connect()
            except Exception as exc:
                new_exc = self.process_exception(exc)
                # Raising an exception that isn't exc breaks the link with
                # the original error unless we chain it explicitly.
                if new_exc is exc:
                    raise
                if new_exc is not None:
                    raise new_exc from exc
                if delays is None:
                    delays = self.reconnect_delays()
                delay = next(delays)
                logger.info(
                    "connect failed; reconnecting in %.1f seconds: %s",
                    delay,
                    # Format the exception like traceback does, with the
                    # module of the exception class, like websockets.
                    "".join(traceback.format_exception_only(type(exc), exc)).strip(),
                )
                time.sleep(delay)
                continue
            delays = None
            with connection:
                yield connection


def unix_reconnect(
    path: PathLike | None = None,
    uri: str | None = None,
    **kwargs: Any,
) -> reconnect:
    """
    Similar to :func:`unix_connect`, with support for automatic reconnection.

    This function accepts the same keyword arguments as :func:`reconnect`.

    It's only available on Unix.

    Args:
        path: File system path to the Unix socket.
        uri: URI of the WebSocket server. ``uri`` defaults to
            ``ws://localhost/`` or, when a ``ssl`` is provided, to
            ``wss://localhost/``.

    """
    if uri is None:
        if kwargs.get("ssl") is None and kwargs.get("ssl_context") is None:
            uri = "ws://localhost/"
        else:
            uri = "wss://localhost/"
    return reconnect(uri, unix=True, path=path, **kwargs)
