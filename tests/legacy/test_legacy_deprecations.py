"""Deprecation warnings and exports of the legacy names, as in websockets 17.4."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings

import pytest

import websockets
from websockets.exceptions import InvalidHandshake, ProtocolError

from .conftest import subprocess_env


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import websockets.legacy.auth
    import websockets.legacy.client
    import websockets.legacy.exceptions
    import websockets.legacy.protocol
    import websockets.legacy.server


UPGRADE = (
    "see https://websockets.readthedocs.io/en/stable/howto/upgrade.html "
    "for upgrade instructions"
)


def warnings_on_fresh_import(module: str) -> list[str]:
    """Import ``module`` in a new interpreter; return its warnings."""
    code = (
        "import warnings\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        f"    import {module}\n"
        "for w in caught:\n"
        "    print(w.category.__name__, w.message, sep=': ')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def test_importing_legacy_warns():
    assert warnings_on_fresh_import("websockets.legacy.server") == [
        f"DeprecationWarning: websockets.legacy is deprecated; {UPGRADE}",
    ]


def test_importing_auth_alias_warns():
    lines = warnings_on_fresh_import("websockets.auth")
    assert (
        "DeprecationWarning: websockets.auth, an alias for websockets.legacy.auth, "
        f"is deprecated; {UPGRADE}"
    ) in lines


def test_importing_connection_alias_warns():
    assert warnings_on_fresh_import("websockets.connection") == [
        "DeprecationWarning: websockets.connection was renamed to "
        "websockets.protocol and Connection was renamed to Protocol",
    ]


def test_aliases_point_to_their_targets():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        auth = importlib.import_module("websockets.auth")
        connection = importlib.import_module("websockets.connection")
    assert auth.basic_auth_protocol_factory is (
        websockets.legacy.auth.basic_auth_protocol_factory
    )
    assert auth.__all__ == [
        "BasicAuthWebSocketServerProtocol",
        "basic_auth_protocol_factory",
    ]
    from websockets.protocol import Protocol, Side, State

    assert connection.Connection is Protocol
    assert connection.Side is Side
    assert connection.State is State


TOP_LEVEL_ALIASES = {
    "WebSocketClientProtocol": websockets.legacy.client,
    "WebSocketCommonProtocol": websockets.legacy.protocol,
    "WebSocketServer": websockets.legacy.server,
    "WebSocketServerProtocol": websockets.legacy.server,
    "BasicAuthWebSocketServerProtocol": websockets.legacy.auth,
    "basic_auth_protocol_factory": websockets.legacy.auth,
    "AbortHandshake": websockets.legacy.exceptions,
    "InvalidStatusCode": websockets.legacy.exceptions,
    "RedirectHandshake": websockets.legacy.exceptions,
}


@pytest.mark.parametrize("name", sorted(TOP_LEVEL_ALIASES))
def test_top_level_alias_warns_on_each_access(name):
    for _ in range(2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = getattr(websockets, name)
        assert [(w.category, str(w.message)) for w in caught] == [
            (DeprecationWarning, f"websockets.{name} is deprecated"),
        ]
        # The warning points to the code that uses the name.
        assert caught[0].filename == __file__
    assert value is getattr(TOP_LEVEL_ALIASES[name], name)
    assert name in dir(websockets)
    assert name not in websockets.__all__


def test_websocket_protocol_error_alias_is_protocol_error():
    with pytest.warns(
        DeprecationWarning, match="^websockets.WebSocketProtocolError is deprecated$"
    ):
        assert websockets.WebSocketProtocolError is ProtocolError


def test_unknown_name_still_raises_attribute_error():
    with pytest.raises(AttributeError):
        websockets.NoSuchName  # noqa: B018


@pytest.mark.parametrize(
    "module, names",
    [
        (
            websockets.legacy.server,
            [
                "broadcast",
                "serve",
                "unix_serve",
                "WebSocketServerProtocol",
                "WebSocketServer",
            ],
        ),
        (
            websockets.legacy.client,
            ["connect", "unix_connect", "WebSocketClientProtocol"],
        ),
        (websockets.legacy.protocol, ["WebSocketCommonProtocol", "broadcast"]),
        (
            websockets.legacy.auth,
            ["BasicAuthWebSocketServerProtocol", "basic_auth_protocol_factory"],
        ),
    ],
)
def test_legacy_modules_export_the_same_names(module, names):
    assert sorted(module.__all__) == sorted(names)


def test_serve_and_connect_are_classes_as_in_upstream():
    assert websockets.legacy.server.serve is websockets.legacy.server.Serve
    assert websockets.legacy.client.connect is websockets.legacy.client.Connect
    assert websockets.legacy.server.broadcast is websockets.legacy.protocol.broadcast


def test_legacy_exceptions():
    exceptions = websockets.legacy.exceptions
    status = exceptions.InvalidStatusCode(404, websockets.Headers())
    assert isinstance(status, InvalidHandshake)
    assert str(status) == "server rejected WebSocket connection: HTTP 404"
    abort = exceptions.AbortHandshake(403, {"X-Reason": "no"}, b"nope")
    assert isinstance(abort, InvalidHandshake)
    assert abort.status == 403 and abort.headers["X-Reason"] == "no"
    assert str(abort) == "HTTP 403, 1 headers, 4 bytes"
    redirect = exceptions.RedirectHandshake("ws://example.com/")
    assert str(redirect) == "redirect to ws://example.com/"
    assert exceptions.WebSocketProtocolError is ProtocolError
