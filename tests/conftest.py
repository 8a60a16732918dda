"""
Shared pytest configuration.

"""

from __future__ import annotations

import shutil
import sys
import tempfile

import pytest

# Certificates for TLS tests, defined once; see tests/certs.py.
from .certs import certs, client_ssl, server_ssl  # noqa: F401

# One set of twin fixtures for every kernel test; see tests/twins.py.
from .twins import (  # noqa: F401
    deflate_compiled,
    deflate_twin,
    framing_compiled,
    framing_twin,
    mask_compiled,
    mask_twin,
    pytest_collection_modifyitems as deselect_absent_twins,
    utf8_compiled,
    utf8_twin,
)
from .upstream import (
    MINIMUM_PYTHON,
    RELEASED_VERSION,
    Upstream,
    UpstreamUnavailable,
    ensure as ensure_upstream,
)


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """
    Deselect tests that can't run here, rather than skipping them.

    * Tests of compiled twins that aren't built (tests/twins.py).
    * Differential tests (marker ``differential``), which compare outputs
      with the released websockets, on a Python older than it supports
      (3.10): the release then runs on another Python version, and its
      outputs differ in what depends on the version (User-Agent, messages).

    """
    deselect_absent_twins(config, items)
    if sys.version_info[:2] < MINIMUM_PYTHON:
        kept = [
            item for item in items if item.get_closest_marker("differential") is None
        ]
        if len(kept) < len(items):
            config.hook.pytest_deselected(
                items=[item for item in items if item not in kept]
            )
            items[:] = kept


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
        pytest.fail(
            f"the released websockets {RELEASED_VERSION} is needed: {exc}",
            pytrace=False,
        )


# Proxy configuration that the clients read from the environment (websockets
# 17 honours them in connect()); a developer's or CI machine's settings
# mustn't route the tests' connections to 127.0.0.1 through a proxy.
PROXY_VARIABLES = [
    "ws_proxy",
    "wss_proxy",
    "socks_proxy",
    "https_proxy",
    "http_proxy",
    "all_proxy",
    "no_proxy",
]


@pytest.fixture(autouse=True)
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test without proxy configuration; proxy tests set their own."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture(scope="session")
def speedy_wheel(tmp_path_factory):
    """
    This project's wheel with compiled kernels, built once per run (tests/wheel.py).

    """
    from .wheel import build_wheel

    return build_wheel(tmp_path_factory.mktemp("speedy-wheel"))


@pytest.fixture
def unix_socket_path():
    """
    Path for a Unix socket, short enough for AF_UNIX (107 bytes on Linux).

    ``tmp_path`` nests the test's name under the temporary directory, which
    can make the path too long, e.g. when TMPDIR is itself deep.

    """
    directory = tempfile.mkdtemp(prefix="ws")
    yield f"{directory}/s"
    shutil.rmtree(directory, ignore_errors=True)
