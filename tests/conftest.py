"""
Shared pytest configuration.

"""

from __future__ import annotations

import pytest

# Certificates for TLS tests, defined once; see tests/certs.py.
from .certs import certs, client_ssl, server_ssl  # noqa: F401

# One set of twin fixtures for every kernel test; see tests/twins.py.
from .twins import (  # noqa: F401
    framing_compiled,
    framing_twin,
    mask_compiled,
    mask_twin,
    pytest_collection_modifyitems,
    utf8_compiled,
    utf8_twin,
)
from .upstream import (
    RELEASED_VERSION,
    Upstream,
    UpstreamUnavailable,
    ensure as ensure_upstream,
)


def pytest_report_header(config):
    # Say up front which twin of each kernel the run exercises: a "compiled"
    # run that silently tests pure code is the failure mode to rule out.
    try:
        from websockets import _accel
    except ImportError as exc:
        return f"websockets kernels: cannot import websockets._accel: {exc}"
    kernels = ", ".join(f"{name}={mode}" for name, mode in _accel.ACTIVE.items())
    return f"websockets kernels: {kernels}"


@pytest.fixture(scope="session")
def upstream() -> Upstream:
    """
    The released websockets, in its own virtual environment (tests/upstream.py).

    Run it with ``upstream.run(...)``/``upstream.popen(...)``, or build the
    command with ``upstream.command(...)`` and keep ``cwd=upstream.cwd``: both
    start it isolated (``-I``) and outside the repository.

    """
    try:
        return ensure_upstream()
    except UpstreamUnavailable as exc:
        pytest.fail(f"the released websockets {RELEASED_VERSION} is needed: {exc}", pytrace=False)
