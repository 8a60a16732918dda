"""
Legacy WebSocket client: :func:`connect` and :class:`WebSocketClientProtocol`,
built on :mod:`websockets.asyncio.client`.

"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import random
import urllib.parse
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from ..asyncio.client import ClientConnection
from ..client import ClientProtocol
from ..datastructures import Headers as Headers, HeadersLike
from ..exceptions import (
    InvalidHeader as InvalidHeader,
    InvalidHeaderValue as InvalidHeaderValue,
    InvalidMessage as InvalidMessage,
    InvalidStatus,
    NegotiationError as NegotiationError,
    SecurityError,
)
from ..extensions.base import (
    ClientExtensionFactory as ClientExtensionFactory,
    Extension as Extension,
)
from ..extensions.permessage_deflate import (
    enable_client_permessage_deflate as enable_client_permessage_deflate,
)
from ..headers import (
    build_authorization_basic as build_authorization_basic,
    build_extension as build_extension,
    build_host as build_host,
    build_subprotocol as build_subprotocol,
    parse_extension as parse_extension,
    parse_subprotocol as parse_subprotocol,
    validate_subprotocols,
)
from ..http11 import USER_AGENT
from ..typing import ExtensionHeader as ExtensionHeader, LoggerLike, Origin, Subprotocol
from ..uri import WebSocketURI, parse_uri
from .exceptions import InvalidStatusCode, RedirectHandshake
from .handshake import build_request as build_request, check_response as check_response
from .http import read_response as read_response
from .protocol import WebSocketCommonProtocol, pop_common_kwargs, rename_legacy_kwargs


if TYPE_CHECKING:
    from ..extensions.base import ClientExtensionFactory


__all__ = ["connect", "unix_connect", "WebSocketClientProtocol"]


class WebSocketClientProtocol(WebSocketCommonProtocol, ClientConnection):
    """
    WebSocket client connection with the legacy API.

    It is a :class:`~websockets.asyncio.client.ClientConnection` that keeps
    the legacy constructor, so that ``create_protocol`` factories and
    subclasses written for the legacy implementation work.

    Arguments are documented with :func:`connect`.

    """

    is_client = True
    side = "client"

    def __init__(
        self,
        *,
        logger: LoggerLike | None = None,
        origin: Origin | None = None,
        extensions: Sequence[ClientExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        extra_headers: HeadersLike | None = None,
        user_agent_header: str | None = USER_AGENT,
        **kwargs: Any,
    ) -> None:
        if logger is None:
            logger = logging.getLogger("websockets.client")
        params = pop_common_kwargs(kwargs)

        self.origin = origin
        self.available_extensions = extensions
        self.available_subprotocols = subprotocols
        self.extra_headers = extra_headers
        self.user_agent_header = user_agent_header

        # The URI arrives with handshake(); until then, the Sans-I/O protocol
        # gets a placeholder built from what the factory knows.
        secure = bool(params["secure"])
        placeholder = WebSocketURI(
            secure,
            params["host"] or "localhost",
            params["port"] or (443 if secure else 80),
            "/",
            "",
        )
        protocol = ClientProtocol(
            placeholder,
            origin=origin,
            extensions=extensions,
            subprotocols=subprotocols,
            max_size=params["max_size"],
            logger=logger,
        )
        ClientConnection.__init__(
            self,
            protocol,
            ping_interval=params["ping_interval"],
            ping_timeout=params["ping_timeout"],
            close_timeout=params["close_timeout"],
            max_queue=params["max_queue"],
            write_limit=params["write_limit"],
        )
        self.init_legacy(params)

    async def handshake(  # type: ignore[override]
        self,
        wsuri: WebSocketURI,
        origin: Origin | None = None,
        available_extensions: Sequence[ClientExtensionFactory] | None = None,
        available_subprotocols: Sequence[Subprotocol] | None = None,
        extra_headers: HeadersLike | None = None,
    ) -> None:
        """
        Perform the client side of the opening handshake.

        Raises:
            InvalidStatusCode: If the server answers with another status
                than 101.
            RedirectHandshake: If the server redirects the client.
            InvalidHandshake: If the handshake fails otherwise.

        """
        self.protocol.uri = wsuri
        self.protocol.origin = origin
        self.protocol.available_extensions = available_extensions
        self.protocol.available_subprotocols = available_subprotocols
        try:
            await ClientConnection.handshake(
                self, extra_headers, self.user_agent_header
            )
        except InvalidStatus as exc:
            response = exc.response
            if response.status_code in (301, 302, 303, 307, 308):
                if "Location" in response.headers:
                    raise RedirectHandshake(response.headers["Location"]) from exc
            # The legacy client of websockets raises this error itself: it
            # has no cause there.
            raise InvalidStatusCode(response.status_code, response.headers) from None
        finally:
            if self.request is not None:
                self.path = self.request.path
                self.request_headers = self.request.headers
            if self.response is not None:
                self.response_headers = self.response.headers


class Connect:
    """
    Connect to the WebSocket server at ``uri``.

    Awaiting :func:`connect` yields a :class:`WebSocketClientProtocol`.
    :func:`connect` may also be used as an asynchronous context manager,
    which closes the connection when exiting, and as an infinite
    asynchronous iterator, which reconnects with an exponential backoff
    after errors.

    Args:
        uri: URI of the WebSocket server.
        create_protocol: Factory for the :class:`WebSocketClientProtocol`.
        logger: Logger for this client.
        compression: ``"deflate"`` enables permessage-deflate; :obj:`None`
            disables it.
        origin: Value of the ``Origin`` header.
        extensions: Supported extensions.
        subprotocols: Supported subprotocols, by decreasing preference.
        extra_headers: Headers added to the handshake request.
        user_agent_header: Value of the ``User-Agent`` request header;
            :obj:`None` removes it.
        open_timeout: Timeout for opening the connection, in seconds.
        ping_interval: Interval between keepalive pings, in seconds.
        ping_timeout: Timeout for keepalive pings, in seconds.
        close_timeout: Timeout for closing the connection, in seconds; it
            defaults to 10.
        max_size: Maximum size of incoming messages, in bytes.
        max_queue: High-water mark of the queue of incoming frames.
        read_limit: Accepted for compatibility.
        write_limit: High-water mark of the write buffer, in bytes.

    Any other keyword arguments are passed to
    :meth:`~asyncio.loop.create_connection`.

    Raises:
        InvalidURI: If ``uri`` isn't a valid WebSocket URI.
        OSError: If the TCP connection fails.
        InvalidHandshake: If the opening handshake fails.
        TimeoutError: If the opening handshake times out.

    """

    MAX_REDIRECTS_ALLOWED = int(os.environ.get("WEBSOCKETS_MAX_REDIRECTS", "10"))

    # Backoff between reconnections, in seconds.
    BACKOFF_INITIAL = float(os.environ.get("WEBSOCKETS_BACKOFF_INITIAL_DELAY", "5"))
    BACKOFF_MIN = float(os.environ.get("WEBSOCKETS_BACKOFF_MIN_DELAY", "3.1"))
    BACKOFF_MAX = float(os.environ.get("WEBSOCKETS_BACKOFF_MAX_DELAY", "90.0"))
    BACKOFF_FACTOR = float(os.environ.get("WEBSOCKETS_BACKOFF_FACTOR", "1.618"))

    def __init__(
        self,
        uri: str,
        *,
        create_protocol: Callable[..., WebSocketClientProtocol] | None = None,
        logger: LoggerLike | None = None,
        compression: str | None = "deflate",
        origin: Origin | None = None,
        extensions: Sequence[ClientExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        extra_headers: HeadersLike | None = None,
        user_agent_header: str | None = USER_AGENT,
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
            create_protocol = WebSocketClientProtocol

        wsuri = parse_uri(uri)
        if wsuri.secure:
            kwargs.setdefault("ssl", True)
        elif kwargs.get("ssl") is not None:
            raise ValueError(
                "connect() received a ssl argument for a ws:// URI, "
                "use a wss:// URI to enable TLS"
            )

        if compression == "deflate":
            from ..extensions.permessage_deflate import (
                enable_client_permessage_deflate,
            )

            extensions = enable_client_permessage_deflate(extensions)
        elif compression is not None:
            raise ValueError(f"unsupported compression: {compression}")

        if subprotocols is not None:
            validate_subprotocols(subprotocols)

        if logger is None:
            logger = logging.getLogger("websockets.client")

        self.factory = functools.partial(
            create_protocol,
            logger=logger,
            origin=origin,
            extensions=extensions,
            subprotocols=subprotocols,
            extra_headers=extra_headers,
            user_agent_header=user_agent_header,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_size=max_size,
            max_queue=max_queue,
            read_limit=read_limit,
            write_limit=write_limit,
            host=wsuri.host,
            port=wsuri.port,
            secure=wsuri.secure,
            legacy_recv=legacy_recv,
        )

        self.unix: bool = kwargs.pop("unix", False)
        self.path: str | None = kwargs.pop("path", None)
        self.host: str | None = kwargs.pop("host", None)
        self.port: int | None = kwargs.pop("port", None)
        self.sock = kwargs.get("sock")
        self.kwargs = kwargs

        self.open_timeout = open_timeout
        self.logger = logger
        self._uri = uri
        self._wsuri = wsuri

    def handle_redirect(self, uri: str) -> None:
        """
        Update the target of the connection after a redirect.

        Raises:
            SecurityError: If the redirect downgrades from ``wss`` to ``ws``.
            InvalidHandshake: If the redirect can't be followed.

        """
        old_uri = self._uri
        old_wsuri = self._wsuri
        new_uri = urllib.parse.urljoin(old_uri, uri)
        new_wsuri = parse_uri(new_uri)

        # Forbid TLS downgrade.
        if old_wsuri.secure and not new_wsuri.secure:
            raise SecurityError("redirect from WSS to WS")

        same_origin = (
            old_wsuri.secure == new_wsuri.secure
            and old_wsuri.host == new_wsuri.host
            and old_wsuri.port == new_wsuri.port
        )

        if not same_origin:
            if self.unix or self.sock is not None:
                raise ValueError(
                    f"cannot follow cross-origin redirect to {new_uri} "
                    f"with a Unix socket or a preexisting socket"
                )
            if self.host is not None or self.port is not None:
                raise ValueError(
                    f"cannot follow cross-origin redirect to {new_uri} "
                    f"with an explicit host or port"
                )
            self.factory = functools.partial(
                self.factory,
                host=new_wsuri.host,
                port=new_wsuri.port,
                secure=new_wsuri.secure,
            )
            if new_wsuri.secure:
                self.kwargs.setdefault("ssl", True)

        self._uri = new_uri
        self._wsuri = new_wsuri

    async def create_connection(self) -> WebSocketClientProtocol:
        loop = asyncio.get_running_loop()
        if self.unix:
            _, protocol = await loop.create_unix_connection(
                self.factory, self.path, **self.kwargs
            )
        elif self.sock is not None:
            _, protocol = await loop.create_connection(self.factory, **self.kwargs)
        else:
            host = self.host if self.host is not None else self._wsuri.host
            port = self.port if self.port is not None else self._wsuri.port
            _, protocol = await loop.create_connection(
                self.factory, host, port, **self.kwargs
            )
        return cast(WebSocketClientProtocol, protocol)

    # async for ... in connect(...):

    async def __aiter__(self) -> AsyncIterator[WebSocketClientProtocol]:
        backoff_delay = self.BACKOFF_MIN
        while True:
            try:
                async with self as protocol:
                    yield protocol
            except Exception:
                # Add a random initial delay between 0 and 5 seconds, so that
                # clients don't all reconnect at once after a server restart.
                if backoff_delay == self.BACKOFF_MIN:
                    initial_delay = random.random() * self.BACKOFF_INITIAL
                    self.logger.info(
                        "! connect failed; reconnecting in %.1f seconds",
                        initial_delay,
                        exc_info=True,
                    )
                    await asyncio.sleep(initial_delay)
                else:
                    self.logger.info(
                        "! connect failed again; retrying in %d seconds",
                        int(backoff_delay),
                        exc_info=True,
                    )
                    await asyncio.sleep(int(backoff_delay))
                # Increase delay with truncated exponential backoff.
                backoff_delay = backoff_delay * self.BACKOFF_FACTOR
                backoff_delay = min(backoff_delay, self.BACKOFF_MAX)
                continue
            else:
                # Connection succeeded - reset backoff delay
                backoff_delay = self.BACKOFF_MIN

    # async with connect(...) as ...:

    async def __aenter__(self) -> WebSocketClientProtocol:
        return await self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.protocol.close()

    # ... = await connect(...)

    def __await__(self) -> Generator[Any, None, WebSocketClientProtocol]:
        # Create a suitable iterator by calling __await__ on a coroutine.
        return self.__await_impl__().__await__()

    async def __await_impl__(self) -> WebSocketClientProtocol:
        if self.open_timeout is None:
            return await self._connect()
        # Once per connection, so asyncio.wait_for is affordable here.
        return await asyncio.wait_for(self._connect(), self.open_timeout)

    async def _connect(self) -> WebSocketClientProtocol:
        for _ in range(self.MAX_REDIRECTS_ALLOWED):
            protocol = await self.create_connection()
            try:
                await protocol.handshake(
                    self._wsuri,
                    origin=protocol.origin,
                    available_extensions=protocol.available_extensions,
                    available_subprotocols=protocol.available_subprotocols,
                    extra_headers=protocol.extra_headers,
                )
            except RedirectHandshake as exc:
                protocol.transport.abort()
                self.handle_redirect(exc.uri)
                continue
            except BaseException:
                protocol.transport.abort()
                raise
            else:
                protocol.start_keepalive()
                self.protocol = protocol
                return protocol
        raise SecurityError("too many redirects")

    # yield from connect(...) - remove when dropping Python < 3.10

    __iter__ = __await__


connect = Connect


def unix_connect(
    path: str | None = None,
    uri: str = "ws://localhost/",
    **kwargs: Any,
) -> Connect:
    """
    Connect to a WebSocket server listening on a Unix socket.

    This function is identical to :func:`connect`, except for the additional
    ``path`` argument. It's only available on Unix.

    Args:
        path: File system path to the Unix socket.
        uri: URI of the WebSocket server.

    """
    return connect(uri=uri, path=path, unix=True, **kwargs)
