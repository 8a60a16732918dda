"""
:mod:`trio` implementation of websockets: :mod:`~websockets.trio.client`,
:mod:`~websockets.trio.server`, :mod:`~websockets.trio.connection`.

trio is an optional dependency. Importing this package without it raises an
:exc:`ImportError` that names the extra which installs it; nothing else in
websockets imports trio.

"""

from __future__ import annotations


try:
    import trio  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "websockets.trio requires trio: pip install websockets-speedy[trio]"
    ) from exc
