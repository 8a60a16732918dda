"""
Helpers for the opening handshake (RFC 6455 §4) and for logging sockets.

"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket

from ._pure.mask import apply_mask
from .typing import BytesLike as BytesLike


__all__ = ["accept_key", "apply_mask", "get_socket_name"]


# RFC 6455 §1.3: the GUID that the server concatenates with the client's key.
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def generate_key() -> str:
    """
    Generate a random key for the Sec-WebSocket-Key header.

    """
    # RFC 6455 §4.1: "a randomly selected 16-byte value that has been
    # base64-encoded". secrets.token_bytes is looked up at call time so that
    # tests can patch it.
    key = secrets.token_bytes(16)
    return base64.b64encode(key).decode()


def accept_key(key: str) -> str:
    """
    Compute the value of the Sec-WebSocket-Accept header.

    Args:
        key: Value of the Sec-WebSocket-Key header.

    """
    # RFC 6455 §4.2.2: base64 of the SHA-1 of the key concatenated with GUID.
    sha1 = hashlib.sha1((key + GUID).encode()).digest()
    return base64.b64encode(sha1).decode()


def get_socket_name(sock: socket.socket) -> str:
    """
    Return a string representation of :meth:`~socket.socket.getsockname`.

    IPv4 addresses are formatted as ``host:port``, IPv6 addresses as
    ``[host]:port``, and Unix socket paths as they are.

    Args:
        sock: Bound socket of the ``AF_INET``, ``AF_INET6`` or ``AF_UNIX``
            family.

    Raises:
        AssertionError: If the socket belongs to another family.

    """
    name = sock.getsockname()
    if sock.family == socket.AF_INET:
        host, port = name
        return f"{host}:{port}"
    elif sock.family == socket.AF_INET6:
        host, port, _flowinfo, _scope_id = name
        return f"[{host}]:{port}"
    elif sock.family == getattr(socket, "AF_UNIX", None):
        return str(name)
    else:
        raise AssertionError("unsupported socket family")
