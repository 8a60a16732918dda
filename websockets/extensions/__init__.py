"""
WebSocket extensions, as defined in :rfc:`6455#section-9`.

The base classes live in :mod:`websockets.extensions.base`; the only extension
implemented here, Per-Message Deflate, lives in
:mod:`websockets.extensions.permessage_deflate`.

"""

from __future__ import annotations

from .base import ClientExtensionFactory, Extension, ServerExtensionFactory


__all__ = ["Extension", "ClientExtensionFactory", "ServerExtensionFactory"]
