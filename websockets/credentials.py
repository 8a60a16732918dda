"""
Hard-coded credentials for HTTP Basic Authentication (RFC 7617), shared by the
``basic_auth`` helpers of the asyncio and threading servers.

"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any, Callable, cast


__all__ = ["is_credentials", "check_credentials_from"]


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
