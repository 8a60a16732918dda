"""
Certificates for the TLS tests, made with trustme, defined once for the
whole suite; ``tests/conftest.py`` registers the fixtures.

``certs`` is one certificate authority and one server certificate for
``localhost``, ``127.0.0.1`` and ``::1``, also written to PEM files for
subprocesses and examples. ``server_ssl`` and ``client_ssl`` are contexts
that use them.

"""

from __future__ import annotations

import pathlib
import ssl
from typing import Any, NamedTuple

import pytest


__all__ = ["Certs", "certs", "server_ssl", "client_ssl"]


class Certs(NamedTuple):
    ca: Any
    """The :class:`trustme.CA`."""
    cert: Any
    """The server's :class:`trustme.LeafCert`."""
    ca_path: pathlib.Path
    """PEM file of the CA certificate, for clients."""
    cert_path: pathlib.Path
    """PEM file of the server's key and certificate chain."""


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    """Certificate authority and server certificate, made with trustme."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1", "::1")
    directory = tmp_path_factory.mktemp("certs")
    ca_path = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    cert_path = directory / "localhost.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_path))
    return Certs(ca, cert, ca_path, cert_path)


@pytest.fixture
def server_ssl(certs: Certs) -> ssl.SSLContext:
    """Server context with the certificate of ``certs``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certs.cert.configure_cert(context)
    return context


@pytest.fixture
def client_ssl(certs: Certs) -> ssl.SSLContext:
    """Client context that trusts the CA of ``certs``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    certs.ca.configure_trust(context)
    return context
