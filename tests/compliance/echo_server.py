"""
Echo server tested by Autobahn's ``fuzzingclient``.

Usage::

    WEBSOCKETS_REQUIRE_SPEEDUPS=1 python -m tests.compliance.echo_server --port 9002

It echoes every message it receives, with permessage-deflate enabled (the
default) and a ``max_size`` large enough for section 9. It prints
``listening on HOST:PORT`` once it accepts connections, then serves until it
receives SIGINT or SIGTERM.

"""

from __future__ import annotations

import argparse
import asyncio
import signal

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from .common import MAX_SIZE, check_mode


async def echo(websocket: ServerConnection) -> None:
    """
    Send back every message, until the connection closes.

    """
    try:
        async for message in websocket:
            await websocket.send(message)
    except ConnectionClosed:
        # Many cases end with a protocol error on purpose; the connection
        # closes with the matching code and there's nothing else to do.
        pass


async def main(host: str, port: int) -> None:
    """
    Serve :func:`echo` until SIGINT or SIGTERM.

    """
    mode = check_mode()
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set_result, None)
    async with serve(echo, host, port, max_size=MAX_SIZE) as server:
        bound = server.sockets[0].getsockname()
        print(f"{mode} echo server listening on {bound[0]}:{bound[1]}", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9002)
    args = parser.parse_args()
    asyncio.run(main(args.host, args.port))
