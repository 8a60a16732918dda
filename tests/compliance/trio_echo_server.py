"""
Echo server with :mod:`websockets.trio`, tested by Autobahn's
``fuzzingclient``.

Usage::

    WEBSOCKETS_REQUIRE_SPEEDUPS=1 python -m tests.compliance.trio_echo_server --port 9002

Like :mod:`tests.compliance.echo_server`: it echoes every message, with
permessage-deflate enabled (the default) and a ``max_size`` large enough for
section 9, prints ``listening on HOST:PORT`` once it accepts connections,
then serves until it receives SIGINT or SIGTERM.

"""

from __future__ import annotations

import argparse
import functools
import signal

import trio

from websockets.exceptions import ConnectionClosed
from websockets.trio.server import ServerConnection, serve

from .common import MAX_SIZE, check_mode


async def echo(websocket: ServerConnection) -> None:
    """
    Send back every message, until the connection closes.

    """
    try:
        async for message in websocket:
            await websocket.send(message)
    except ConnectionClosed:
        # Many cases end with a protocol error on purpose.
        pass


async def main(host: str, port: int) -> None:
    """
    Serve :func:`echo` until SIGINT or SIGTERM.

    """
    mode = check_mode()
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            server = await nursery.start(
                functools.partial(serve, echo, port, host=host, max_size=MAX_SIZE)
            )
            bound = server.listeners[0].socket.getsockname()
            print(
                f"{mode} trio echo server listening on {bound[0]}:{bound[1]}",
                flush=True,
            )
            async for _ in signals:
                break
            await server.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9002)
    args = parser.parse_args()
    trio.run(main, args.host, args.port)
