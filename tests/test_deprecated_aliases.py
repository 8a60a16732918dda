"""
Deprecated names of the legacy implementation, kept in the Sans-I/O modules
as websockets keeps them: each access warns and returns the legacy object.

"""

import importlib
import warnings

import pytest


ALIASES = [
    ("websockets.client", "connect", "websockets.legacy.client"),
    ("websockets.client", "unix_connect", "websockets.legacy.client"),
    ("websockets.client", "WebSocketClientProtocol", "websockets.legacy.client"),
    ("websockets.server", "serve", "websockets.legacy.server"),
    ("websockets.server", "unix_serve", "websockets.legacy.server"),
    ("websockets.server", "WebSocketServerProtocol", "websockets.legacy.server"),
    ("websockets.server", "WebSocketServer", "websockets.legacy.server"),
    ("websockets.server", "broadcast", "websockets.legacy.protocol"),
    ("websockets.exceptions", "AbortHandshake", "websockets.legacy.exceptions"),
    ("websockets.exceptions", "InvalidStatusCode", "websockets.legacy.exceptions"),
    ("websockets.exceptions", "RedirectHandshake", "websockets.legacy.exceptions"),
    ("websockets.exceptions", "WebSocketProtocolError", "websockets.legacy.exceptions"),
]


@pytest.mark.parametrize("module_name, name, source_name", ALIASES)
def test_deprecated_alias_warns_and_returns_legacy_object(
    module_name, name, source_name
):
    module = importlib.import_module(module_name)
    with pytest.warns(
        DeprecationWarning, match=rf"^{module_name}\.{name} is deprecated$"
    ):
        value = getattr(module, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        source = importlib.import_module(source_name)
    assert value is getattr(source, name)


def test_unknown_attribute_raises_attribute_error():
    module = importlib.import_module("websockets.client")
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        module.nope  # noqa: B018
