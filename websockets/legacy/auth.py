"""
HTTP Basic Authentication for the legacy server:
:func:`basic_auth_protocol_factory` and
:class:`BasicAuthWebSocketServerProtocol`.

"""

from __future__ import annotations

import functools
import hmac
import http
import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, cast

from ..datastructures import Headers
from ..exceptions import InvalidHeader
from ..headers import build_www_authenticate_basic, parse_authorization_basic
from .server import HTTPResponse, WebSocketServerProtocol


__all__ = ["BasicAuthWebSocketServerProtocol", "basic_auth_protocol_factory"]

Credentials = tuple[str, str]


def is_credentials(value: Any) -> bool:
    try:
        username, password = value
    except (TypeError, ValueError):
        return False
    else:
        return isinstance(username, str) and isinstance(password, str)


class BasicAuthWebSocketServerProtocol(WebSocketServerProtocol):
    """
    WebSocket server protocol that enforces HTTP Basic Auth.

    Args:
        realm: Scope of protection.
        check_credentials: Coroutine that verifies credentials.

    """

    realm: str = ""
    """
    Scope of protection.

    If provided, it should contain only ASCII characters because the
    encoding of non-ASCII characters is undefined.
    """

    username: str | None = None  # type: ignore[assignment]
    """Username of the authenticated user."""

    def __init__(
        self,
        *args: Any,
        realm: str | None = None,
        check_credentials: Callable[[str, str], Awaitable[bool]] | None = None,
        **kwargs: Any,
    ) -> None:
        if realm is not None:
            self.realm = realm  # shadow class attribute
        self._check_credentials = check_credentials
        super().__init__(*args, **kwargs)

    async def check_credentials(self, username: str, password: str) -> bool:
        """
        Check whether credentials are authorized.

        This coroutine may be overridden in a subclass, for example to
        authenticate against a database or an external service.

        Returns:
            :obj:`True` if the credentials are valid.

        """
        if self._check_credentials is None:
            return False
        valid: Any = self._check_credentials(username, password)
        if inspect.isawaitable(valid):
            valid = await valid
        return cast(bool, valid)

    def unauthorized(self, text: bytes) -> HTTPResponse:
        return (
            http.HTTPStatus.UNAUTHORIZED,
            [("WWW-Authenticate", build_www_authenticate_basic(self.realm))],
            text,
        )

    async def process_request(
        self,
        path: str,
        request_headers: Headers,
    ) -> HTTPResponse | None:
        """
        Check HTTP Basic Auth and return an HTTP 401 response if needed.

        """
        response = await super().process_request(path, request_headers)
        if response is not None:
            return response

        try:
            authorization = request_headers["Authorization"]
        except KeyError:
            return self.unauthorized(b"Missing credentials\n")

        try:
            username, password = parse_authorization_basic(authorization)
        except InvalidHeader:
            return self.unauthorized(b"Unsupported credentials\n")

        if not await self.check_credentials(username, password):
            return self.unauthorized(b"Invalid credentials\n")

        self.username = username
        return None


def basic_auth_protocol_factory(
    realm: str | None = None,
    credentials: Credentials | Iterable[Credentials] | None = None,
    check_credentials: Callable[[str, str], Awaitable[bool]] | None = None,
    create_protocol: Callable[..., BasicAuthWebSocketServerProtocol] | None = None,
) -> Callable[..., BasicAuthWebSocketServerProtocol]:
    """
    Protocol factory that enforces HTTP Basic Auth.

    It's designed to integrate with the legacy
    :func:`~websockets.legacy.server.serve`::

        serve(
            ...,
            create_protocol=basic_auth_protocol_factory(
                realm="my dev server",
                credentials=("hello", "iloveyou"),
            )
        )

    Args:
        realm: Scope of protection.
        credentials: Hard coded credentials: a ``(username, password)`` pair
            or a list of such pairs.
        check_credentials: Coroutine that verifies credentials.
        create_protocol: Factory that creates the protocol, by default
            :class:`BasicAuthWebSocketServerProtocol`.

    Raises:
        TypeError: If neither or both of ``credentials`` and
            ``check_credentials`` are provided, or if they're invalid.

    """
    if (credentials is None) == (check_credentials is None):
        raise TypeError("provide either credentials or check_credentials")

    if credentials is not None:
        if is_credentials(credentials):
            credentials_list = [cast(Credentials, credentials)]
        elif isinstance(credentials, Iterable):
            credentials_list = list(cast(Iterable[Credentials], credentials))
            if not all(is_credentials(item) for item in credentials_list):
                raise TypeError(f"invalid credentials argument: {credentials}")
        else:
            raise TypeError(f"invalid credentials argument: {credentials}")

        credentials_dict = dict(credentials_list)

        async def check_credentials(username: str, password: str) -> bool:
            try:
                expected_password = credentials_dict[username]
            except KeyError:
                return False
            # Compare in constant time to avoid leaking the password length.
            return hmac.compare_digest(expected_password, password)

    if create_protocol is None:
        create_protocol = BasicAuthWebSocketServerProtocol

    return functools.partial(
        create_protocol,
        realm=realm,
        check_credentials=check_credentials,
    )
