"""
:mod:`asyncio` WebSocket clients: :func:`connect`, :func:`unix_connect` and
:class:`ClientConnection`.

"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import traceback
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Sequence,
)
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

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
    InvalidProxyMessage as InvalidProxyMessage,
    InvalidProxyStatus as InvalidProxyStatus,
    InvalidStatus as InvalidStatus,
    ProxyError,
    SecurityError,
)
from ..extensions.base import ClientExtensionFactory as ClientExtensionFactory
from ..extensions.permessage_deflate import (
    enable_client_permessage_deflate as enable_client_permessage_deflate,
)
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
from ..typing import LoggerLike, Origin, PathLike as PathLike, Subprotocol
from ..uri import WebSocketURI, parse_uri
from .connection import Connection
from .tls import open_connection as open_tls_connection, start_tls, use_builtin_tls


if TYPE_CHECKING:
    from ..extensions.base import ClientExtensionFactory


__all__ = ["connect", "unix_connect", "ClientConnection"]

MAX_REDIRECTS = int(os.environ.get("WEBSOCKETS_MAX_REDIRECTS", "10"))


class ClientConnection(Connection):
    """
    :mod:`asyncio` implementation of a WebSocket client connection.

    :class:`ClientConnection` provides :meth:`recv` and :meth:`send`
    coroutines for receiving and sending messages.

    It supports asynchronous iteration to receive messages::

        async for message in websocket:
            await process(message)

    The iterator exits normally when the connection is closed with code
    1000 (OK) or 1001 (going away) or without a close code. It raises a
    :exc:`~websockets.exceptions.ConnectionClosedError` when the connection
    is closed with any other code.

    The ``ping_interval``, ``ping_timeout``, ``close_timeout``,
    ``max_queue``, and ``write_limit`` arguments have the same meaning as in
    :func:`connect`.

    Args:
        protocol: Sans-I/O connection.

    """

    def __init__(
        self,
        protocol: ClientProtocol,
        *,
        ping_interval: float | None = 20,
        ping_timeout: float | None = 20,
        close_timeout: float | None = 10,
        max_queue: int | None | tuple[int | None, int | None] = 16,
        write_limit: int | tuple[int, int | None] = 2**15,
    ) -> None:
        self.protocol: ClientProtocol
        super().__init__(
            protocol,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_queue=max_queue,
            write_limit=write_limit,
        )
        self.response_rcvd: asyncio.Future[None] = self.loop.create_future()

    async def handshake(
        self,
        additional_headers: HeadersLike | None = None,
        user_agent_header: str | None = USER_AGENT,
    ) -> None:
        """
        Perform the opening handshake.

        """
        # Build the request first: an invalid header value raises
        # InvalidHeaderValue here, like in websockets, rather than failing
        # the connection from within send_context().
        request = _build_handshake_request(
            self.protocol, additional_headers, user_agent_header
        )
        async with self.send_context(expected_state=CONNECTING):
            self.protocol.send_request(request)
            self.request = request

        await asyncio.shield(self.response_rcvd)

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
            self.response_rcvd.set_result(None)
        # Later events - frames.
        else:
            super().process_event(event)

    def connection_lost(self, exc: Exception | None) -> None:
        try:
            super().connection_lost(exc)
        finally:
            # If the connection is closed during the handshake, unblock it.
            if not self.response_rcvd.done():
                self.response_rcvd.set_result(None)


# This is spelled in lower case because it's exposed as a callable in the API.
class connect:
    """
    Connect to the WebSocket server at ``uri``.

    This coroutine returns a :class:`ClientConnection` instance, which you can
    use to send and receive messages.

    :func:`connect` may be used as an asynchronous context manager::

        from websockets.asyncio.client import connect

        async with connect(...) as websocket:
            ...

    The connection is closed automatically when exiting the context.

    :func:`connect` can be used as an infinite asynchronous iterator to
    reconnect automatically on errors::

        async for websocket in connect(...):
            try:
                ...
            except websockets.exceptions.ConnectionClosed:
                continue

    If the connection fails with a transient error, it is retried with
    exponential backoff. If it fails with a fatal error, the exception is
    raised, breaking out of the loop.

    The connection is closed automatically after each iteration of the loop.

    Args:
        uri: URI of the WebSocket server.
        origin: Value of the ``Origin`` header, for servers that require it.
        extensions: List of supported extensions, in order in which they
            should be negotiated and run.
        subprotocols: List of supported subprotocols, in order of decreasing
            preference.
        compression: The "permessage-deflate" extension is enabled by default.
            Set ``compression`` to :obj:`None` to disable it. See the
            :doc:`compression guide <../../topics/compression>` for details.
        additional_headers (HeadersLike | None): Arbitrary HTTP headers to add
            to the handshake request.
        user_agent_header: Value of  the ``User-Agent`` request header.
            It defaults to ``"Python/x.y.z websockets/X.Y"``.
            Setting it to :obj:`None` removes the header.
        proxy: If a proxy is configured, it is used by default. Set ``proxy``
            to :obj:`None` to disable the proxy or to the address of a proxy
            to override the system configuration. See the :doc:`proxy docs
            <../../topics/proxies>` for details.
        process_exception: When reconnecting automatically, tell whether an
            error is transient or fatal. The default behavior is defined by
            :func:`process_exception`. Refer to its documentation for details.
        open_timeout: Timeout for opening the connection in seconds.
            :obj:`None` disables the timeout.
        ping_interval: Interval between keepalive pings in seconds.
            :obj:`None` disables keepalive.
        ping_timeout: Timeout for keepalive pings in seconds.
            :obj:`None` disables timeouts.
        close_timeout: Timeout for closing the connection in seconds.
            :obj:`None` disables the timeout.
        reconnect_delays: Generator of delays between reconnection attempts;
            it defaults to an exponential backoff.
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
        logger: Logger for this client.
            It defaults to ``logging.getLogger("websockets.client")``.
            See the :doc:`logging guide <../../topics/logging>` for details.
        create_connection: Factory for the :class:`ClientConnection` managing
            the connection. Set it to a wrapper or a subclass to customize
            connection handling.

    Any other keyword arguments are passed to the event loop's
    :meth:`~asyncio.loop.create_connection` method.

    For example:

    * You can set ``ssl`` to a :class:`~ssl.SSLContext` to enforce TLS settings.
      When connecting to a ``wss://`` URI, if ``ssl`` isn't provided, a TLS
      context is created with :func:`~ssl.create_default_context`.

    * You can set ``server_hostname`` to override the host name from ``uri`` in
      the TLS handshake.

    * You can set ``host`` and ``port`` to connect to a different host and port
      from those found in ``uri``. This only changes the destination of the TCP
      connection. The host name from ``uri`` is still used in the TLS handshake
      for secure connections and in the ``Host`` header.

    * You can set ``sock`` to provide a preexisting TCP socket. You may call
      :func:`socket.create_connection` (not to be confused with the event loop's
      :meth:`~asyncio.loop.create_connection` method) to create a suitable
      client socket and customize it.

    When using a proxy:

    * Prefix keyword arguments with ``proxy_`` for configuring TLS between the
      client and an HTTPS proxy: ``proxy_ssl``, ``proxy_server_hostname``,
      ``proxy_ssl_handshake_timeout``, and ``proxy_ssl_shutdown_timeout``.
    * Use the standard keyword arguments for configuring TLS between the proxy
      and the WebSocket server: ``ssl``, ``server_hostname``,
      ``ssl_handshake_timeout``, and ``ssl_shutdown_timeout``.
    * Other keyword arguments are used only for connecting to the proxy.

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
        # WebSocket
        origin: Origin | None = None,
        extensions: Sequence[ClientExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        compression: str | None = "deflate",
        # HTTP
        additional_headers: HeadersLike | None = None,
        user_agent_header: str | None = USER_AGENT,
        proxy: str | Literal[True] | None = True,
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
        write_limit: int | tuple[int, int | None] = 2**15,
        # Logging
        logger: LoggerLike | None = None,
        # Escape hatch for advanced customization
        create_connection: type[ClientConnection] | None = None,
        # Other keyword arguments are passed to loop.create_connection
        **kwargs: Any,
    ) -> None:
        self.uri = uri

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

        def protocol_factory(uri: WebSocketURI) -> ClientConnection:
            # This is a protocol in the Sans-I/O implementation of websockets.
            protocol = ClientProtocol(
                uri,
                origin=origin,
                extensions=extensions,
                subprotocols=subprotocols,
                max_size=max_size,
                logger=logger,
            )
            # This is a connection in the asyncio implementation of websockets.
            connection = create_connection(
                protocol,
                ping_interval=ping_interval,
                ping_timeout=ping_timeout,
                close_timeout=close_timeout,
                max_queue=max_queue,
                write_limit=write_limit,
            )
            return connection

        self.proxy = proxy
        self.protocol_factory = protocol_factory
        self.additional_headers = additional_headers
        # Whether an "async with" block is using this object.
        self.entered = False
        self.user_agent_header = user_agent_header
        self.process_exception = process_exception
        self.open_timeout = open_timeout
        self.reconnect_delays = reconnect_delays
        self.logger = logger
        self.connection_kwargs = kwargs

    async def create_connection(self) -> ClientConnection:
        """Create TCP or Unix connection."""
        return await self.open_tcp_connection()

    async def open_tcp_connection(self) -> ClientConnection:
        """Create TCP or Unix connection."""
        loop = asyncio.get_running_loop()
        kwargs = self.connection_kwargs.copy()

        ws_uri = parse_uri(self.uri)

        proxy = self.proxy
        if kwargs.get("unix", False):
            proxy = None
        if kwargs.get("sock") is not None:
            proxy = None
        if proxy is True:
            proxy = get_proxy(ws_uri)

        def factory() -> ClientConnection:
            return self.protocol_factory(ws_uri)

        if ws_uri.secure:
            kwargs.setdefault("ssl", True)
            kwargs.setdefault("server_hostname", ws_uri.host)
            if kwargs.get("ssl") is None:
                raise ValueError("ssl=None is incompatible with a wss:// URI")
        else:
            if kwargs.get("ssl") is not None:
                raise ValueError("ssl argument is incompatible with a ws:// URI")

        if kwargs.pop("unix", False):
            if use_builtin_tls(loop, kwargs.get("ssl")):
                connection = await open_tls_connection(
                    loop, factory, unix=True, **kwargs
                )
            else:
                _, connection = await loop.create_unix_connection(factory, **kwargs)
        elif proxy is not None:
            proxy_parsed = parse_proxy(proxy)
            if proxy_parsed.scheme[:5] == "socks":
                # Connect to the server through the proxy.
                sock = await connect_socks_proxy(proxy_parsed, ws_uri, **kwargs)
                # Initialize WebSocket connection via the proxy.
                tls_kwargs = {k: v for k, v in kwargs.items() if k in TLS_KWARGS}
                if use_builtin_tls(loop, tls_kwargs.get("ssl")):
                    connection = await open_tls_connection(
                        loop, factory, sock=sock, **tls_kwargs
                    )
                else:
                    _, connection = await loop.create_connection(
                        factory, sock=sock, **tls_kwargs
                    )
            elif proxy_parsed.scheme[:4] == "http":
                # Split keyword arguments between the proxy and the server.
                all_kwargs, proxy_kwargs, kwargs = kwargs, {}, {}
                for key, value in all_kwargs.items():
                    if key.startswith("ssl") or key == "server_hostname":
                        kwargs[key] = value
                    elif key.startswith("proxy_"):
                        proxy_kwargs[key[6:]] = value
                    else:
                        proxy_kwargs[key] = value
                # Validate the proxy_ssl argument.
                if proxy_parsed.scheme == "https":
                    proxy_kwargs.setdefault("ssl", True)
                    if proxy_kwargs.get("ssl") is None:
                        raise ValueError(
                            "proxy_ssl=None is incompatible with an https:// proxy"
                        )
                else:
                    if proxy_kwargs.get("ssl") is not None:
                        raise ValueError(
                            "proxy_ssl argument is incompatible with an http:// proxy"
                        )
                # Connect to the server through the proxy.
                transport = await connect_http_proxy(
                    proxy_parsed,
                    ws_uri,
                    user_agent_header=self.user_agent_header,
                    **proxy_kwargs,
                )
                # Bytes received after the proxy's response belong to the
                # tunnel; the proxy protocol paused reading to keep them.
                proxy_protocol = transport.get_protocol()
                assert isinstance(proxy_protocol, HTTPProxyConnection)
                leftover = proxy_protocol.parser.leftover
                # Initialize WebSocket connection via the proxy.
                connection = factory()
                transport.set_protocol(connection)
                ssl = kwargs.pop("ssl", None)
                if ssl is True:
                    import ssl as ssl_module

                    ssl = ssl_module.create_default_context()
                if use_builtin_tls(loop, ssl):
                    # TLS inside the connection; it calls connection_made().
                    await start_tls(
                        transport, connection, ssl, leftover=leftover, **kwargs
                    )
                elif ssl is not None:
                    # start_tls resumes reading once the TLS layer is ready.
                    new_transport = await loop.start_tls(
                        transport, connection, ssl, **kwargs
                    )
                    assert new_transport is not None  # help mypy
                    transport = new_transport
                    connection.connection_made(transport)
                else:
                    connection.connection_made(transport)
                    if leftover:
                        connection.data_received(leftover)
                    transport.resume_reading()
            else:
                raise AssertionError("unsupported proxy")
        else:
            # Connect to the server directly.
            if kwargs.get("sock") is None:
                kwargs.setdefault("host", ws_uri.host)
                kwargs.setdefault("port", ws_uri.port)
            # Initialize WebSocket connection.
            if use_builtin_tls(loop, kwargs.get("ssl")):
                connection = await open_tls_connection(loop, factory, **kwargs)
            else:
                _, connection = await loop.create_connection(factory, **kwargs)
        return connection

    def process_redirect(self, exc: Exception) -> Exception | str:
        """
        Determine whether a connection error is a redirect that can be followed.

        Return the new URI if it's a valid redirect. Else, return an exception.

        """
        return _redirect_target(
            self.uri,
            exc,
            preexisting_socket=self.connection_kwargs.get("sock") is not None,
            unix=self.connection_kwargs.get("unix", False),
            explicit_host_or_port=(
                self.connection_kwargs.get("host") is not None
                or self.connection_kwargs.get("port") is not None
            ),
        )

    # ... = await connect(...)

    def __await__(self) -> Generator[Any, None, ClientConnection]:
        # Create a suitable iterator by calling __await__ on a coroutine.
        return self.__await_impl__().__await__()

    async def __await_impl__(self) -> ClientConnection:
        try:
            if self.open_timeout is None:
                connection = await self._open()
            else:
                # Once per connection, so asyncio.wait_for is affordable here.
                connection = await asyncio.wait_for(self._open(), self.open_timeout)
        except (TimeoutError, asyncio.TimeoutError) as exc:
            # Re-raise exception with an informative error message.
            raise TimeoutError("timed out during opening handshake") from exc
        # Start keepalive just before the caller resumes: a keepalive() task
        # runs after the caller's next step, like in websockets.
        connection.start_keepalive()
        return connection

    async def _connect(self) -> ClientConnection:
        """
        Open a connection and perform the opening handshake.

        Follow redirects, up to a limit, by opening a new connection to the
        new URI. Then start keepalive and return the connection.

        Unlike ``await connect(...)``, this doesn't enforce ``open_timeout``.
        It's also available as :meth:`connect` for compatibility with code
        written for websockets < 14.

        Raises:
            InvalidHandshake: If the opening handshake fails or if there are
                too many redirects.
            OSError: If the TCP connection fails.

        """
        connection = await self._open()
        connection.start_keepalive()
        return connection

    async def _open(self) -> ClientConnection:
        # _connect() without starting keepalive.
        for _ in range(MAX_REDIRECTS):
            self.connection = await self.create_connection()
            try:
                await self.connection.handshake(
                    self.additional_headers,
                    self.user_agent_header,
                )
            except asyncio.CancelledError:
                self.connection.transport.abort()
                raise
            except Exception as exc:
                # Always close the connection even though keep-alive is
                # the default in HTTP/1.1 because create_connection ties
                # opening the network connection with initializing the
                # protocol. In the current design of connect(), there is
                # no easy way to reuse the network connection that works
                # in every case nor to reinitialize the protocol.
                self.connection.transport.abort()

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
                return self.connection
        else:
            raise SecurityError(f"more than {MAX_REDIRECTS} redirects")

    # Alias for compatibility with code written for websockets < 14.
    connect = _connect

    # async with connect(...) as ...: ...

    async def __aenter__(self) -> ClientConnection:
        # Like websockets: a connect() object is one context at a time. It
        # may be entered again after exiting it.
        if self.entered:
            raise RuntimeError("connect() isn't reentrant")
        connection = await self
        self.entered = True
        return connection

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Same as ClientConnection.__aexit__: an exception in the body closes
        # the connection with 1011 (internal error).
        self.entered = False
        await self.connection.__aexit__(exc_type, exc_value, traceback)

    # async for ... in connect(...):

    async def __aiter__(self) -> AsyncIterator[ClientConnection]:
        # aclosing() closes the loop, thus the connection, when iteration
        # stops early, e.g. on break, like a single generator would.
        async with contextlib.aclosing(
            _reconnect_loop(self, asyncio.sleep)
        ) as connections:
            async for connection in connections:
                yield connection


