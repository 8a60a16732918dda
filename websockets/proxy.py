"""
Proxy support for clients: find, parse and talk to HTTP and SOCKS proxies.

This module is Sans-I/O. It finds the proxy configured for a WebSocket URI,
validates proxy addresses, builds the HTTP ``CONNECT`` request that opens a
tunnel through an HTTP proxy (:rfc:`9110#section-9.3.6`) and parses the
proxy's response. The I/O layers in :mod:`websockets.asyncio.client` and
:mod:`websockets.sync.client` move the bytes.

SOCKS proxies are handled by the optional python-socks_ library;
:func:`prepare_socks_proxy` translates a :class:`Proxy` into the arguments
its ``Proxy`` classes expect.

.. _python-socks: https://pypi.org/project/python-socks/

"""

from __future__ import annotations

import dataclasses
import urllib.parse
import urllib.request
from typing import Any

from .datastructures import Headers
from .exceptions import InvalidProxy, InvalidProxyMessage, InvalidProxyStatus
from .headers import build_authorization_basic, build_host
from .http11 import USER_AGENT, Response
from .streams import StreamReader
from .uri import WebSocketURI


__all__ = ["get_proxy", "parse_proxy", "Proxy"]


# Schemes accepted in proxy addresses, SOCKS first, as get_proxy prefers them.
PROXY_SCHEMES = ["socks5h", "socks5", "socks4a", "socks4", "https", "http"]


@dataclasses.dataclass
class Proxy:
    """
    Proxy address.

    Attributes:
        scheme: ``"socks5h"``, ``"socks5"``, ``"socks4a"``, ``"socks4"``,
            ``"https"``, or ``"http"``.
        host: Normalized to lower case.
        port: Always set even if it's the default.
        username: Available when the proxy address contains `User Information`_.
        password: Available when the proxy address contains `User Information`_.

    .. _User Information: https://datatracker.ietf.org/doc/html/rfc3986#section-3.2.1

    """

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @property
    def user_info(self) -> tuple[str, str] | None:
        """
        ``(username, password)`` when the proxy address contains credentials.

        """
        if self.username is None:
            return None
        assert self.password is not None
        return (self.username, self.password)


def parse_proxy(proxy: str) -> Proxy:
    """
    Parse and validate a proxy.

    Non-ASCII host names are encoded with IDNA. Credentials are
    percent-decoded as UTF-8.

    Args:
        proxy: proxy.

    Returns:
        Parsed proxy.

    Raises:
        InvalidProxy: If ``proxy`` isn't a valid proxy.
        ValueError: If the port isn't an integer between 0 and 65535, or if
            an IPv6 address isn't enclosed in brackets properly.
        UnicodeDecodeError: If percent-encoded credentials aren't UTF-8.

    """
    # urlparse, unlike urlsplit, separates ;params from the path. They make
    # no sense in a proxy address; ignoring them like the path "/" is lenient.
    parsed = urllib.parse.urlparse(proxy)
    if parsed.scheme not in PROXY_SCHEMES:
        raise InvalidProxy(proxy, f"scheme {parsed.scheme} isn't supported")
    if parsed.hostname is None:
        raise InvalidProxy(proxy, "hostname isn't provided")
    # A proxy is identified by its authority (RFC 3986 §3.2) alone; the
    # trailing slash is tolerated because it's common in proxy variables.
    if parsed.path not in ["", "/"]:
        raise InvalidProxy(proxy, "path is meaningless")
    if parsed.query != "":
        raise InvalidProxy(proxy, "query is meaningless")
    if parsed.fragment != "":
        raise InvalidProxy(proxy, "fragment is meaningless")

    scheme = parsed.scheme
    host = parsed.hostname
    # parsed.port raises ValueError when the port isn't a number in range.
    # A port of 0 isn't usable: fall back to the default port. Only HTTPS
    # proxies get a port of their own; SOCKS proxies have no default here.
    port = parsed.port or (443 if scheme == "https" else 80)
    username = parsed.username
    password = parsed.password
    # HTTP Basic Auth and SOCKS username/password authentication both need
    # a username and a password; a username alone is a configuration error.
    if username is not None and password is None:
        raise InvalidProxy(proxy, "username provided without password")

    try:
        proxy.encode("ascii")
    except UnicodeEncodeError:
        # The input contains non-ASCII characters, so it's an IRI. Convert
        # the host name to ASCII as RFC 3987 §3.1 describes.
        host = host.encode("idna").decode()

    if username is not None:
        assert password is not None
        # Decoding strictly surfaces invalid UTF-8 instead of sending U+FFFD
        # replacement characters as credentials.
        username = urllib.parse.unquote(username, errors="strict")
        password = urllib.parse.unquote(password, errors="strict")

    return Proxy(scheme, host, port, username, password)


