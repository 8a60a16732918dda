"""
Compatibility layer for programs written against the legacy implementation.

websockets 17.x still ships the implementation that predates the
:mod:`asyncio` one, deprecated since websockets 14.0. Here, the same names are
thin adapters over :mod:`websockets.asyncio`: there is only one protocol
stack, and legacy programs get the compiled fast paths too.

"""

from __future__ import annotations

import warnings


# Importing the package warns once, like websockets 17.4 does.
warnings.warn(  # deprecated in websockets 14.0
    "websockets.legacy is deprecated; "
    "see https://websockets.readthedocs.io/en/stable/howto/upgrade.html "
    "for upgrade instructions",
    DeprecationWarning,
    stacklevel=1,
)