async def _reconnect_loop(
    client: Any,
    sleep: Callable[[float], Awaitable[None]],
) -> AsyncGenerator[Any, None]:
    """
    Connect, yield the connection, and connect again, with backoff on errors.

    This is ``async for ... in connect(...)``, for the asyncio and trio
    clients: ``client`` is their ``connect`` object, which provides the
    connection with ``async with`` and the ``process_exception``,
    ``reconnect_delays`` and ``logger`` attributes; ``sleep`` waits between
    attempts.

    """
    delays: Generator[float] | None = None
    while True:
        try:
            async with client as connection:
                yield connection
        except Exception as exc:
            # Determine whether the exception is retryable or fatal.
            # The API of process_exception is "return an exception or None";
            # "raise an exception" is also supported because it's a frequent
            # mistake. It isn't documented in order to keep the API simple.
            try:
                new_exc = client.process_exception(exc)
            except Exception as raised_exc:
                new_exc = raised_exc

            # The connection failed with a fatal error.
            # Raise the exception and exit the loop.
            if new_exc is exc:
                raise
            if new_exc is not None:
                raise new_exc from exc

            # The connection failed with a retryable error.
            # Start or continue backoff and reconnect.
            if delays is None:
                delays = client.reconnect_delays()
            delay = next(delays)
            client.logger.info(
                "connect failed; reconnecting in %.1f seconds: %s",
                delay,
                "".join(traceback.format_exception_only(type(exc), exc)).strip(),
            )
            await sleep(delay)
            continue

        else:
            # The connection succeeded. Reset backoff.
            delays = None


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
# proxies; the functions below move the bytes with asyncio.

