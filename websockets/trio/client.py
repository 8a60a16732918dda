"""
:mod:`trio` WebSocket clients: :func:`connect`, :func:`unix_connect` and
:class:`ClientConnection`.

"""

from __future__ import annotations

import logging
import os
import ssl as ssl_module
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import trio

from ..asyncio.client import _reconnect_loop, connect as _asyncio_connect
from ..client import (
    ClientProtocol,
    _is_cross_origin,
    _send_handshake_request,
    _strip_credentials,
    backoff,
    process_exception,
)
from ..datastructures import HeadersLike
from ..exceptions import ProxyError, SecurityError
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
from ..typing import LoggerLike, Origin, Subprotocol
from ..uri import WebSocketURI, parse_uri
from .connection import Connection


if TYPE_CHECKING:
    from ..extensions.base import ClientExtensionFactory

    PathLike = str | os.PathLike[str]


__all__ = ["connect", "unix_connect", "ClientConnection"]

MAX_REDIRECTS = int(os.environ.get("WEBSOCKETS_MAX_REDIRECTS", "10"))


class ClientConnection(Connection):
    """
    :mod:`trio` implementation of a WebSocket client connection.

    :class:`ClientConnection` provides :meth:`recv` and :meth:`send` coroutines
    for receiving and sending messages.

    It supports asynchronous iteration to receive messages::

        async for message in websocket:
            await process(message)

    The iterator exits normally when the connection is closed with close code
    1000 (OK) or 1001 (going away) or without a close code. It raises a
    :exc:`~websockets.exceptions.ConnectionClosedError` when the connection is
    closed with any other code.

    The ``ping_interval``, ``ping_timeout``, ``close_timeout``, and
    ``max_queue`` arguments have the same meaning as in :func:`connect`.

    Args:
        nursery: Trio nursery.
        stream: Trio stream connected to a WebSocket server.
        protocol: Sans-I/O connection.

    """

    def __init__(
        self,
        nursery: trio.Nursery,
        stream: trio.abc.Stream,
        protocol: ClientProtocol,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | None | tuple[int | None, int | None] = 16,
    ) -> None:
        self.protocol: ClientProtocol
        # Set before Connection.__init__ starts recv_events().
        self.response_rcvd = trio.Event()
        super().__init__(
            nursery,
            stream,
            protocol,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
        )

    async def handshake(
        self,
        additional_headers: HeadersLike | None = None,
        user_agent_header: str | None = USER_AGENT,
    ) -> None:
        """
        Perform the opening handshake.

        """
        async with self.send_context(expected_state=CONNECTING):
            self.request = _send_handshake_request(
                self.protocol, additional_headers, user_agent_header
            )

        await self.response_rcvd.wait()

        # self.protocol.handshake_exc is set when the connection is lost before
        # receiving a response, when the response cannot be parsed, or when the
        # response fails the handshake.

        if self.protocol.handshake_exc is not None:
            raise self.protocol.handshake_exc

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

    async def close_stream(self) -> None:
        # If the connection is closed during the handshake, unblock it.
        self.response_rcvd.set()
        await super().close_stream()


