from __future__ import annotations

import pathlib

import pytest

from tests.children import child_env as subprocess_env  # noqa: F401


REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory):
    """Certificate authority and server certificate made with trustme."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1", "::1")
    directory = tmp_path_factory.mktemp("certs")
    ca_path = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    cert_path = directory / "localhost.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_path))
    return ca, cert, ca_path, cert_path


@pytest.fixture
def server_ssl(certs):
    import ssl

    ca, cert, _, _ = certs
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    return context


@pytest.fixture
def client_ssl(certs):
    import ssl

    ca, cert, _, _ = certs
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ca.configure_trust(context)
    return context
