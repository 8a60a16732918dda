"""
Helpers for the opening handshake (RFC 6455 §4) and for logging sockets.

"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import sys

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


def apply_mask(data: BytesLike, mask: bytes | bytearray) -> bytes:
    """
    Apply masking to the data of a WebSocket message.

    This is websockets' pure-Python function, kept for code that imports it
    from here; the library masks with the kernels of :mod:`websockets._accel`.
    It works on anything :meth:`int.from_bytes` accepts, so its errors are
    those of :func:`len`, :meth:`int.from_bytes` and ``*``, as in websockets.

    Args:
        data: Data to mask.
        mask: 4-bytes mask.

    """
    if len(mask) != 4:
        raise ValueError("mask must contain 4 bytes")
    # Order matters for the errors: data is converted before its length is
    # taken, and the repeated mask is built before it's converted.
    data_int = int.from_bytes(data, sys.byteorder)
    length = len(data)
    repeated = mask * (length // 4) + mask[: length % 4]
    mask_int = int.from_bytes(repeated, sys.byteorder)
    return (data_int ^ mask_int).to_bytes(length, sys.byteorder)


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