def get_proxy(uri: WebSocketURI) -> str | None:
    """
    Return the proxy to use for connecting to the given WebSocket URI, if any.

    The configuration comes from the operating system or from environment
    variables, through :func:`urllib.request.getproxies` and
    :func:`urllib.request.proxy_bypass`.

    When the server matches the proxy bypass list or ``no_proxy``, there's
    no proxy. Else, the first proxy found in this list wins:

    1. ``wss_proxy`` for ``wss://`` URIs, ``ws_proxy`` for ``ws://`` URIs;
    2. a SOCKS proxy, configured in the operating system or in ``socks_proxy``;
    3. ``https_proxy``, for ``wss://`` and ``ws://`` URIs;
    4. ``http_proxy``, for ``ws://`` URIs only.

    The proxy address is returned as is; :func:`parse_proxy` validates it.

    Args:
        uri: WebSocket URI of the server.

    Returns:
        Address of the proxy, or :obj:`None` to connect directly.

    """
    # proxy_bypass accepts "host:port" and matches no_proxy entries against
    # both the host and "host:port". The host isn't bracketed, for IPv6
    # addresses listed as is in no_proxy to match.
    if urllib.request.proxy_bypass(f"{uri.host}:{uri.port}"):
        return None

    # getproxies maps "scheme" to the value of "scheme_proxy". RFC 6455 §4.1
    # leaves the choice of a proxy to the client's configuration. A proxy
    # configured for HTTPS tunnels any TCP connection with CONNECT, so it
    # suits both ws:// and wss://; http_proxy often targets a proxy that
    # only forwards plain HTTP, so it's a last resort, and only for ws://.
    proxies = urllib.request.getproxies()
    if uri.secure:
        schemes = ["wss", "socks", "https"]
    else:
        schemes = ["ws", "socks", "https", "http"]
    for scheme in schemes:
        proxy = proxies.get(scheme)
        if proxy is not None:
            return proxy
    return None


def prepare_connect_request(
    proxy: Proxy,
    ws_uri: WebSocketURI,
    user_agent_header: str | None = USER_AGENT,
) -> bytes:
    """
    Build the ``CONNECT`` request that opens a tunnel through an HTTP proxy.

    Args:
        proxy: HTTP or HTTPS proxy.
        ws_uri: WebSocket URI of the server.
        user_agent_header: Value of the ``User-Agent`` request header;
            :obj:`None` leaves it out.

    Returns:
        Serialized HTTP request.

    """
    # RFC 9110 §9.3.6: "A client sending a CONNECT request MUST send the
    # authority form of request target", that is host:port, port included.
    authority = build_host(
        ws_uri.host,
        ws_uri.port,
        ws_uri.secure,
        always_include_port=True,
    )
    headers = Headers()
    headers["Host"] = build_host(ws_uri.host, ws_uri.port, ws_uri.secure)
    if user_agent_header is not None:
        headers["User-Agent"] = user_agent_header
    # RFC 9110 §11.7.2: credentials for the proxy go in Proxy-Authorization,
    # with the Basic scheme of RFC 7617.
    if proxy.user_info is not None:
        headers["Proxy-Authorization"] = build_authorization_basic(*proxy.user_info)
    # Request only supports origin-form targets; serialize the line here.
    return f"CONNECT {authority} HTTP/1.1\r\n".encode() + headers.serialize()


