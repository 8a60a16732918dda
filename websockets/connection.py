"""
Deprecated alias of :mod:`websockets.protocol`, from when
:class:`~websockets.protocol.Protocol` was named ``Connection``.

"""

from __future__ import annotations

import warnings

from .protocol import SEND_EOF, Protocol as Connection, Side, State  # noqa: F401


warnings.warn(  # deprecated in websockets 11.0
    "websockets.connection was renamed to websockets.protocol "
    "and Connection was renamed to Protocol",
    DeprecationWarning,
    stacklevel=1,
)
