"""
Opening handshake of the legacy implementation, header by header.

These functions build and check the headers of the opening handshake
(:rfc:`6455`, section 4) on a :class:`~websockets.datastructures.Headers`,
without the rest of the HTTP message. The current implementation does the
same in :class:`~websockets.client.ClientProtocol` and
:class:`~websockets.server.ServerProtocol`.

"""

from __future__ import annotations

import base64
import binascii

from ..datastructures import Headers, MultipleValuesError
from ..exceptions import InvalidHeader, InvalidHeaderValue, InvalidUpgrade
from ..headers import parse_connection, parse_upgrade
from ..typing import ConnectionOption, UpgradeProtocol
from ..utils import accept_key as accept, generate_key


__all__ = ["build_request", "check_request", "build_response", "check_response"]


def build_request(headers: Headers) -> str:
    """
    Add the headers of a handshake request to ``headers``.

    Args:
        headers: Headers of the request, updated in place.

    Returns:
        The value of ``Sec-WebSocket-Key``, which :func:`check_response`
        needs.

    """
    key = generate_key()
    headers["Upgrade"] = "websocket"
    headers["Connection"] = "Upgrade"
    headers["Sec-WebSocket-Key"] = key
    headers["Sec-WebSocket-Version"] = "13"
    return key


def _check_upgrade(headers: Headers, separator: str) -> None:
    # RFC 6455 §4.2.1 items 3 and 4, §4.1 items 2 and 3: Connection must
    # include Upgrade and Upgrade must be websocket, case-insensitively.
    connection: list[ConnectionOption] = sum(
        [parse_connection(value) for value in headers.get_all("Connection")], []
    )
    if not any(value.lower() == "upgrade" for value in connection):
        # websockets 17.4 lists the options with a different separator in
        # requests and in responses; error messages keep that.
        raise InvalidUpgrade("Connection", separator.join(connection))

    upgrade: list[UpgradeProtocol] = sum(
        [parse_upgrade(value) for value in headers.get_all("Upgrade")], []
    )
    # The RFC spells it "websocket" everywhere except in the IANA
    # registration (section 11.2), which says "WebSocket".
    if not (len(upgrade) == 1 and upgrade[0].lower() == "websocket"):
        raise InvalidUpgrade("Upgrade", ", ".join(upgrade))


def _single_header(headers: Headers, name: str) -> str:
    try:
        return headers[name]
    except KeyError as exc:
        raise InvalidHeader(name) from exc
    except MultipleValuesError as exc:
        raise InvalidHeader(name, "multiple values") from exc


def check_request(headers: Headers) -> str:
    """
    Check the headers of a handshake request.

    ``Origin``, ``Sec-WebSocket-Extensions`` and ``Sec-WebSocket-Protocol``
    aren't checked here: the server negotiates them.

    Args:
        headers: Headers of the request.

    Returns:
        The value of ``Sec-WebSocket-Key``, which :func:`build_response`
        needs.

    Raises:
        InvalidHandshake: If the headers don't make a valid handshake
            request; the server then answers 400 Bad Request.

    """
    _check_upgrade(headers, ", ")

    # RFC 6455 §4.2.1 item 5: a base64-encoded 16-byte nonce.
    key = _single_header(headers, "Sec-WebSocket-Key")
    try:
        raw_key = base64.b64decode(key.encode(), validate=True)
    except binascii.Error as exc:
        raise InvalidHeaderValue("Sec-WebSocket-Key", key) from exc
    if len(raw_key) != 16:
        raise InvalidHeaderValue("Sec-WebSocket-Key", key)

    # RFC 6455 §4.2.1 item 6: version 13.
    version = _single_header(headers, "Sec-WebSocket-Version")
    if version != "13":
        raise InvalidHeaderValue("Sec-WebSocket-Version", version)

    return key


def build_response(headers: Headers, key: str) -> None:
    """
    Add the headers of a handshake response to ``headers``.

    Args:
        headers: Headers of the response, updated in place.
        key: Value of ``Sec-WebSocket-Key`` that :func:`check_request`
            returned.

    """
    headers["Upgrade"] = "websocket"
    headers["Connection"] = "Upgrade"
    headers["Sec-WebSocket-Accept"] = accept(key)


def check_response(headers: Headers, key: str) -> None:
    """
    Check the headers of a handshake response.

    ``Sec-WebSocket-Extensions`` and ``Sec-WebSocket-Protocol`` aren't checked
    here: the client negotiates them.

    Args:
        headers: Headers of the response.
        key: Value of ``Sec-WebSocket-Key`` that :func:`build_request`
            returned.

    Raises:
        InvalidHandshake: If the headers don't make a valid handshake
            response.

    """
    _check_upgrade(headers, " ")

    # RFC 6455 §4.1 item 4 of the client's checks: the server proves that it
    # read the key.
    accept_header = _single_header(headers, "Sec-WebSocket-Accept")
    if accept_header != accept(key):
        raise InvalidHeaderValue("Sec-WebSocket-Accept", accept_header)
