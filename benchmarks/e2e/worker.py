"""
One process of the end-to-end benchmark: an echo server, a client, or a
helper command, for one library on one event loop.

The orchestrator (:mod:`benchmarks.e2e.run`) starts this script as a plain
file, never as part of a package, with the interpreter of the library under
test: ``benchmarks/.venv-peers`` for the peers (run with ``-I``, so that the
repository's ``websockets`` stays off ``sys.path`` and the upstream release
is imported), the project's virtualenv with ``PYTHONPATH=<repo>`` for this
project. Libraries are imported lazily, so a process only loads its own.

Commands::

    worker.py certs DIR
    worker.py info --lib LIB
    worker.py server --lib LIB --loop LOOP [--tls DIR] [--mode echo|broadcast]
    worker.py client --lib LIB --loop LOOP --port PORT [--tls DIR] [--mode ...]

A server prints ``READY <port>`` on stdout once it listens, then serves until
it's terminated. A client connects, runs the warm-up then the measurement,
and prints one JSON object on stdout: round trips (or delivered messages),
elapsed time, its own CPU time and the CPU time of ``--peer-pid``, read from
``/proc`` over the same interval.

"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import os
import random
import resource
import ssl
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import parse_proc_stat, parse_schedstat  # type: ignore[import-not-found,unused-ignore]  # noqa: E402


ACK_EVERY = 8
"""In the broadcast benchmark, clients acknowledge every 8th message."""

WINDOW = 2
"""The broadcasting server runs at most this many acknowledgment periods
ahead of the slowest client, which bounds its write buffers to
``ACK_EVERY * (WINDOW + 1)`` messages per connection: websockets' and
picows' ``broadcast()`` don't apply backpressure by design."""

CONNECT_CONCURRENCY = 50
"""Connections opened at once by the many-connection client, below the
default listen backlog (100) of asyncio and uvloop servers."""


COMPRESSION: str | None = None
"""``"deflate"`` to keep the default permessage-deflate of websockets-like
libraries (``--compression deflate``), :obj:`None` to disable it."""

POOL = 64
"""Messages in rotation with ``--compression deflate``: distinct messages, so
that the compressor can't reduce a message to a back-reference to the last
one; 64 messages of 256 B already exceed the 4 KiB window of the default
configuration."""


def json_like(size: int, index: int) -> str:
    """Return ``size`` characters of JSON-like text, different for each index."""
    rng = random.Random(index)
    records = []
    length = 0
    while length < size:
        record = json.dumps(
            {
                "id": rng.randrange(10**6),
                "user": f"user{rng.randrange(10**4)}",
                "active": rng.random() < 0.5,
                "score": round(rng.random() * 100, 2),
                "tags": rng.sample(["alpha", "beta", "gamma", "delta", "news"], 2),
            }
        )
        records.append(record)
        length += len(record) + 1
    return ("[" + ",".join(records) + "]")[:size]


def payloads(size: int, payload: str) -> list[Any]:
    """Return the messages a client sends, in rotation."""
    if COMPRESSION is None:
        return [os.urandom(size)]
    if payload == "json":
        return [json_like(size, index) for index in range(POOL)]
    return [os.urandom(size) for _ in range(POOL)]


# Process set-up.


def raise_nofile_limit() -> None:
    """Raise RLIMIT_NOFILE to its hard limit: 1,000 connections need it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = 1 << 20 if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass


def new_event_loop(name: str) -> asyncio.AbstractEventLoop:
    """Create the event loop named ``asyncio`` or ``uvloop``."""
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    if name == "asyncio":
        return asyncio.new_event_loop()
    raise ValueError(f"unknown event loop: {name}")


def cpu_reader(pid: int) -> Callable[[], float]:
    """
    Return a function that reads the CPU time of another process, in seconds.

    ``/proc/PID/schedstat`` counts nanoseconds of the main thread, which is
    the only busy thread of an event loop process; ``/proc/PID/stat``, the
    fallback, counts 10 ms clock ticks.

    """
    if pid <= 0:
        return lambda: 0.0
    schedstat = f"/proc/{pid}/schedstat"
    if os.path.exists(schedstat):

        def read_schedstat() -> float:
            with open(schedstat, encoding="ascii") as file:
                return parse_schedstat(file.read())

        return read_schedstat
    ticks = os.sysconf("SC_CLK_TCK")

    def read_stat() -> float:
        with open(f"/proc/{pid}/stat", encoding="ascii") as file:
            return parse_proc_stat(file.read(), ticks)

    return read_stat


