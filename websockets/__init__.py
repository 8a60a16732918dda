"""
A drop-in replacement for websockets, with its hot paths compiled.

Names are imported lazily (PEP 562) so that ``import websockets`` stays cheap
and programs only pay for the I/O layer they use.

"""

from __future__ import annotations

import importlib
import typing

from .imports import lazy_import as lazy_import
from .version import version as __version__  # noqa: F401


__all__ = [
    # .asyncio.client
    "connect",
    "unix_connect",
    "ClientConnection",
    # .asyncio.router
    "route",
    "unix_route",
    "Router",
    # .asyncio.server
    "basic_auth",
    "broadcast",
    "serve",
    "unix_serve",
    "ServerConnection",
    "Server",
    # .client
    "ClientProtocol",
    # .datastructures
    "Headers",
    "HeadersLike",
    "MultipleValuesError",
    # .exceptions
    "ConcurrencyError",
    "ConnectionClosed",
    "ConnectionClosedError",
    "ConnectionClosedOK",
    "DuplicateParameter",
    "HeaderLineTooLong",
    "InvalidHandshake",
    "InvalidHeader",
    "InvalidHeaderFormat",
    "InvalidHeaderValue",
    "InvalidMessage",
    "InvalidMethod",
    "InvalidOrigin",
    "InvalidParameterName",
    "InvalidParameterValue",
    "InvalidProtocol",
    "InvalidProxy",
    "InvalidProxyMessage",
    "InvalidProxyStatus",
    "InvalidState",
    "InvalidStatus",
    "InvalidUpgrade",
    "InvalidURI",
    "NegotiationError",
    "PayloadTooBig",
    "ProtocolError",
    "ProxyError",
    "RequestLineTooLong",
    "SecurityError",
    "StatusLineTooLong",
    "TooManyFragments",
    "TooManyHeaders",
    "WebSocketException",
    # .frames
    "Close",
    "CloseCode",
    "Frame",
    "Opcode",
    # .http11
    "Request",
    "Response",
    # .protocol
    "Protocol",
    "Side",
    "State",
    # .server
    "ServerProtocol",
    # .typing
    "Data",
    "ExtensionName",
    "ExtensionParameter",
    "LoggerLike",
    "StatusLike",
    "Origin",
    "Subprotocol",
]

# Where each public name lives.
_LAZY: dict[str, str] = {}
for _module, _names in {
    ".asyncio.client": ["connect", "unix_connect", "ClientConnection"],
    ".asyncio.router": ["route", "unix_route", "Router"],
    ".asyncio.server": [
        "basic_auth",
        "broadcast",
        "serve",
        "unix_serve",
        "ServerConnection",
        "Server",
    ],
    ".client": ["ClientProtocol"],
    ".datastructures": ["Headers", "HeadersLike", "MultipleValuesError"],
    ".frames": ["Close", "CloseCode", "Frame", "Opcode"],
    ".http11": ["Request", "Response"],
    ".protocol": ["Protocol", "Side", "State"],
    ".server": ["ServerProtocol"],
    ".typing": [
        "Data",
        "ExtensionName",
        "ExtensionParameter",
        "LoggerLike",
        "StatusLike",
        "Origin",
        "Subprotocol",
    ],
}.items():
    for _name in _names:
        _LAZY[_name] = _module
for _name in __all__:
    _LAZY.setdefault(_name, ".exceptions")
del _module, _names, _name

# Deprecated names of the legacy implementation. Like websockets 17.4, each
# access warns, so they aren't cached in the module's namespace.
_DEPRECATED: dict[str, str] = {
    "WebSocketClientProtocol": ".legacy.client",
    "WebSocketCommonProtocol": ".legacy.protocol",
    "WebSocketServer": ".legacy.server",
    "WebSocketServerProtocol": ".legacy.server",
    "BasicAuthWebSocketServerProtocol": ".legacy.auth",
    "basic_auth_protocol_factory": ".legacy.auth",
    "AbortHandshake": ".legacy.exceptions",
    "InvalidStatusCode": ".legacy.exceptions",
    "RedirectHandshake": ".legacy.exceptions",
    "WebSocketProtocolError": ".legacy.exceptions",
}


def __getattr__(name: str) -> typing.Any:
    try:
        module_name = _LAZY[name]
    except KeyError:
        if name in _DEPRECATED:
            import warnings

            warnings.warn(
                f"websockets.{name} is deprecated",
                DeprecationWarning,
                stacklevel=2,
            )
            module = importlib.import_module(_DEPRECATED[name], __name__)
            return getattr(module, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__ + list(_DEPRECATED))


if typing.TYPE_CHECKING:
    from .asyncio.client import ClientConnection, connect, unix_connect
    from .asyncio.router import Router, route, unix_route
    from .asyncio.server import (
        Server,
        ServerConnection,
        basic_auth,
        broadcast,
        serve,
        unix_serve,
    )
    from .client import ClientProtocol
    from .datastructures import Headers, HeadersLike, MultipleValuesError
    from .exceptions import (
        ConcurrencyError,
        ConnectionClosed,
        ConnectionClosedError,
        ConnectionClosedOK,
        DuplicateParameter,
        HeaderLineTooLong,
        InvalidHandshake,
        InvalidHeader,
        InvalidHeaderFormat,
        InvalidHeaderValue,
        InvalidMessage,
        InvalidMethod,
        InvalidOrigin,
        InvalidParameterName,
        InvalidParameterValue,
        InvalidProtocol,
        InvalidProxy,
        InvalidProxyMessage,
        InvalidProxyStatus,
        InvalidState,
        InvalidStatus,
        InvalidUpgrade,
        InvalidURI,
        NegotiationError,
        PayloadTooBig,
        ProtocolError,
        ProxyError,
        RequestLineTooLong,
        SecurityError,
        StatusLineTooLong,
        TooManyFragments,
        TooManyHeaders,
        WebSocketException,
    )
    from .frames import Close, CloseCode, Frame, Opcode
    from .http11 import Request, Response
    from .protocol import Protocol, Side, State
    from .server import ServerProtocol
    from .typing import (
        Data,
        ExtensionName,
        ExtensionParameter,
        LoggerLike,
        Origin,
        StatusLike,
        Subprotocol,
    )
