"""
Fixtures for the interop tests: Chromium, Node's ws, the released websockets.

Every test module here sets ``pytestmark = pytest.mark.interop``. The default
suite deselects that marker; ``tests/interop/ci.sh`` installs the peers and
runs ``pytest -m interop tests/interop``. A missing peer fails the tests with
a message that says how to install it: nothing here is skipped.

"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from .harness import NODE, REPO, Runtimes


CHROMIUM = os.environ.get("WEBSOCKETS_INTEROP_CHROMIUM", "/usr/bin/chromium")
INSTALL_HINT = "run `bash tests/interop/ci.sh`, which installs the interop peers"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "interop: meets real peers (Chromium, Node's ws, the released websockets);"
        " run with `bash tests/interop/ci.sh` or `pytest -m interop tests/interop`",
    )


@pytest.fixture(scope="session")
def upstream_python() -> str:
    """
    Interpreter with the released websockets 17.4.

    Like tests/asyncio: ``WEBSOCKETS_UPSTREAM_PYTHON`` if set, else
    /opt/upstream/bin/python if present, else a virtualenv made once in
    ``.cache/upstream``.

    """
    python = os.environ.get("WEBSOCKETS_UPSTREAM_PYTHON")
    if not python and os.path.exists("/opt/upstream/bin/python"):
        python = "/opt/upstream/bin/python"
    if not python:
        venv = REPO / ".cache" / "upstream"
        python = str(venv / "bin" / "python")
        if not os.path.exists(python):
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run(
                [python, "-m", "pip", "install", "-q", "websockets==17.4"], check=True
            )
    result = subprocess.run(
        [python, "-c", "import websockets; print(websockets.__version__)"],
        capture_output=True,
        text=True,
        cwd="/",
    )
    if result.stdout.strip() != "17.4":
        pytest.fail(
            f"{python} must have the released websockets 17.4, found"
            f" {result.stdout.strip() or result.stderr.strip()!r}; {INSTALL_HINT}"
        )
    return python


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
def runtimes(upstream_python: str, node: str) -> Runtimes:
    return Runtimes(sys.executable, upstream_python, node)


@pytest.fixture(scope="session")
def certs(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[pathlib.Path, pathlib.Path]:
    """(server key and chain, CA certificate), as PEM files made with trustme."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    directory = tmp_path_factory.mktemp("interop-certs")
    certfile = directory / "server.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    cafile = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    return certfile, cafile


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