def server_ssl_context(certs: str | None) -> ssl.SSLContext | None:
    """Return the server's TLS context, or ``None`` for plain TCP."""
    if certs is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(os.path.join(certs, "server.pem"))
    return context


def client_ssl_context(certs: str | None) -> ssl.SSLContext | None:
    """Return the client's TLS context, trusting the run's CA, or ``None``."""
    if certs is None:
        return None
    return ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))


def make_certs(directory: str) -> None:
    """Write a CA and a server certificate for 127.0.0.1 with trustme."""
    import trustme

    os.makedirs(directory, exist_ok=True)
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    ca.cert_pem.write_to_path(os.path.join(directory, "ca.pem"))
    server.private_key_and_cert_chain_pem.write_to_path(
        os.path.join(directory, "server.pem")
    )


def library_info(library: str) -> dict[str, Any]:
    """Describe the library this process would load: version, location."""
    info: dict[str, Any] = {"python": sys.version.split()[0]}
    if library in ("ours", "websockets"):
        import websockets

        info["version"] = websockets.__version__
        info["file"] = websockets.__file__
        try:
            from websockets import _accel  # type: ignore[attr-defined,unused-ignore]
        except ImportError:
            info["project"] = "upstream"
        else:
            info["project"] = "ours"
            modes = set(_accel.ACTIVE.values())
            info["mode"] = "compiled" if modes == {"compiled"} else "pure"
            try:
                from websockets import _deflate_impl  # type: ignore[attr-defined,unused-ignore]
            except ImportError:  # before the choice of deflate library
                info["deflate"] = "zlib"
            else:
                info["deflate"] = _deflate_impl.IMPL
    elif library == "aiohttp":
        info["version"] = importlib.metadata.version("aiohttp")
    elif library in ("picows", "picows-websockets"):
        info["version"] = importlib.metadata.version("picows")
        if library == "picows-websockets":
            import picows.websockets  # noqa: F401
    for name in ("uvloop",):
        try:
            info[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return info


# Shared state between a client's echo loops and its measurement.


class Counter:
    """Round trips or messages counted by a client, and a stop flag."""

    def __init__(self) -> None:
        self.count = 0
        self.stop = False


# Clients under test: one connection, round trips of one message.


async def client_websockets_like(
    connect: Any,
    url: str,
    context: ssl.SSLContext | None,
    message: bytes,
    counter: Counter,
    ready: asyncio.Future[None],
    pool: list[Any] | None = None,
) -> None:
    """Echo loop with the API of websockets (ours, upstream, picows')."""
    kwargs: dict[str, Any] = dict(
        compression=COMPRESSION, max_size=None, ping_interval=None, proxy=None
    )
    if context is not None:
        kwargs["ssl"] = context
    async with connect(url, **kwargs) as websocket:
        ready.set_result(None)
        send, recv = websocket.send, websocket.recv
        if pool is None or len(pool) == 1:
            while not counter.stop:
                await send(message)
                await recv()
                counter.count += 1
        else:
            index = 0
            while not counter.stop:
                await send(pool[index % POOL])
                await recv()
                index += 1
                counter.count += 1


async def client_aiohttp(
    url: str,
    context: ssl.SSLContext | None,
    message: bytes,
    counter: Counter,
    ready: asyncio.Future[None],
) -> None:
    """Echo loop with aiohttp's client."""
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(
            url,
            ssl=context if context is not None else True,
            max_msg_size=0,
            autoping=True,
            compress=0,
        ) as websocket:
            ready.set_result(None)
            send, receive = websocket.send_bytes, websocket.receive
            while not counter.stop:
                await send(message)
                reply = await receive()
                if reply.type != aiohttp.WSMsgType.BINARY:
                    raise RuntimeError(f"unexpected message: {reply!r}")
                counter.count += 1


def picows_client_listener(message: bytes, counter: Counter, acks: bool = False) -> Any:
    """
    Return a picows listener factory for echo or broadcast clients.

    Echo: send ``message`` on connection and after every complete reply.
    Broadcast (``acks``): count messages and send a 1-byte acknowledgment
    every :data:`ACK_EVERY` messages.

    """
    import picows

    binary = picows.WSMsgType.BINARY
    ack = b"a"

    class Listener(picows.WSListener):  # type: ignore[misc,unused-ignore]
        def __init__(self) -> None:
            self.received = 0

        def on_ws_connected(self, transport: Any) -> None:
            if not acks:
                transport.send(binary, message)

        def on_ws_frame(self, transport: Any, frame: Any) -> None:
            if not frame.fin or frame.msg_type not in (
                binary,
                picows.WSMsgType.CONTINUATION,
            ):
                if frame.msg_type == picows.WSMsgType.CLOSE:
                    transport.disconnect()
                return
            counter.count += 1
            if acks:
                self.received += 1
                if self.received % ACK_EVERY == 0:
                    transport.send(binary, ack)
            elif not counter.stop:
                transport.send(binary, message)

    return Listener


async def client_picows(
    url: str,
    context: ssl.SSLContext | None,
    message: bytes,
    counter: Counter,
    ready: asyncio.Future[None],
) -> None:
    """Echo loop with raw picows: callbacks, no coroutine per message."""
    import picows

    transport, _ = await picows.ws_connect(
        picows_client_listener(message, counter),
        url,
        ssl_context=context,
        max_frame_size=1 << 30,
    )
    ready.set_result(None)
    try:
        await transport.wait_disconnected()
    finally:
        transport.disconnect()


def client_loop(library: str) -> Callable[..., Coroutine[Any, Any, None]]:
    """Return the echo loop of a library's client."""
    if library in ("ours", "websockets"):
        from websockets.asyncio.client import connect

        return lambda *args: client_websockets_like(connect, *args)
    if library == "picows-websockets":
        from picows.websockets import connect as picows_connect

        return lambda *args: client_websockets_like(picows_connect, *args)
    if library == "aiohttp":
        return client_aiohttp
    if library == "picows":
        return client_picows
    raise ValueError(f"unknown library: {library}")


# Servers under test.


class Broadcast:
    """
    State of a broadcasting server: connections, acknowledgments, window.

    Each connection's handler calls :meth:`add` then :meth:`ack` for each
    acknowledgment; :meth:`run` waits for ``expected`` connections then calls
    ``send(connections, message)`` in a loop, waiting whenever it is more
    than :data:`WINDOW` acknowledgment periods ahead of the clients.

    """

    def __init__(self, expected: int, size: int) -> None:
        self.expected = expected
        self.message = b"\x00" * size
        self.connections: list[Any] = []
        self.acks = 0
        self.target = 0
        self.waiter: asyncio.Future[None] | None = None
        self.full = asyncio.get_running_loop().create_future()

    def add(self, connection: Any) -> None:
        self.connections.append(connection)
        if len(self.connections) == self.expected and not self.full.done():
            self.full.set_result(None)

    def ack(self) -> None:
        self.acks += 1
        if self.waiter is not None and self.acks >= self.target:
            if not self.waiter.done():
                self.waiter.set_result(None)

    async def run(
        self, send: Callable[[list[Any], bytes], Awaitable[None] | None]
    ) -> None:
        await self.full
        loop = asyncio.get_running_loop()
        connections = self.connections
        rounds = 0
        while True:
            result = send(connections, self.message)
            if result is not None:
                await result
            rounds += 1
            if rounds % ACK_EVERY == 0:
                periods = rounds // ACK_EVERY - WINDOW
                self.target = periods * len(connections)
                if self.acks < self.target:
                    self.waiter = loop.create_future()
                    await self.waiter
                    self.waiter = None
                else:
                    # Let the loop run reads and writes between rounds.
                    await asyncio.sleep(0)


async def serve_websockets_like(
    library: str,
    context: ssl.SSLContext | None,
    mode: str,
    connections: int,
    size: int,
) -> int:
    """Start an echo or broadcast server with the API of websockets."""
    if library == "picows-websockets":
        from picows.websockets import broadcast, serve
    else:
        from websockets.asyncio.server import broadcast, serve

    if mode == "broadcast":
        state = Broadcast(connections, size)

        async def handler(websocket: Any) -> None:
            state.add(websocket)
            async for _ in websocket:
                state.ack()

        asyncio.get_running_loop().create_task(state.run(broadcast))
    else:

        async def handler(websocket: Any) -> None:
            send = websocket.send
            async for message in websocket:
                await send(message)

    kwargs: dict[str, Any] = dict(
        compression=COMPRESSION, max_size=None, ping_interval=None, backlog=1024
    )
    if context is not None:
        kwargs["ssl"] = context
    server = await serve(handler, "127.0.0.1", 0, **kwargs)
    return int(list(server.sockets)[0].getsockname()[1])


async def serve_aiohttp(
    context: ssl.SSLContext | None, mode: str, connections: int, size: int
) -> int:
    """Start an echo or broadcast server with aiohttp.web."""
    from aiohttp import WSMsgType, web

    state = Broadcast(connections, size) if mode == "broadcast" else None

    async def handler(request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(max_msg_size=0, compress=False)
        await websocket.prepare(request)
        if state is not None:
            state.add(websocket)
            async for _ in websocket:
                state.ack()
            return websocket
        send_bytes, send_str = websocket.send_bytes, websocket.send_str
        async for message in websocket:
            if message.type == WSMsgType.BINARY:
                await send_bytes(message.data)
            elif message.type == WSMsgType.TEXT:
                await send_str(message.data)
        return websocket

    async def send_all(websockets: list[Any], message: bytes) -> None:
        for websocket in websockets:
            await websocket.send_bytes(message)

    if state is not None:
        asyncio.get_running_loop().create_task(state.run(send_all))
    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context, backlog=1024)
    await site.start()
    server = site._server  # aiohttp exposes no public way to read the port.
    assert server is not None
    return int(list(server.sockets)[0].getsockname()[1])  # type: ignore[attr-defined,unused-ignore]


async def serve_picows(
    context: ssl.SSLContext | None, mode: str, connections: int, size: int
) -> int:
    """Start an echo or broadcast server with raw picows."""
    import picows

    binary = picows.WSMsgType.BINARY
    close = picows.WSMsgType.CLOSE
    state = Broadcast(connections, size) if mode == "broadcast" else None

    class Listener(picows.WSListener):  # type: ignore[misc,unused-ignore]
        def on_ws_connected(self, transport: Any) -> None:
            if state is not None:
                state.add(transport)

        def on_ws_frame(self, transport: Any, frame: Any) -> None:
            msg_type = frame.msg_type
            if msg_type == close:
                transport.send_close(frame.get_close_code())
                transport.disconnect()
            elif state is not None:
                state.ack()
            elif msg_type == binary or msg_type == picows.WSMsgType.TEXT:
                transport.send(msg_type, frame.get_payload_as_memoryview(), frame.fin)
            elif msg_type == picows.WSMsgType.CONTINUATION:
                transport.send(msg_type, frame.get_payload_as_memoryview(), frame.fin)

    def send_all(transports: list[Any], message: bytes) -> None:
        for transport in transports:
            transport.send(binary, message)

    if state is not None:
        asyncio.get_running_loop().create_task(state.run(send_all))
    server = await picows.ws_create_server(
        lambda request: Listener(),
        "127.0.0.1",
        0,
        ssl=context,
        max_frame_size=1 << 30,
        backlog=1024,
    )
    return int(server.sockets[0].getsockname()[1])


async def start_server(
    library: str,
    context: ssl.SSLContext | None,
    mode: str,
    connections: int,
    size: int,
) -> int:
    """Start a library's server; return its port."""
    if library in ("ours", "websockets", "picows-websockets"):
        return await serve_websockets_like(library, context, mode, connections, size)
    if library == "aiohttp":
        return await serve_aiohttp(context, mode, connections, size)
    if library == "picows":
        return await serve_picows(context, mode, connections, size)
    raise ValueError(f"unknown library: {library}")


# Measurement.


async def measure(
    counter: Counter, warmup: float, duration: float, peer_pid: int
) -> dict[str, float]:
    """Sleep through the warm-up, then count over ``duration`` seconds."""
    peer_cpu = cpu_reader(peer_pid)
    await asyncio.sleep(warmup)
    count0, cpu0, peer0 = counter.count, time.process_time(), peer_cpu()
    start = time.perf_counter()
    await asyncio.sleep(duration)
    count1, cpu1, peer1 = counter.count, time.process_time(), peer_cpu()
    elapsed = time.perf_counter() - start
    counter.stop = True
    return {
        "count": count1 - count0,
        "elapsed": elapsed,
        "cpu": cpu1 - cpu0,
        "peer_cpu": peer1 - peer0,
    }


async def run_client(args: argparse.Namespace) -> dict[str, Any]:
    """Connect, warm up, measure; return the measurement."""
    context = client_ssl_context(args.tls)
    scheme = "wss" if context is not None else "ws"
    url = f"{scheme}://127.0.0.1:{args.port}/"
    counter = Counter()
    loop = asyncio.get_running_loop()
    pool = payloads(args.size, args.payload)
    message = pool[0]
    tasks: list[asyncio.Task[Any]] = []
    if args.mode == "echo":
        ready: asyncio.Future[None] = loop.create_future()
        echo = client_loop(args.library)
        if COMPRESSION is not None:
            if args.library not in ("ours", "websockets"):
                raise ValueError(f"{args.library} doesn't run --compression deflate")
            coroutine = echo(url, context, message, counter, ready, pool)
        else:
            coroutine = echo(url, context, message, counter, ready)
        tasks.append(loop.create_task(coroutine))
        await asyncio.wait([ready, tasks[0]], return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            tasks[0].result()  # Raise the connection error.
    else:
        # Many connections: raw picows, the cheapest client, so that the
        # server under test is the bottleneck.
        if args.library != "picows":
            raise ValueError("many-connection clients use picows")
        import picows

        listener = picows_client_listener(
            message, counter, acks=args.mode == "broadcast"
        )
        semaphore = asyncio.Semaphore(CONNECT_CONCURRENCY)
        transports: list[Any] = []

        async def open_one() -> None:
            async with semaphore:
                transport, _ = await picows.ws_connect(
                    listener,
                    url,
                    ssl_context=context,
                    max_frame_size=1 << 30,
                    websocket_handshake_timeout=60,
                )
                transports.append(transport)

        await asyncio.gather(*(open_one() for _ in range(args.connections)))
    result: dict[str, Any] = await measure(
        counter, args.warmup, args.duration, args.peer_pid
    )
    for task in tasks:
        task.cancel()
    result["connections"] = args.connections if args.mode != "echo" else 1
    result["loop"] = type(loop).__module__
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    certs = commands.add_parser("certs")
    certs.add_argument("directory")
    info = commands.add_parser("info")
    info.add_argument("--lib", dest="library", required=True)
    for name in ("server", "client"):
        command = commands.add_parser(name)
        command.add_argument("--lib", dest="library", required=True)
        command.add_argument("--loop", default="asyncio")
        command.add_argument("--tls", metavar="CERTS_DIR")
        command.add_argument(
            "--mode", default="echo", choices=["echo", "many-echo", "broadcast"]
        )
        command.add_argument("--size", type=int, default=256)
        command.add_argument("--connections", type=int, default=1)
        command.add_argument(
            "--compression", choices=["none", "deflate"], default="none"
        )
        command.add_argument("--payload", choices=["random", "json"], default="random")
    client = commands.choices["client"]
    client.add_argument("--port", type=int, required=True)
    client.add_argument("--warmup", type=float, default=1.0)
    client.add_argument("--duration", type=float, default=3.0)
    client.add_argument("--peer-pid", type=int, default=0)
    args = parser.parse_args()

    if args.command == "certs":
        make_certs(args.directory)
        return
    if args.command == "info":
        print(json.dumps(library_info(args.library)))
        return

    global COMPRESSION
    COMPRESSION = "deflate" if args.compression == "deflate" else None
    raise_nofile_limit()
    loop = new_event_loop(args.loop)
    asyncio.set_event_loop(loop)
    if args.command == "server":
        port = loop.run_until_complete(
            start_server(
                args.library,
                server_ssl_context(args.tls),
                args.mode,
                args.connections,
                args.size,
            )
        )
        print(f"READY {port} {type(loop).__module__}", flush=True)
        loop.run_forever()
    else:
        result = loop.run_until_complete(run_client(args))
        print(json.dumps(result), flush=True)
        # Don't wait for closing handshakes: the server is terminated next.
        sys.stdout.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
