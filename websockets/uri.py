"""
Parse WebSocket URIs, as defined in :rfc:`6455#section-3`.

"""

from __future__ import annotations

import dataclasses
import urllib.parse

from .exceptions import InvalidURI


__all__ = ["parse_uri", "WebSocketURI"]


# All characters from the gen-delims and sub-delims sets in RFC 3987.
DELIMS = ":/?#[]@!$&'()*+,;="


@dataclasses.dataclass
class WebSocketURI:
    """
    WebSocket URI.

    Attributes:
        secure: :obj:`True` for a ``wss`` URI, :obj:`False` for a ``ws`` URI.
        host: Normalized to lower case.
        port: Always set even if it's the default.
        path: May be empty.
        query: May be empty if the URI doesn't include a query component.
        username: Available when the URI contains `User Information`_.
        password: Available when the URI contains `User Information`_.

    .. _User Information: https://datatracker.ietf.org/doc/html/rfc3986#section-3.2.1

    """

    secure: bool
    host: str
    port: int
    path: str
    query: str
    username: str | None = None
    password: str | None = None

    @property
    def resource_name(self) -> str:
        """
        Path and query, as sent in the request line of the opening handshake.

        """
        # RFC 6455 §3: "if the path component is empty", use "/".
        if self.path:
            resource_name = self.path
        else:
            resource_name = "/"
        if self.query:
            resource_name += "?" + self.query
        return resource_name

    @property
    def user_info(self) -> tuple[str, str] | None:
        """
        ``(username, password)`` when the URI contains credentials.

        """
        if self.username is None:
            return None
        assert self.password is not None
        return (self.username, self.password)


def parse_uri(uri: str) -> WebSocketURI:
    """
    Parse and validate a WebSocket URI.

    Non-ASCII URIs (IRIs) are converted to URIs: the host name is encoded
    with IDNA, the path and the query are percent-encoded as UTF-8.

    Args:
        uri: WebSocket URI.

    Returns:
        Parsed WebSocket URI.

    Raises:
        InvalidURI: If ``uri`` isn't a valid WebSocket URI.

    """
    parsed = urllib.parse.urlsplit(uri)
    # RFC 6455 §3: the scheme is "ws" or "wss"; urlsplit lower-cases it.
    if parsed.scheme not in ["ws", "wss"]:
        raise InvalidURI(uri, "scheme isn't ws or wss")
    if parsed.hostname is None:
        raise InvalidURI(uri, "hostname isn't provided")
    # RFC 6455 §3: "Fragment identifiers are meaningless in the context of
    # WebSocket URIs and MUST NOT be used on these URIs."
    if parsed.fragment != "":
        raise InvalidURI(uri, "fragment identifier is meaningless")

    secure = parsed.scheme == "wss"
    host = parsed.hostname
    # parsed.port raises ValueError when the port isn't a number in range.
    # A port of 0 isn't usable: fall back to the default port.
    port = parsed.port or (443 if secure else 80)
    path = parsed.path
    query = parsed.query
    username = parsed.username
    password = parsed.password
    # urlsplit accepts URLs such as ws://user@host/ and ws://@host/, with a
    # username but no password. HTTP Basic Auth needs both.
    if username is not None and password is None:
        raise InvalidURI(uri, "username provided without password")

    try:
        uri.encode("ascii")
    except UnicodeEncodeError:
        # The input contains non-ASCII characters, so it's an IRI. Convert it
        # to a URI as RFC 3987 §3.1 describes: IDNA for the host name and
        # UTF-8 percent-encoding for the path and the query.
        host = host.encode("idna").decode()
        path = urllib.parse.quote(path, safe=DELIMS)
        query = urllib.parse.quote(query, safe=DELIMS)

    if username is not None:
        assert password is not None
        username = urllib.parse.unquote(username)
        password = urllib.parse.unquote(password)

    return WebSocketURI(secure, host, port, path, query, username, password)
