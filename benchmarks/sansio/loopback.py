"""
In-memory client <-> server echo through the Sans-I/O layer: no sockets, no
event loop, only the protocol's cost.

The script uses only the public Sans-I/O API of websockets, so the same file
measures this project (compiled or pure) and the released websockets run from
another virtual environment::

    python benchmarks/sansio/loopback.py --json out.json
    WEBSOCKETS_NO_SPEEDUPS=1 python benchmarks/sansio/loopback.py
    benchmarks/.venv-peers/bin/python -I benchmarks/sansio/loopback.py

"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def label() -> str:
    import websockets

    try:
        from websockets import _accel

        mode = "compiled" if set(_accel.ACTIVE.values()) == {"compiled"} else "pure"
        return f"ours ({mode})"
    except ImportError:
        try:
            import websockets.speedups  # noqa: F401
        except ImportError:
            return f"websockets {websockets.__version__} (no C)"
        return f"websockets {websockets.__version__}"


def open_pair(compression: bool):  # type: ignore[no-untyped-def]
    from websockets.client import ClientProtocol
    from websockets.extensions.permessage_deflate import (
        ClientPerMessageDeflateFactory,
        ServerPerMessageDeflateFactory,
    )
    from websockets.server import ServerProtocol
    from websockets.uri import parse_uri

    client = ClientProtocol(
        parse_uri("ws://localhost/"),
        extensions=[ClientPerMessageDeflateFactory()] if compression else None,
        max_size=None,
    )
    server = ServerProtocol(
        extensions=[ServerPerMessageDeflateFactory()] if compression else None,
        max_size=None,
    )
    client.send_request(client.connect())
    for data in client.data_to_send():
        server.receive_data(data)
    [request] = server.events_received()
    server.send_response(server.accept(request))
    for data in server.data_to_send():
        client.receive_data(data)
    client.events_received()
    return client, server


def echo_rate(size: int, compression: bool, duration: float) -> float:
    """Return echo round-trips per second for messages of ``size`` bytes."""
    client, server = open_pair(compression)
    # Compressible but not trivial payload.
    message = (b"websocket benchmark payload " * (size // 28 + 1))[:size]
    count = 0
    deadline = time.perf_counter() + duration
    start = time.perf_counter()
    while True:
        for _ in range(100):
            client.send_binary(message)
            for data in client.data_to_send():
                server.receive_data(data)
            for frame in server.events_received():
                server.send_binary(frame.data)
            for data in server.data_to_send():
                client.receive_data(data)
            client.events_received()
        count += 100
        if time.perf_counter() > deadline:
            break
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--json", help="append results to this JSON file")
    args = parser.parse_args()

    name = label()
    results = []
    for compression in (False, True):
        for size in (16, 1024, 65536):
            rate = echo_rate(size, compression, args.duration)
            results.append(
                {
                    "implementation": name,
                    "size": size,
                    "compression": compression,
                    "round_trips_per_s": rate,
                }
            )
            print(
                f"{name:24} {size:>6} B {'deflate' if compression else 'plain':8}"
                f" {rate:>12,.0f} round-trips/s",
                flush=True,
            )
    if args.json:
        existing = []
        if os.path.exists(args.json):
            with open(args.json) as file:
                existing = json.load(file)
        with open(args.json, "w") as file:
            json.dump(existing + results, file, indent=2)


if __name__ == "__main__":
    sys.exit(main())
