"""
Hard-coded credentials for HTTP Basic Authentication (RFC 7617), shared by the
``basic_auth`` helpers of the asyncio and threading servers.

"""

from __future__ import annotations

import hmac
import http
from collections.abc import Iterable
from typing import Any, Callable, Protocol, cast

from .exceptions import InvalidHeader
from .headers import build_www_authenticate_basic, parse_authorization_basic
from .http11 import Request, Response
from .typing import StatusLike


__all__ = [
    "is_credentials",
    "check_credentials_from",
    "read_basic_credentials",
    "unauthorized",
]


class _Responder(Protocol):
    def respond(self, status: StatusLike, text: str) -> Response: ...


def is_credentials(credentials: Any) -> bool:
    """Tell whether ``credentials`` is a ``(username, password)`` pair."""
    try:
        username, password = credentials
    except (TypeError, ValueError):
        return False
    else:
        return isinstance(username, str) and isinstance(password, str)


def check_credentials_from(
    credentials: tuple[str, str] | Iterable[tuple[str, str]],
) -> Callable[[str, str], bool]:
    """
    Build a function that checks a username and password against a list.

    Args:
        credentials: A ``(username, password)`` pair or a list of such pairs.

    Raises:
        TypeError: If ``credentials`` has another shape.

    """
    if is_credentials(credentials):
        credentials_list = [cast(tuple[str, str], credentials)]
    elif isinstance(credentials, Iterable):
        credentials_list = list(cast(Iterable[tuple[str, str]], credentials))
        if not all(is_credentials(item) for item in credentials_list):
            raise TypeError(f"invalid credentials argument: {credentials}")
    else:
        raise TypeError(f"invalid credentials argument: {credentials}")

    credentials_dict = dict(credentials_list)

    def check_credentials(username: str, password: str) -> bool:
        try:
            expected_password = credentials_dict[username]
        except KeyError:
            return False
        # Compare in constant time to avoid leaking the password length.
        return hmac.compare_digest(expected_password, password)

    return check_credentials


def read_basic_credentials(request: Request) -> tuple[str, str] | str:
    """
    Read the credentials of HTTP Basic Authentication from a request.

    Args:
        request: WebSocket handshake request.

    Returns:
        ``(username, password)``, or the text of the 401 response that
        explains why the request carries no usable credentials.

    """
    try:
        authorization = request.headers["Authorization"]
    except KeyError:
        return "Missing credentials\n"
    try:
        return parse_authorization_basic(authorization)
    except InvalidHeader:
        return "Unsupported credentials\n"


def unauthorized(connection: _Responder, realm: str, text: str) -> Response:
    """
    Build a 401 Unauthorized response asking for Basic credentials.

    Args:
        connection: Server connection, whose ``respond()`` builds responses.
        realm: Scope of protection (RFC 7235 §2.2).
        text: Body of the response.

    """
    response = connection.respond(http.HTTPStatus.UNAUTHORIZED, text)
    response.headers["WWW-Authenticate"] = build_www_authenticate_basic(realm)
    return response
