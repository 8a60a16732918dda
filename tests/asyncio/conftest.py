from __future__ import annotations

import pathlib

import pytest

from tests.children import child_env as subprocess_env  # noqa: F401


REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(params=["asyncio", "builtin"])
def tls_implementation(request, monkeypatch):
    """
    Run the test with each TLS implementation on asyncio's event loop:
    asyncio's own and websockets.asyncio.tls.

    """
    import websockets.asyncio.tls

    monkeypatch.setattr(websockets.asyncio.tls, "TLS_IMPLEMENTATION", request.param)
    return request.param
