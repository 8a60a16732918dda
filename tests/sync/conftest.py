"""
Fixtures for the tests of websockets.sync.

"""

from __future__ import annotations

import os
import pathlib
import ssl
import subprocess
import sys

import pytest


REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def upstream_python() -> str:
    """
    Interpreter with the released websockets 17.4, to run as a peer process.

    ``WEBSOCKETS_UPSTREAM_PYTHON`` points to it. Otherwise, a virtualenv is
    created once in ``.cache/upstream``, so that a fresh machine works too.

    """
    python = os.environ.get("WEBSOCKETS_UPSTREAM_PYTHON")
    if python:
        return python
    venv = REPO / ".cache" / "upstream"
    python = str(venv / "bin" / "python")
    if not os.path.exists(python):
        # sys.executable is a Python 3.12 like the one the brief asks for;
        # a pyenv shim named python3.12 may not work in a subprocess.
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [python, "-m", "pip", "install", "-q", "websockets==17.4"], check=True
        )
    return python


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    """Certificate authority and server certificate, made with trustme."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1", "::1")
    directory = tmp_path_factory.mktemp("sync-certs")
    ca_path = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    cert_path = directory / "localhost.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_path))
    return ca, cert, ca_path, cert_path


@pytest.fixture
def server_ssl(certs):
    _, cert, _, _ = certs
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    return context


@pytest.fixture
def client_ssl(certs):
    ca, _, _, _ = certs
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ca.configure_trust(context)
    return context