# This is spelled in lower case because it's exposed as a callable in the API.
class connect:
    """
    Connect to the WebSocket server at ``uri``.

    :func:`connect` should be treated as an asynchronous context manager
    yielding a :class:`ClientConnection`, which can then receive and send
    messages::

        from websockets.trio.client import connect

        async with connect(...) as websocket:
            ...

    The connection is closed automatically when exiting the context.

    :func:`connect` can also be treated as an infinite asynchronous iterator
    to reconnect automatically on errors::

        async for websocket in connect(...):
            try:
                ...
            except websockets.exceptions.ConnectionClosed:
                continue

    If the connection fails with a transient error, it is retried with
    exponential backoff. If it fails with a fatal error, the exception is
    raised, breaking out of the loop.

    The connection is closed automatically after each iteration of the loop.

    :func:`connect` cannot be awaited directly. This is because it runs a task
    to manage the connection and Trio doesn't support spawning tasks without a
    context that ensures completion.

    Args:
        uri: URI of the WebSocket server.
        stream: Preexisting TCP stream. ``stream`` overrides the host and port
            from ``uri``. You may call :func:`~trio.open_tcp_stream` to create a
            suitable TCP stream.
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
            to override the system configuration. See the :doc:`proxy docs
            <../../topics/proxies>` for details.
        proxy_ssl: Configuration for enabling TLS on the proxy connection.
        proxy_server_hostname: Host name for the TLS handshake with the proxy.
            ``proxy_server_hostname`` overrides the host name from ``proxy``.
        process_exception: When reconnecting automatically, tell whether an
            error is transient or fatal. Refer to the documentation of
            :func:`~websockets.sync.client.process_exception` for the default
            behavior.
        open_timeout: Timeout for opening the connection in seconds.
            :obj:`None` disables the timeout.
        ping_interval: Interval between keepalive pings in seconds.
            :obj:`None` disables keepalive.
        ping_timeout: Timeout for keepalive pings in seconds.
            :obj:`None` disables timeouts.
        close_timeout: Timeout for closing the connection in seconds.
            :obj:`None` disables the timeout.
        reconnect_delays: Delays in seconds between reconnection attempts.
            Default is exponential backoff with 5s jitter, capped at 60s.
        max_size: Maximum size of incoming messages in bytes.
            :obj:`None` disables the limit. You may pass a ``(max_message_size,
            max_fragment_size)`` tuple to set different limits for messages and
            fragments when you expect long messages sent in short fragments.
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

    Any other keyword arguments are passed to :func:`~trio.open_tcp_stream`.
    For example, you can set ``host`` and ``port`` to connect to a different
    host and port from those found in ``uri``. This only changes the destination
    of the TCP connection. The host name from ``uri`` is still used in the TLS
    handshake for secure connections and in the ``Host`` header.

    Raises:
        InvalidURI: If ``uri`` isn't a valid WebSocket URI.
        InvalidProxy: If ``proxy`` isn't a valid proxy.
        OSError: If the TCP connection fails.
        InvalidHandshake: If the opening handshake fails.
        TimeoutError: If the opening handshake times out.

    """

    def __init__(
        self,
        uri: str,
        *,
        # TCP/TLS
        stream: trio.abc.Stream | None = None,
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
        # Other keyword arguments are passed to trio.open_tcp_stream
        **kwargs: Any,
    ) -> None:
        self.uri = uri

        ws_uri = parse_uri(uri)
        if not ws_uri.secure and ssl is not None:
            raise ValueError("ssl argument is incompatible with a ws:// URI")

        if subprotocols is not None:
            validate_subprotocols(subprotocols)

        if compression == "deflate":
            from ..extensions.permessage_deflate import (
                enable_client_permessage_deflate,
            )

            extensions = enable_client_permessage_deflate(extensions)
        elif compression is not None:
            raise ValueError(f"unsupported compression: {compression}")

        if logger is None:
            logger = logging.getLogger("websockets.client")

        if create_connection is None:
            create_connection = ClientConnection

        if isinstance(max_size, tuple):
            # The Sans-I/O protocol enforces a message limit, which bounds
            # every fragment too; see websockets.sync.client.
            max_size = max_size[0]

        self.stream = stream
        self.preexisting_stream = stream is not None
        self.ssl = ssl
        self.server_hostname = server_hostname
        self.origin = origin
        self.extensions = extensions
        self.subprotocols = subprotocols
        self.additional_headers = additional_headers
        self.user_agent_header = user_agent_header
        self.proxy = proxy
        self.proxy_ssl = proxy_ssl
        self.proxy_server_hostname = proxy_server_hostname
        self.process_exception = process_exception
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.close_timeout = close_timeout
        self.reconnect_delays = reconnect_delays
        self.max_size = max_size
        self.max_queue = max_queue
        self.logger = logger
        self.create_connection = create_connection
        self.connection_kwargs = kwargs

    async def open_tcp_stream(self) -> trio.abc.Stream:
        """Open a TCP or Unix connection to the server, possibly through a proxy."""
        kwargs = self.connection_kwargs.copy()
        ws_uri = parse_uri(self.uri)

        if self.stream is not None:
            # A preexisting stream can serve only one connection attempt.
            stream, self.stream = self.stream, None
            return stream

        if kwargs.pop("unix", False):
            return await trio.open_unix_socket(kwargs.pop("path"))

        proxy = self.proxy
        if proxy is True:
            proxy = get_proxy(ws_uri)
        if proxy is None:
            kwargs.setdefault("host", ws_uri.host)
            kwargs.setdefault("port", ws_uri.port)
            return await trio.open_tcp_stream(**kwargs)

        proxy_parsed = parse_proxy(proxy)
        if proxy_parsed.scheme[:5] == "socks":
            return await connect_socks_proxy(proxy_parsed, ws_uri, **kwargs)
        # parse_proxy accepts only socks* and http(s) schemes.
        return await connect_http_proxy(
            proxy_parsed,
            ws_uri,
            user_agent_header=self.user_agent_header,
            proxy_ssl=self.proxy_ssl,
            proxy_server_hostname=self.proxy_server_hostname,
            **kwargs,
        )

    async def enable_tls(self, stream: trio.abc.Stream) -> trio.abc.Stream:
        """Enable TLS on the connection."""
        ssl = self.ssl
        if ssl is None:
            ssl = ssl_module.create_default_context()
        server_hostname = self.server_hostname
        if server_hostname is None:
            server_hostname = parse_uri(self.uri).host
        ssl_stream = trio.SSLStream(stream, ssl, server_hostname=server_hostname)
        await ssl_stream.do_handshake()
        return ssl_stream

    async def open_connection(self, nursery: trio.Nursery) -> ClientConnection:
        """Create a WebSocket connection."""
        ws_uri = parse_uri(self.uri)
        stream = await self.open_tcp_stream()
        try:
            if ws_uri.secure:
                stream = await self.enable_tls(stream)
        except BaseException:
            await trio.aclose_forcefully(stream)
            raise

        protocol = ClientProtocol(
            ws_uri,
            origin=self.origin,
            extensions=self.extensions,
            subprotocols=self.subprotocols,
            max_size=self.max_size,
            logger=self.logger,
        )
        return self.create_connection(
            nursery,
            stream,
            protocol,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            close_timeout=self.close_timeout,
            max_queue=self.max_queue,
        )

    def process_redirect(self, exc: Exception) -> Exception | str:
        """
        Determine whether a connection error is a redirect that can be followed.

        Return the new URI if it's a valid redirect. Else, return an exception.

        """
        # The policy is the asyncio client's: it depends only on the URI and
        # on the connection arguments, which have the same names here.
        uri_or_exc = _asyncio_connect.process_redirect(self, exc)  # type: ignore[arg-type]
        # A stream received from the caller is closed and cannot be reused.
        if isinstance(uri_or_exc, str) and self.preexisting_stream:
            return ValueError(
                f"cannot follow redirect to {uri_or_exc} with a preexisting stream"
            )
        return uri_or_exc

    async def connect(self, nursery: trio.Nursery) -> ClientConnection:
        """
        Open a connection and perform the opening handshake.

        Follow redirects, up to a limit, by opening a new connection to the
        new URI. Then start keepalive and return the connection. Its tasks
        run in ``nursery``. ``open_timeout`` bounds the whole operation.

        """
        try:
            with trio.fail_after(
                float("inf") if self.open_timeout is None else self.open_timeout
            ):
                return await self._connect(nursery)
        except trio.TooSlowError as exc:
            # Re-raise exception with an informative error message.
            raise TimeoutError("timed out during opening handshake") from exc

    async def _connect(self, nursery: trio.Nursery) -> ClientConnection:
        for _ in range(MAX_REDIRECTS):
            connection = await self.open_connection(nursery)
            try:
                await connection.handshake(
                    self.additional_headers,
                    self.user_agent_header,
                )
            except BaseException as exc:
                # Abort the connection, which ends its tasks. This doesn't
                # checkpoint, so it also happens on cancellation.
                await connection.close_stream()
                if not isinstance(exc, Exception):
                    raise

                uri_or_exc = self.process_redirect(exc)
                # Response is a valid redirect; follow it.
                if isinstance(uri_or_exc, str):
                    if _is_cross_origin(parse_uri(self.uri), parse_uri(uri_or_exc)):
                        # Don't hand the credentials to another origin.
                        self.additional_headers = _strip_credentials(
                            self.additional_headers
                        )
                    self.uri = uri_or_exc
                    continue
                # Response isn't a valid redirect; raise the exception.
                if uri_or_exc is exc:
                    raise
                else:
                    raise uri_or_exc from exc
            else:
                connection.start_keepalive()
                return connection
        raise SecurityError(f"more than {MAX_REDIRECTS} redirects")

    # async with connect(...) as ...: ...

    async def __aenter_nursery__(self) -> trio.Nursery:
        self.nursery_manager = trio.open_nursery()
        nursery: trio.Nursery = await self.nursery_manager.__aenter__()
        return nursery

    async def __aexit_nursery__(self) -> None:
        # The connection's tasks end when its stream is closed, so the
        # nursery exits promptly. Exceptions of the body propagate as they
        # are rather than wrapped in an ExceptionGroup by the nursery.
        await self.nursery_manager.__aexit__(None, None, None)

    async def __aenter__(self) -> ClientConnection:
        nursery = await self.__aenter_nursery__()
        try:
            self.connection = await self.connect(nursery)
        except BaseException:
            await self.__aexit_nursery__()
            raise
        return self.connection

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            # Like ClientConnection.__aexit__: an exception in the body
            # closes the connection with 1011 (internal error).
            await self.connection.__aexit__(exc_type, exc_value, traceback)
        finally:
            # If closing was canceled, abort the connection.
            await self.connection.close_stream()
            await self.__aexit_nursery__()

    # async for ... in connect(...):

    async def __aiter__(self) -> AsyncIterator[ClientConnection]:
        # The loop is the asyncio client's, with trio's sleep.
        async for connection in _reconnect_loop(self, trio.sleep):
            yield connection


