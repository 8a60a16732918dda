"""
Parsers and builders for the HTTP headers of the opening handshake.

Parsers follow the grammars of RFC 9110 §5.6 (tokens, quoted strings, lists),
RFC 6455 §4.1 and §9.1 (``Sec-WebSocket-*`` headers) and RFC 7617 (Basic
authentication). They raise :exc:`~websockets.exceptions.InvalidHeaderFormat`
with the position where parsing failed.

Low-level parsers take the header value, a position and the header name (for
error messages), and return a parsed value and the new position.

"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Sequence
from typing import Callable, TypeVar, cast

from .exceptions import InvalidHeaderFormat, InvalidHeaderValue
from .typing import (
    ConnectionOption,
    ExtensionHeader,
    ExtensionName,
    ExtensionParameter,
    Subprotocol,
    UpgradeProtocol,
)


__all__ = [
    "build_host",
    "parse_connection",
    "parse_upgrade",
    "parse_extension",
    "build_extension",
    "parse_subprotocol",
    "build_subprotocol",
    "validate_subprotocols",
    "build_www_authenticate_basic",
    "parse_authorization_basic",
    "build_authorization_basic",
]


T = TypeVar("T")


def build_host(
    host: str,
    port: int,
    secure: bool,
    *,
    always_include_port: bool = False,
) -> str:
    """
    Build a ``Host`` header.

    Args:
        host: Host name or IP address.
        port: Port number.
        secure: Whether the connection uses TLS, which sets the default port.
        always_include_port: Include the port even when it's the default one.

    """
    # RFC 3986 §3.2.2: an IPv6 literal is enclosed in square brackets.
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        # host is a hostname, or an IPv6 address that is already bracketed.
        pass
    else:
        if address.version == 6:
            host = f"[{host}]"

    # RFC 9110 §7.2: the port may be omitted when it's the scheme's default.
    if always_include_port or port != (443 if secure else 80):
        host = f"{host}:{port}"

    return host


# Grammar helpers. Each one reads from header at pos.


def peek_ahead(header: str, pos: int) -> str | None:
    """
    Return the next character from ``header`` at ``pos``, or :obj:`None` at
    the end of the string.

    """
    return None if pos == len(header) else header[pos]


_OWS_re = re.compile(r"[\t ]*")


def parse_OWS(header: str, pos: int) -> int:
    """
    Skip optional whitespace (RFC 9110 §5.6.3) and return the new position.

    """
    # A match of zero characters always succeeds.
    match = _OWS_re.match(header, pos)
    assert match is not None
    return match.end()


# RFC 9110 §5.6.2: token = 1*tchar
_token_re = re.compile(r"[-!#$%&\'*+.^_`|~0-9a-zA-Z]+")


def parse_token(header: str, pos: int, header_name: str) -> tuple[str, int]:
    """
    Parse a token (RFC 9110 §5.6.2) and return it with the new position.

    Raises:
        InvalidHeaderFormat: On invalid inputs.

    """
    match = _token_re.match(header, pos)
    if match is None:
        raise InvalidHeaderFormat(header_name, "expected token", header, pos)
    return match.group(), match.end()


# RFC 9110 §5.6.4:
#   quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
#   quoted-pair   = "\" ( HTAB / SP / VCHAR / obs-text )
# qdtext excludes obs-text here: non-ASCII characters are only accepted when
# escaped, which keeps unescaped values ASCII.
_quoted_string_re = re.compile(
    r'"(?:[\x09\x20-\x21\x23-\x5b\x5d-\x7e]|\\[\x09\x20-\x7e\x80-\xff])*"'
)

_unquote_re = re.compile(r"\\([\x09\x20-\x7e\x80-\xff])")


def parse_quoted_string(header: str, pos: int, header_name: str) -> tuple[str, int]:
    """
    Parse a quoted string (RFC 9110 §5.6.4) and return its unescaped content
    with the new position.

    Raises:
        InvalidHeaderFormat: On invalid inputs.

    """
    match = _quoted_string_re.match(header, pos)
    if match is None:
        raise InvalidHeaderFormat(header_name, "expected quoted string", header, pos)
    return _unquote_re.sub(r"\1", match.group()[1:-1]), match.end()


# Characters that a quoted string can carry, once escaped if necessary.
_quotable_re = re.compile(r"[\x09\x20-\x7e\x80-\xff]*")

_quote_re = re.compile(r"([\x22\x5c])")


def build_quoted_string(value: str) -> str:
    """
    Format ``value`` as a quoted string (RFC 9110 §5.6.4).

    This is the reverse of :func:`parse_quoted_string`.

    Raises:
        ValueError: If ``value`` contains characters that can't be quoted.

    """
    match = _quotable_re.fullmatch(value)
    if match is None:
        raise ValueError("invalid characters for quoted-string encoding")
    # Only the double quote and the backslash need escaping.
    return '"' + _quote_re.sub(r"\\\1", value) + '"'


def parse_list(
    parse_item: Callable[[str, int, str], tuple[T, int]],
    header: str,
    pos: int,
    header_name: str,
) -> list[T]:
    """
    Parse a comma-separated list (RFC 9110 §5.6.1) of one or more items.

    ``parse_item`` parses one item; it receives ``header``, ``pos`` and
    ``header_name`` and returns the item with the new position.

    Per the recipient requirements of RFC 9110 §5.6.1, empty elements are
    ignored, so ``,a, ,b,`` is the list ``a``, ``b``.

    Raises:
        InvalidHeaderFormat: On invalid inputs.

    """
    # Skip empty elements before the first item: *( "," OWS )
    while peek_ahead(header, pos) == ",":
        pos = parse_OWS(header, pos + 1)

    items = []
    while True:
        # There must be at least one item.
        item, pos = parse_item(header, pos, header_name)
        items.append(item)
        pos = parse_OWS(header, pos)

        # We may have reached the end of the header.
        if pos == len(header):
            break

        # Otherwise, items are separated by a comma.
        if peek_ahead(header, pos) == ",":
            pos = parse_OWS(header, pos + 1)
        else:
            raise InvalidHeaderFormat(header_name, "expected comma", header, pos)

        # Skip empty elements; a trailing comma is allowed.
        while peek_ahead(header, pos) == ",":
            pos = parse_OWS(header, pos + 1)

        if pos == len(header):
            break

    # parse_item always consumes at least one character, so the loop ends at
    # the end of the header.
    assert pos == len(header)

    return items


def parse_end(header: str, pos: int, header_name: str) -> None:
    """
    Check that parsing reached the end of the header.

    Raises:
        InvalidHeaderFormat: If there are characters left.

    """
    if pos < len(header):
        raise InvalidHeaderFormat(header_name, "trailing data", header, pos)


# Connection header (RFC 9110 §7.6.1): Connection = #connection-option


def parse_connection_option(
    header: str, pos: int, header_name: str
) -> tuple[ConnectionOption, int]:
    """
    Parse a connection option from ``header`` at ``pos``.

    Raises:
        InvalidHeaderFormat: On invalid inputs.

    """
    item, pos = parse_token(header, pos, header_name)
    return cast(ConnectionOption, item), pos


def parse_connection(header: str) -> list[ConnectionOption]:
    """
    Parse a ``Connection`` header.

    Return a list of HTTP connection options.

    Args
        header: Value of the ``Connection`` header.

    Raises:
        InvalidHeaderFormat: On invalid inputs.

    """
    return parse_list(parse_connection_option, header, 0, "Connection")


# Upgrade header (RFC 9110 §7.8):
#   Upgrade  = #protocol
#   protocol = protocol-name ["/" protocol-version]

_protocol_re = re.compile(
    r"[-!#$%&\'*+.^_`|~0-9a-zA-Z]+(?:/[-!#$%&\'*+.^_`|~0-9a-zA-Z]+)?"
)


def parse_upgrade_protocol(
    header: str, pos: int, header_name: str
) -> tuple[UpgradeProtocol, int]:
    """
    Parse an upgrade protocol from ``header`` at ``pos``.

    Raises:
        InvalidHeaderFormat: On invalid inputs.

    """
    match = _protocol_re.match(header, pos)
    if match is None:
        raise InvalidHeaderFormat(header_name, "expected protocol", header, pos)
    return cast(UpgradeProtocol, match.group()), match.end()


def parse_upgrade(header: str) -> list[UpgradeProtocol]:
    """
    Parse an ``Upgrade`` header.

    Return a list of HTTP protocols.

    Args:
        header: Value of the ``Upgrade`` header.

    Raises:
        InvalidHeaderFormat: On invalid inputs.

    """
    return parse_list(parse_upgrade_protocol, header, 0, "Upgrade")


# Sec-WebSocket-Extensions header (RFC 6455 §9.1):
#   extension-list  = 1#extension
#   extension       = extension-token *( ";" extension-param )
#   extension-param = token [ "=" (token | quoted-string) ]
# When a quoted string is used, its content must itself be a token.


def parse_extension_item_param(
    header: str, pos: int, header_name: str
) -> tuple[ExtensionParameter, int]:
    """
    Parse a single extension parameter from ``header`` at ``pos``.

    Raises:
        InvalidHeaderFormat: On invalid inputs.

    """
    # Extract parameter name.
    name, pos = parse_token(header, pos, header_name)
    pos = parse_OWS(header, pos)
    # Extract parameter value, if there is one.
    value: str | None = None
    if peek_ahead(header, pos) == "=":
        pos = parse_OWS(header, pos + 1)
        if peek_ahead(header, pos) == '"':
            pos_before = pos  # for proper error reporting below
            value, pos = parse_quoted_string(header, pos, header_name)
            # RFC 6455 §9.1: "When using the quoted-string syntax variant,
            # the value after quoted-string unescaping MUST conform to the
            # 'token' ABNF."
            if _token_re.fullmatch(value) is None:
                raise InvalidHeaderFormat(
                    header_name, "invalid quoted header content", header, pos_before
                )
        else:
            value, pos = parse_token(header, pos, header_name)
        pos = parse_OWS(header, pos)

    return (name, value), pos


def parse_extension_item(
    header: str, pos: int, header_name: str
) -> tuple[ExtensionHeader, int]:
    """
    Parse an extension definition from ``header`` at ``pos``.

    Return an ``(extension name, parameters)`` pair, where ``parameters`` is a
    list of ``(name, value)`` pairs.

    Raises:
        InvalidHeaderFormat: On invalid inputs.

    """
    # Extract extension name.
    name, pos = parse_token(header, pos, header_name)
    pos = parse_OWS(header, pos)
    # Extract all parameters.
    parameters = []
    while peek_ahead(header, pos) == ";":
        pos = parse_OWS(header, pos + 1)
        parameter, pos = parse_extension_item_param(header, pos, header_name)
        parameters.append(parameter)
    return (cast(ExtensionName, name), parameters), pos


def parse_extension(header: str) -> list[ExtensionHeader]:
    """
    Parse a ``Sec-WebSocket-Extensions`` header.

    Return a list of WebSocket extensions and their parameters in this format::

        [
            (
                'extension name',
                [
                    ('parameter name', 'parameter value'),
                    ....
                ]
            ),
            ...
        ]

    Parameter values are :obj:`None` when no value is provided.

    Args:
        header: Value of the ``Sec-WebSocket-Extensions`` header.

    Raises:
        InvalidHeaderFormat: On invalid inputs.

    """
    return parse_list(parse_extension_item, header, 0, "Sec-WebSocket-Extensions")


parse_extension_list = parse_extension  # alias for backwards compatibility


def build_extension_item(
    name: ExtensionName, parameters: Sequence[ExtensionParameter]
) -> str:
    """
    Build an extension definition.

    This is the reverse of :func:`parse_extension_item`.

    """
    return "; ".join(
        [cast(str, name)]
        + [
            # Quoted strings aren't necessary because values are always tokens.
            name if value is None else f"{name}={value}"
            for name, value in parameters
        ]
    )


def build_extension(extensions: Sequence[ExtensionHeader]) -> str:
    """
    Build a ``Sec-WebSocket-Extensions`` header.

    This is the reverse of :func:`parse_extension`.

    Args:
        extensions: WebSocket extensions, as ``(extension name, parameters)``
            pairs, where ``parameters`` is a list of ``(name, value)`` pairs
            and ``value`` is :obj:`None` for a parameter without a value.

    """
    return ", ".join(
        build_extension_item(name, parameters) for name, parameters in extensions
    )


build_extension_list = build_extension  # alias for backwards compatibility


# Sec-WebSocket-Protocol header (RFC 6455 §4.1 and §11.3.4):
#   Sec-WebSocket-Protocol = 1#token


def parse_subprotocol_item(
    header: str, pos: int, header_name: str
) -> tuple[Subprotocol, int]:
    """
    Parse a subprotocol from ``header`` at ``pos``.

    Raises:
        InvalidHeaderFormat: On invalid inputs.

    """
    item, pos = parse_token(header, pos, header_name)
    return cast(Subprotocol, item), pos


def parse_subprotocol(header: str) -> list[Subprotocol]:
    """
    Parse a ``Sec-WebSocket-Protocol`` header.

    Return a list of WebSocket subprotocols.

    Args:
        header: Value of the ``Sec-WebSocket-Protocol`` header.

    Raises:
        InvalidHeaderFormat: On invalid inputs.

    """
    return parse_list(parse_subprotocol_item, header, 0, "Sec-WebSocket-Protocol")


parse_subprotocol_list = parse_subprotocol  # alias for backwards compatibility


def build_subprotocol(subprotocols: Sequence[Subprotocol]) -> str:
    """
    Build a ``Sec-WebSocket-Protocol`` header.

    This is the reverse of :func:`parse_subprotocol`.

    Args:
        subprotocols: WebSocket subprotocols, in order of preference.

    """
    return ", ".join(subprotocols)


build_subprotocol_list = build_subprotocol  # alias for backwards compatibility


def validate_subprotocols(subprotocols: Sequence[Subprotocol]) -> None:
    """
    Validate that ``subprotocols`` is suitable for :func:`build_subprotocol`.

    Args:
        subprotocols: WebSocket subprotocols to check.

    Raises:
        TypeError: If ``subprotocols`` isn't a list of strings.
        ValueError: If a subprotocol isn't a token.

    """
    if not isinstance(subprotocols, Sequence):
        raise TypeError("subprotocols must be a list")
    # A string is a sequence of one-character strings; it's a common mistake
    # to pass "chat" instead of ["chat"].
    if isinstance(subprotocols, str):
        raise TypeError("subprotocols must be a list, not a str")
    for subprotocol in subprotocols:
        if not _token_re.fullmatch(subprotocol):
            raise ValueError(f"invalid subprotocol: {subprotocol}")


# Basic authentication (RFC 7617).


def build_www_authenticate_basic(realm: str) -> str:
    """
    Build a ``WWW-Authenticate`` header for HTTP Basic Auth.

    Args:
        realm: Identifier of the protection space.

    """
    # RFC 7617 §2: the realm is required; charset="UTF-8" (§2.1) tells the
    # client how to encode credentials.
    realm = build_quoted_string(realm)
    charset = build_quoted_string("UTF-8")
    return f"Basic realm={realm}, charset={charset}"


# RFC 9110 §11.2: token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_token68_re = re.compile(r"[A-Za-z0-9-._~+/]+=*")


def parse_token68(header: str, pos: int, header_name: str) -> tuple[str, int]:
    """
    Parse a token68 (RFC 9110 §11.2) and return it with the new position.

    Raises:
        InvalidHeaderFormat: On invalid inputs.

    """
    match = _token68_re.match(header, pos)
    if match is None:
        raise InvalidHeaderFormat(header_name, "expected token68", header, pos)
    return match.group(), match.end()


def parse_authorization_basic(header: str) -> tuple[str, str]:
    """
    Parse an ``Authorization`` header for HTTP Basic Auth.

    Return a ``(username, password)`` tuple.

    Args:
        header: Value of the ``Authorization`` header.

    Raises:
        InvalidHeaderFormat: On invalid inputs.
        InvalidHeaderValue: On unsupported inputs.

    """
    # RFC 9110 §11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
    # RFC 7617 §2: the Basic scheme uses token68; a single space is the
    # usual separator and the only one accepted here.
    scheme, pos = parse_token(header, 0, "Authorization")
    # RFC 9110 §11.1: auth-scheme is case-insensitive.
    if scheme.lower() != "basic":
        raise InvalidHeaderValue("Authorization", f"unsupported scheme: {scheme}")
    if peek_ahead(header, pos) != " ":
        raise InvalidHeaderFormat(
            "Authorization", "expected space after scheme", header, pos
        )
    pos += 1
    basic_credentials, pos = parse_token68(header, pos, "Authorization")
    parse_end(header, pos, "Authorization")

    try:
        user_pass = base64.b64decode(basic_credentials.encode()).decode(
            errors="surrogateescape"
        )
    except binascii.Error:
        raise InvalidHeaderValue(
            "Authorization", "expected base64-encoded credentials"
        ) from None
    try:
        username, password = user_pass.split(":", 1)
    except ValueError:
        raise InvalidHeaderValue(
            "Authorization", "expected username:password credentials"
        ) from None

    return username, password


def build_authorization_basic(username: str, password: str) -> str:
    """
    Build an ``Authorization`` header for HTTP Basic Auth.

    This is the reverse of :func:`parse_authorization_basic`.

    Args:
        username: User name; it must not contain a colon (RFC 7617 §2).
        password: Password.

    """
    # RFC 7617 §2: "a user-id containing a colon character is invalid".
    assert ":" not in username
    user_pass = f"{username}:{password}"
    basic_credentials = base64.b64encode(
        user_pass.encode(errors="surrogateescape")
    ).decode()
    return "Basic " + basic_credentials
