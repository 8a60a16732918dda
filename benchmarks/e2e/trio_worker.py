"""
Worker of the trio echo benchmark (``benchmarks/e2e/trio_echo.py``).

It runs in the interpreter of the library under test, often isolated
(``python -I``), so it imports nothing from this repository.

Usage::

    python trio_worker.py server LIB
        Print the port, then echo every message until terminated.
    python trio_worker.py client LIB URI SIZE WARMUP DURATION
        Send SIZE-byte messages and wait for each echo, WARMUP seconds then
        DURATION seconds; print {"round_trips", "cpu", "wall"} as JSON for
        the measured part.

LIB is ``websockets`` (websockets.trio, from this project or from the
released websockets, whichever the interpreter imports) or
``trio-websocket``.

"""

import functools
import json
import sys
import time

import trio


async def serve_websockets(task_status=trio.TASK_STATUS_IGNORED):
    from websockets.trio.server import serve

    async def echo(websocket):
        async for message in websocket:
            await websocket.send(message)

    async with trio.open_nursery() as nursery:
        server = await nursery.start(
            functools.partial(serve, echo, 0, host="127.0.0.1", compression=None)
        )
        task_status.started(server.listeners[0].socket.getsockname()[1])


async def serve_trio_websocket(task_status=trio.TASK_STATUS_IGNORED):
    from trio_websocket import ConnectionClosed, serve_websocket

    async def echo(request):
        websocket = await request.accept()
        try:
            while True:
                await websocket.send_message(await websocket.get_message())
        except ConnectionClosed:
            pass

    async with trio.open_nursery() as nursery:
        server = await nursery.start(serve_websocket, echo, "127.0.0.1", 0, None)
        task_status.started(server.port)


async def server(lib):
    serve = serve_websockets if lib == "websockets" else serve_trio_websocket
    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve)
        print(port, flush=True)


async def measure(send, recv, size, warmup, duration):
    message = b"x" * size
    deadline = trio.current_time() + warmup
    while trio.current_time() < deadline:
        await send(message)
        await recv()
    round_trips = 0
    cpu, wall = time.process_time(), time.perf_counter()
    deadline = trio.current_time() + duration
    while trio.current_time() < deadline:
        await send(message)
        await recv()
        round_trips += 1
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"round_trips": round_trips, "cpu": cpu, "wall": wall}


async def client(lib, uri, size, warmup, duration):
    if lib == "websockets":
        from websockets.trio.client import connect

        async with connect(uri, compression=None) as websocket:
            result = await measure(
                websocket.send, websocket.recv, size, warmup, duration
            )
    else:
        from trio_websocket import open_websocket_url

        async with open_websocket_url(uri) as websocket:
            result = await measure(
                websocket.send_message, websocket.get_message, size, warmup, duration
            )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    role, lib = sys.argv[1], sys.argv[2]
    if role == "server":
        trio.run(server, lib)
    else:
        uri, size, warmup, duration = sys.argv[3:7]
        trio.run(client, lib, uri, int(size), float(warmup), float(duration))