def unix_connect(
    path: PathLike | None = None,
    uri: str | None = None,
    **kwargs: Any,
) -> connect:
    """
    Connect to a WebSocket server listening on a Unix socket.

    This function accepts the same keyword arguments as :func:`connect`.

    It's only available on Unix.

    It's mainly useful for debugging servers listening on Unix sockets.

    Args:
        path: File system path to the Unix socket.
        uri: URI of the WebSocket server. ``uri`` defaults to
            ``ws://localhost/`` or, when a ``ssl`` argument is provided, to
            ``wss://localhost/``.

    """
    if uri is None:
        if kwargs.get("ssl") is None:
            uri = "ws://localhost/"
        else:
            uri = "wss://localhost/"
    return connect(uri=uri, unix=True, path=path, **kwargs)


# Proxies. The Sans-I/O helpers in websockets.proxy find, parse and talk to
# proxies; the functions below move the bytes with trio.


async def connect_socks_proxy(
    proxy: Proxy,
    ws_uri: WebSocketURI,
    **kwargs: Any,
) -> trio.abc.Stream:
    """
    Connect to the server through a SOCKS proxy and return the stream.

    This requires the third-party library python-socks.

    Raises:
        ImportError: If python-socks isn't installed.
        OSError: If the connection to the proxy fails.
        ProxyError: If the proxy refuses to connect to the server.

    """
    # prepare_socks_proxy raises ImportError when python-socks is missing.
    socks_kwargs = prepare_socks_proxy(proxy)
    from python_socks.async_.trio import (  # type: ignore[import-not-found, unused-ignore]
        Proxy as SocksProxy,
    )

    socks_proxy = SocksProxy(**socks_kwargs)
    # Other exceptions, such as python-socks' ProxyError, become a
    # ProxyError, a subclass of InvalidHandshake.
    try:
        sock = await socks_proxy.connect(ws_uri.host, ws_uri.port, **kwargs)
    except OSError:
        raise
    except Exception as exc:
        raise ProxyError("failed to connect to SOCKS proxy") from exc
    return trio.SocketStream(sock)


