"""
Fixtures for the interop tests: Chromium, Node's ws, the released websockets.

Every test module here sets ``pytestmark = pytest.mark.interop``. The default
suite deselects that marker; ``tests/interop/ci.sh`` installs the peers and
runs ``pytest -m interop tests/interop``. A missing peer fails the tests with
a message that says how to install it: nothing here is skipped.

"""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from ..upstream import Upstream
from .harness import NODE, Runtimes


CHROMIUM = os.environ.get("WEBSOCKETS_INTEROP_CHROMIUM", "/usr/bin/chromium")
INSTALL_HINT = "run `bash tests/interop/ci.sh`, which installs the interop peers"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "interop: meets real peers (Chromium, Node's ws, the released websockets);"
        " run with `bash tests/interop/ci.sh` or `pytest -m interop tests/interop`",
    )


@pytest.fixture(scope="session")
def node() -> str:
    """Node.js, with ws installed in tests/interop/node."""
    path = shutil.which("node")
    if path is None:
        pytest.fail(f"Node.js (`node`) isn't installed; {INSTALL_HINT}")
    if not (NODE / "node_modules" / "ws" / "package.json").exists():
        pytest.fail(f"ws isn't installed: run `npm ci` in {NODE}; {INSTALL_HINT}")
    return path


@pytest.fixture(scope="session")
def runtimes(upstream: Upstream, node: str) -> Runtimes:
    return Runtimes(sys.executable, upstream.python, node)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, which Playwright drives."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium isn't installed at {CHROMIUM} (Debian: `apt-get install"
            f" chromium`); {INSTALL_HINT}"
        )
    try:
        import playwright  # noqa: F401
    except ImportError:
        pytest.fail(
            f"Playwright isn't installed (`pip install playwright`); {INSTALL_HINT}"
        )
    return CHROMIUM