class ProxyConnectParser:
    """
    Sans-I/O parser for the response of an HTTP proxy to ``CONNECT``.

    Feed the bytes received from the proxy with :meth:`receive_data` and
    the end of the stream with :meth:`receive_eof`. Once the response is
    complete, they return it if it's successful and raise an exception
    otherwise.

    The response has no body (:rfc:`9110#section-9.3.6`): after the empty
    line that ends its headers, bytes belong to the tunnel. The parser
    doesn't consume them; :attr:`leftover` holds them.

    """

    def __init__(self) -> None:
        self.reader = StreamReader()
        self.parser = Response.parse(
            self.reader.read_line,
            self.reader.read_exact,
            self.reader.read_to_eof,
            proxy=True,
        )
        self.response: Response | None = None
        """Successful response of the proxy, once it's received."""
        self.exc: InvalidProxyMessage | InvalidProxyStatus | None = None
        """Exception raised when the response was malformed or rejected."""
        # Run the parser until it needs data.
        next(self.parser)

    def receive_data(self, data: bytes | bytearray) -> Response | None:
        """
        Receive data from the proxy.

        Args:
            data: Bytes read from the connection to the proxy.

        Returns:
            Response of the proxy when it's complete, else :obj:`None`.

        Raises:
            InvalidProxyMessage: If the response isn't a valid HTTP response.
            InvalidProxyStatus: If the proxy rejects the connection.

        """
        self.reader.feed_data(data)
        return self.run_parser()

    def receive_eof(self) -> Response:
        """
        Receive the end of the stream from the proxy.

        Returns:
            Response of the proxy, if it was complete before the end of the
            stream. Then the tunnel is closed already, which the I/O layer
            will notice when it starts the opening handshake.

        Raises:
            InvalidProxyMessage: If the response isn't a complete, valid HTTP
                response.
            InvalidProxyStatus: If the proxy rejects the connection.

        """
        if not self.reader.eof:
            self.reader.feed_eof()
        response = self.run_parser()
        # The parser either returns or fails at the end of the stream.
        assert response is not None
        return response

    @property
    def leftover(self) -> bytes:
        """
        Bytes received after the response, which belong to the tunnel.

        """
        if self.response is None:
            return b""
        return bytes(self.reader.buffer)

    def run_parser(self) -> Response | None:
        """
        Advance the parser, then report its outcome.

        """
        if self.exc is not None:
            raise self.exc
        if self.response is not None:
            return self.response

        try:
            next(self.parser)
        except StopIteration as exc:
            response: Response = exc.value
        except Exception as exc:
            # EOFError, SecurityError, ValueError... mean that the proxy
            # didn't send a valid HTTP response; chain them for debugging.
            self.exc = InvalidProxyMessage(
                "did not receive a valid HTTP response from proxy"
            )
            raise self.exc from exc
        else:
            return None

        # RFC 9110 §9.3.6: "Any 2xx (Successful) response indicates that the
        # sender (and all inbound proxies) will switch to tunnel mode".
        if 200 <= response.status_code < 300:
            self.response = response
            return response
        else:
            self.exc = InvalidProxyStatus(response)
            raise self.exc


# SOCKS protocol version and remote name resolution for each scheme: the
# "h" of socks5h and the "a" of socks4a mean that the proxy resolves the
# host name of the server, which doesn't leak DNS queries from the client.
SOCKS_VERSIONS = {
    "socks5h": (5, True),
    "socks5": (5, False),
    "socks4a": (4, True),
    "socks4": (4, False),
}


def prepare_socks_proxy(proxy: Proxy) -> dict[str, Any]:
    """
    Build the arguments of python-socks' ``Proxy`` classes for a SOCKS proxy.

    Pass them to :class:`python_socks.sync.Proxy` or to
    :class:`python_socks.async_.asyncio.Proxy`, then call ``connect()`` with
    the host and the port of the WebSocket server.

    Args:
        proxy: SOCKS proxy.

    Returns:
        Keyword arguments: ``proxy_type``, ``host``, ``port``, ``username``,
        ``password`` and ``rdns``.

    Raises:
        ImportError: If python-socks isn't installed.

    """
    try:
        from python_socks import ProxyType  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise ImportError(
            "connecting through a SOCKS proxy requires python-socks"
        ) from None

    version, rdns = SOCKS_VERSIONS[proxy.scheme]
    return {
        "proxy_type": ProxyType.SOCKS5 if version == 5 else ProxyType.SOCKS4,
        "host": proxy.host,
        "port": proxy.port,
        "username": proxy.username,
        "password": proxy.password,
        "rdns": rdns,
    }
