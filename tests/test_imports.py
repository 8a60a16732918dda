"""websockets.imports: lazy, module-level imports (PEP 562)."""

from __future__ import annotations

import warnings

import pytest

import websockets
import websockets.client
import websockets.exceptions
import websockets.server
from websockets.frames import Close, Frame
from websockets.imports import import_name, lazy_import


def namespace(**names):
    return {"__name__": "example.module", "__package__": "websockets", **names}


def test_lazy_import_defines_getattr_and_dir():
    ns = namespace(existing=1)
    lazy_import(
        ns, aliases={"Frame": ".frames"}, deprecated_aliases={"Close": ".frames"}
    )
    assert ns["__getattr__"]("Frame") is Frame
    assert ns["__dir__"]() == ["Close", "Frame", "__name__", "__package__", "existing"]


def test_lazy_import_does_not_cache_names():
    ns = namespace()
    lazy_import(ns, aliases={"Frame": ".frames"})
    ns["__getattr__"]("Frame")
    assert "Frame" not in ns


def test_deprecated_alias_warns_at_each_access():
    ns = namespace()
    lazy_import(ns, deprecated_aliases={"Close": ".frames"})
    for _ in range(2):
        with pytest.warns(
            DeprecationWarning, match=r"^example\.module\.Close is deprecated$"
        ):
            assert ns["__getattr__"]("Close") is Close


def test_alias_does_not_warn():
    ns = namespace()
    lazy_import(ns, aliases={"Frame": ".frames"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ns["__getattr__"]("Frame")


def test_unknown_name_raises_attribute_error():
    ns = namespace()
    lazy_import(ns, aliases={"Frame": ".frames"})
    with pytest.raises(
        AttributeError, match="module 'example.module' has no attribute 'zzz'"
    ):
        ns["__getattr__"]("zzz")


@pytest.mark.parametrize(
    "names, aliases, deprecated_aliases",
    [
        ({}, {"a": ".frames"}, {"a": ".frames"}),
        ({"a": 1}, {"a": ".frames"}, {}),
        ({"a": 1}, {}, {"a": ".frames"}),
    ],
)
def test_conflicting_names_are_rejected(names, aliases, deprecated_aliases):
    with pytest.raises(AssertionError, match="namespace conflict"):
        lazy_import(namespace(**names), aliases, deprecated_aliases)


def test_import_name_imports_objects_and_submodules():
    import websockets.frames

    assert import_name("Frame", ".frames", {"__package__": "websockets"}) is Frame
    assert import_name("Frame", "websockets.frames", {}) is Frame
    assert import_name("frames", "websockets", {"__name__": "x"}) is websockets.frames


def test_import_name_rejects_missing_names():
    with pytest.raises(AttributeError, match="has no attribute 'Zzz'"):
        import_name("Zzz", ".frames", {"__package__": "websockets"})


def test_websockets_binds_lazy_import():
    assert websockets.lazy_import is lazy_import


@pytest.mark.parametrize(
    "module, names",
    [
        (websockets.client, ["WebSocketClientProtocol", "connect", "unix_connect"]),
        (
            websockets.server,
            [
                "WebSocketServer",
                "WebSocketServerProtocol",
                "broadcast",
                "serve",
                "unix_serve",
            ],
        ),
        (
            websockets.exceptions,
            [
                "AbortHandshake",
                "InvalidStatusCode",
                "RedirectHandshake",
                "WebSocketProtocolError",
            ],
        ),
    ],
)
def test_deprecated_legacy_names_are_listed_and_warn(module, names):
    assert set(names) <= set(dir(module))
    for name in names:
        with pytest.warns(
            DeprecationWarning, match=rf"^{module.__name__}\.{name} is deprecated$"
        ):
            getattr(module, name)
