"""
Fixtures for the tests of websockets.trio.

"""

from __future__ import annotations

# Certificates are made once, for the sync tests; reuse them.
from ..sync.conftest import certs, client_ssl, server_ssl  # noqa: F401
