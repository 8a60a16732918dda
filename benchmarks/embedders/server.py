"""
Echo server for the embedder benchmark, run in its virtual environment.

    python server.py uvicorn|asyncio [--profile]

``uvicorn``: uvicorn with its defaults (``--ws auto``, i.e. websockets'
Sans-I/O ``ServerProtocol``; httptools; uvloop) and an ASGI echo app.
``asyncio``: websockets' own asyncio server, on uvloop too, for comparison.

``import websockets`` gives this project, or the released websockets with
``WEBSOCKETS_SPEEDY=0``. The server binds 127.0.0.1 on a free port, prints
one JSON line (port, which websockets), and serves until SIGTERM.

``--profile`` times the Sans-I/O methods that the server calls, with
``time.perf_counter_ns`` around each call, and prints the totals as a JSON
line when the server stops.

"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import signal
import socket
import sys
import time

import uvloop

import websockets
from websockets.server import ServerProtocol


PROFILED = [
    "receive_data",
    "events_received",
    "data_to_send",
    "send_text",
    "send_binary",
    "send_frame",
]

TIMINGS: dict[str, list[int]] = {}


def profile() -> None:
    """Wrap the methods of ServerProtocol to time every call."""
    for name in PROFILED:
        method = getattr(ServerProtocol, name, None)
        if method is None:  # not every version has every method
            continue
        totals = TIMINGS.setdefault(name, [0, 0])

        def timed(*args, __method=method, __totals=totals, **kwargs):  # type: ignore[no-untyped-def]
            start = time.perf_counter_ns()
            try:
                return __method(*args, **kwargs)
            finally:
                __totals[0] += time.perf_counter_ns() - start
                __totals[1] += 1

        setattr(ServerProtocol, name, functools.wraps(method)(timed))


def describe() -> str:
    try:
        from websockets import _accel
    except ImportError:
        return f"websockets {websockets.__version__}"
    kinds = "/".join(sorted(set(_accel.ACTIVE.values())))
    return f"websockets-speedy {websockets.__version__} ({kinds})"


async def asgi_echo(scope, receive, send):  # type: ignore[no-untyped-def]
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("bytes") is not None:
            await send({"type": "websocket.send", "bytes": message["bytes"]})
        else:
            await send({"type": "websocket.send", "text": message["text"]})


def print_timings() -> None:
    print(json.dumps({"timings": TIMINGS}), flush=True)


def run_uvicorn(sock: socket.socket) -> None:
    import uvicorn

    # uvicorn handles SIGTERM while it runs, then restores this handler and
    # raises the signal again once it has shut down.
    def stopped(signum: int, frame: object) -> None:
        print_timings()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stopped)

    config = uvicorn.Config(asgi_echo, lifespan="off", log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])


def run_asyncio(sock: socket.socket) -> None:
    from websockets.asyncio.server import serve

    async def echo(websocket):  # type: ignore[no-untyped-def]
        async for message in websocket:
            await websocket.send(message)

    async def main() -> None:
        stop = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGTERM, stop.set_result, None
        )
        async with serve(echo, sock=sock, ping_interval=None, compression=None):
            await stop

    uvloop.run(main())


def main() -> None:
    kind = sys.argv[1]
    if "--profile" in sys.argv:
        profile()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    info = {"port": sock.getsockname()[1], "websockets": describe(), "pid": os.getpid()}
    print(json.dumps(info), flush=True)
    if kind == "uvicorn":
        run_uvicorn(sock)
    else:
        run_asyncio(sock)
    print_timings()


if __name__ == "__main__":
    main()