# Keyword arguments of loop.create_connection() that configure TLS with the
# server. With a SOCKS proxy, they apply to the tunnelled connection only.
TLS_KWARGS = {"ssl", "server_hostname", "ssl_handshake_timeout", "ssl_shutdown_timeout"}


async def connect_socks_proxy(
    proxy: Proxy,
    ws_uri: WebSocketURI,
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
    from python_socks.async_.asyncio import (  # type: ignore[import-not-found, unused-ignore]
        Proxy as SocksProxy,
    )

    socks_proxy = SocksProxy(**socks_kwargs)
    # connect() is documented to raise OSError; it doesn't raise TimeoutError
    # but gets canceled by open_timeout. Other exceptions, such as
    # python-socks' ProxyError, become a ProxyError, a subclass of
    # InvalidHandshake.
    kwargs = {k: v for k, v in kwargs.items() if k not in TLS_KWARGS}
    try:
        sock: socket.socket = await socks_proxy.connect(
            ws_uri.host, ws_uri.port, **kwargs
        )
        return sock
    except OSError:
        raise
    except Exception as exc:
        raise ProxyError("failed to connect to SOCKS proxy") from exc


class HTTPProxyConnection(asyncio.Protocol):
    """
    :mod:`asyncio` protocol opening a tunnel through an HTTP proxy.

    It sends a ``CONNECT`` request (:rfc:`9110#section-9.3.6`) and parses the
    response with :class:`~websockets.proxy.ProxyConnectParser`. Once the
    tunnel is open, the transport is handed to the WebSocket connection.

    """

    def __init__(
        self,
        ws_uri: WebSocketURI,
        proxy: Proxy,
        user_agent_header: str | None = None,
    ):
        self.ws_uri = ws_uri
        self.proxy = proxy
        self.user_agent_header = user_agent_header

        self.parser = ProxyConnectParser()
        # Input that run_parser() hasn't fed to the parser yet.
        self.pending: list[bytes] = []
        self.eof = False

        loop = asyncio.get_running_loop()
        self.response: asyncio.Future[Response] = loop.create_future()

    def run_parser(self) -> None:
        """Feed pending input to the parser; resolve :attr:`response` when done."""
        if self.response.done():
            return
        response: Response | None = None
        try:
            while self.pending and response is None:
                response = self.parser.receive_data(self.pending.pop(0))
            if response is None and self.eof:
                response = self.parser.receive_eof()
        except Exception as exc:
            self.response.set_exception(exc)
        else:
            if response is not None:
                self.response.set_result(response)
                # Stop reading until the WebSocket connection takes over the
                # transport, so that no bytes of the tunnel are lost.
                self.transport.pause_reading()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.transport.write(
            prepare_connect_request(self.proxy, self.ws_uri, self.user_agent_header)
        )

    def data_received(self, data: bytes) -> None:
        self.pending.append(data)
        self.run_parser()

    def eof_received(self) -> None:
        self.eof = True
        self.run_parser()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is None:
            self.eof = True
            self.run_parser()
        elif not self.response.done():
            self.response.set_exception(exc)


async def connect_http_proxy(
    proxy: Proxy,
    ws_uri: WebSocketURI,
    *,
    user_agent_header: str | None = None,
    **kwargs: Any,
) -> asyncio.Transport:
    """
    Open a tunnel through an HTTP proxy and return its transport.

    Raises:
        OSError: If the connection to the proxy fails.
        InvalidProxyMessage: If the proxy doesn't send a valid HTTP response.
        InvalidProxyStatus: If the proxy rejects the ``CONNECT`` request.

    """
    transport, protocol = await asyncio.get_running_loop().create_connection(
        lambda: HTTPProxyConnection(ws_uri, proxy, user_agent_header),
        proxy.host,
        proxy.port,
        **kwargs,
    )

    try:
        # This raises exceptions if the connection to the proxy fails.
        await protocol.response
    except BaseException:
        transport.close()
        raise

    return transport
