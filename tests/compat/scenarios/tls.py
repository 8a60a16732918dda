"""
TLS setup that scenarios share: certificates for "localhost" from a test CA,
``server_ctx`` presenting them and ``client_ctx`` trusting the CA.

"""

from __future__ import annotations


__all__ = ["TLS_CONTEXTS"]

TLS_CONTEXTS = """
import ssl, trustme
ca = trustme.CA()
cert = ca.issue_cert("localhost")
server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
cert.configure_cert(server_ctx)
client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ca.configure_trust(client_ctx)
"""
