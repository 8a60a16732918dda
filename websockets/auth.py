"""
Deprecated alias of :mod:`websockets.legacy.auth`.

"""

from __future__ import annotations

import warnings

from .legacy.auth import *  # noqa: F403
from .legacy.auth import __all__  # noqa: F401


warnings.warn(  # deprecated in websockets 14.0
    "websockets.auth, an alias for websockets.legacy.auth, is deprecated; "
    "see https://websockets.readthedocs.io/en/stable/howto/upgrade.html "
    "for upgrade instructions",
    DeprecationWarning,
    stacklevel=1,
)