async def read_connect_response(
    stream: trio.abc.Stream,
) -> tuple[Response, bytes]:
    """
    Read the response of an HTTP proxy to a ``CONNECT`` request.

    Returns:
        The response and the bytes received after it, which belong to the
        tunnel.

    Raises:
        InvalidProxyMessage: If the proxy doesn't send a valid HTTP response.
        InvalidProxyStatus: If the proxy rejects the ``CONNECT`` request.

    """
    parser = ProxyConnectParser()
    while True:
        data = await stream.receive_some()
        if not data:
            return parser.receive_eof(), parser.leftover
        response = parser.receive_data(data)
        if response is not None:
            return response, parser.leftover


class PrefixedStream(trio.abc.HalfCloseableStream):
    """
    Stream returning ``prefix`` before reading from ``transport_stream``.

    The response of an HTTP proxy may arrive in the same read as the first
    bytes of the tunnel; they mustn't be lost.

    """

    def __init__(self, transport_stream: trio.abc.Stream, prefix: bytes) -> None:
        self.transport_stream = transport_stream
        self.prefix = prefix

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        if self.prefix:
            await trio.lowlevel.checkpoint()
            if max_bytes is None:
                max_bytes = len(self.prefix)
            data, self.prefix = self.prefix[:max_bytes], self.prefix[max_bytes:]
            return data
        return bytes(await self.transport_stream.receive_some(max_bytes))

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await self.transport_stream.send_all(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self.transport_stream.wait_send_all_might_not_block()

    async def send_eof(self) -> None:
        if isinstance(self.transport_stream, trio.abc.HalfCloseableStream):
            await self.transport_stream.send_eof()
        else:  # pragma: no cover
            await self.transport_stream.aclose()

    async def aclose(self) -> None:
        await self.transport_stream.aclose()


async def connect_http_proxy(
    proxy: Proxy,
    ws_uri: WebSocketURI,
    *,
    user_agent_header: str | None = None,
    proxy_ssl: ssl_module.SSLContext | None = None,
    proxy_server_hostname: str | None = None,
    **kwargs: Any,
) -> trio.abc.Stream:
    """
    Open a tunnel through an HTTP proxy and return its stream.

    Raises:
        OSError: If the connection to the proxy fails.
        InvalidProxyMessage: If the proxy doesn't send a valid HTTP response.
        InvalidProxyStatus: If the proxy rejects the ``CONNECT`` request.

    """
    if proxy.scheme != "https" and proxy_ssl is not None:
        raise ValueError("proxy_ssl argument is incompatible with an http:// proxy")

    stream: trio.abc.Stream = await trio.open_tcp_stream(
        proxy.host, proxy.port, **kwargs
    )
    try:
        if proxy.scheme == "https":
            if proxy_ssl is None:
                proxy_ssl = ssl_module.create_default_context()
            if proxy_server_hostname is None:
                proxy_server_hostname = proxy.host
            stream = trio.SSLStream(
                stream, proxy_ssl, server_hostname=proxy_server_hostname
            )
            await stream.do_handshake()
        await stream.send_all(prepare_connect_request(proxy, ws_uri, user_agent_header))
        _, leftover = await read_connect_response(stream)
    except BaseException:
        await trio.aclose_forcefully(stream)
        raise

    if leftover:
        return PrefixedStream(stream, leftover)
    return stream
