"""
Fixtures for the tests of websockets.trio.

The certificate fixtures (``certs``, ``server_ssl``, ``client_ssl``) come
from ``tests/certs.py``, registered for the whole suite.

"""
