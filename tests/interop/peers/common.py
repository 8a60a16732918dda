"""
What every interop peer does, whatever its language or library.

The Python peers (``asyncio_peer.py``, ``sync_peer.py``) import this module;
``node/peer.mjs`` follows the same rules. Each script runs unchanged with the
released websockets or with ours: the interpreter and ``PYTHONPATH`` decide
which library ``import websockets`` finds.

Servers echo every message with its type, except these text commands:

``!extensions``
    Reply with the names of the negotiated extensions, comma-separated.
``!fragment``
    Send the text message ``FRAGMENTS`` in two frames.
``!ping``
    Ping the client with ``SERVER_PING``; reply ``!pong received`` once the
    pong arrives.
``!close CODE REASON``
    Close the connection with this code and reason.

When a connection ends, servers print ``closed CODE REASON`` (what they saw
in the closing handshake). Clients play one scenario, then print the same
line and ``ok``; they exit with a non-zero status on the first mismatch.

"""

from __future__ import annotations

import argparse
import os
import random
import ssl
import sys


SCENARIOS = [
    "messages",
    "fragmented",
    "large",
    "ping",
    "close-by-client",
    "close-by-server",
]

TEXT = "text é €"
BINARY = b"\x00\xff\x80binary"
FRAGMENTS = ["frag", "mented é"]
SERVER_PING = b"server ping"
CLIENT_PING = b"client ping"
CLIENT_CLOSE = (4001, "client bye é")
SERVER_CLOSE = (4002, "server bye é")

# 16 MiB: random bytes, which don't compress, and text with multi-byte
# characters. max_size leaves room for both on every peer.
LARGE_SIZE = 16 * 2**20
MAX_SIZE = 32 * 2**20

# The opening handshake takes milliseconds; the default bound of 10 seconds
# was once exceeded by a TLS handshake on a 2-core machine under heavy load.
OPEN_TIMEOUT = 60


def large_binary() -> bytes:
    return random.Random(LARGE_SIZE).randbytes(LARGE_SIZE)


def large_text() -> str:
    # 15 characters, 16 bytes in UTF-8: the message is 16 MiB when encoded.
    return "abcdefghijklmné" * (LARGE_SIZE // 16)


def describe_library() -> str:
    """Say which websockets this process imported, for the test to check."""
    import websockets

    try:
        from websockets import _accel  # type: ignore[attr-defined]
    except ImportError:
        kernels = "upstream"
    else:
        modes = set(_accel.ACTIVE.values())
        kernels = modes.pop() if len(modes) == 1 else "mixed"
    location = os.path.dirname(os.path.dirname(os.path.abspath(websockets.__file__)))
    return f"{websockets.__version__} {kernels} {location}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    server = commands.add_parser("server")
    server.add_argument("compression", choices=["deflate", "none"])
    server.add_argument("--certfile")
    client = commands.add_parser("client")
    client.add_argument("uri")
    client.add_argument("compression", choices=["deflate", "none"])
    client.add_argument("scenario", choices=SCENARIOS)
    client.add_argument("--cafile")
    return parser.parse_args()


def compression_option(name: str) -> str | None:
    return None if name == "none" else "deflate"


def expected_extensions(name: str) -> str:
    return "" if name == "none" else "permessage-deflate"


def server_ssl(certfile: str | None) -> ssl.SSLContext | None:
    if certfile is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile)
    return context


def client_ssl(cafile: str | None) -> ssl.SSLContext | None:
    if cafile is None:
        return None
    return ssl.create_default_context(cafile=cafile)


def parse_close_command(message: str) -> tuple[int, str]:
    _, code, reason = message.split(" ", 2)
    return int(code), reason


def check(condition: bool, what: str) -> None:
    """Stop the client with a message saying which expectation failed."""
    if not condition:
        print(f"interop peer: unexpected {what}", file=sys.stderr, flush=True)
        sys.exit(1)


def report(line: str) -> None:
    print(line, flush=True)
