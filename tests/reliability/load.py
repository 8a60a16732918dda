"""
Load test: one server, many connections, a steady broadcast.

One server process accepts ``--connections`` WebSocket connections, spread
over ``--clients`` client processes, with keepalive on (websockets' defaults:
a ping every 20 s, 20 s to answer). It then broadcasts messages of ``--size``
bytes to every connection, ``--rate`` times per second, for ``--duration``
seconds. Each message starts with a sequence number; every client checks that
each of its connections receives every message, in order.

The same server script runs twice, in separate processes: once with this
repository's websockets (the interpreter running this module, with
``PYTHONPATH`` pointing to the repository) and once with the released
websockets (``--upstream-python``; ``python -m tests.upstream`` makes one).
The clients always use this repository's client, so both servers face the
same load. The report gives the server's memory per connection: the growth
of its resident set size (RSS) once all connections are open, divided by the
number of connections.

Usage::

    python -m tests.reliability.load --connections 10000 --duration 60

The module is also the server and client programs; ``serve`` and ``clients``
subcommands are internal. This file must stay importable without the
``tests`` package, because the released websockets' interpreter runs it as a
script.

"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import pathlib
import resource
import subprocess
import sys
import time
from typing import Any


__all__ = ["run_load", "main"]

REPO = pathlib.Path(__file__).resolve().parents[2]


def rss_bytes() -> int:
    """Resident set size of this process, read from ``/proc/self/statm``."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def raise_nofile_limit() -> int:
    """Raise the soft limit on open files to the hard limit; return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def kernels() -> str:
    """Which twin of each kernel this process runs: compiled or pure."""
    try:
        from websockets import _accel
    except ImportError:  # the released websockets has no registry
        return "websockets speedups" if _has_c_speedups() else "pure"
    return ", ".join(f"{name}={mode}" for name, mode in _accel.ACTIVE.items())


def _has_c_speedups() -> bool:
    try:
        import websockets.speedups  # noqa: F401
    except ImportError:
        return False
    return True


def emit(**event: Any) -> None:
    """Report an event to the orchestrator, one JSON object per line."""
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


# Server process.


async def serve_main(options: argparse.Namespace) -> None:
    import websockets
    from websockets.asyncio.server import broadcast, serve

    raise_nofile_limit()

    async def handler(connection: Any) -> None:
        # Clients don't send messages; the handler only keeps the
        # connection open until the client or the server closes it.
        await connection.wait_closed()

    # A large backlog: thousands of clients connect at the same time.
    server = await serve(handler, "127.0.0.1", 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    # Warm up imports and allocator arenas with one connection before
    # measuring the baseline, so that it isn't charged to the first clients.
    from websockets.asyncio.client import connect

    async with connect(f"ws://127.0.0.1:{port}", compression=None):
        pass
    gc.collect()
    emit(
        event="listening",
        port=port,
        rss=rss_bytes(),
        websockets=websockets.__file__,
        version=getattr(websockets, "__version__", "?"),
        kernels=kernels(),
    )

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    while line := (await reader.readline()).decode().split():
        command, *arguments = line
        if command == "measure":
            # Wait until every handshake completed on the server side.
            expected = int(arguments[0])
            while len(server.connections) < expected:
                await asyncio.sleep(0.1)
            gc.collect()
            emit(event="measured", connections=len(server.connections), rss=rss_bytes())
        elif command == "broadcast":
            count, rate, size = (
                int(arguments[0]),
                float(arguments[1]),
                int(arguments[2]),
            )
            padding = b"\x00" * (size - 8)
            connections = server.connections
            peak = rss_bytes()
            start = loop.time()
            lag = 0.0
            for seq in range(count):
                # Steady rate: message seq goes out at start + seq / rate.
                deadline = start + seq / rate
                delay = deadline - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                lag = max(lag, loop.time() - deadline)
                broadcast(connections, seq.to_bytes(8, "big") + padding)
                if seq % 10 == 0:
                    peak = max(peak, rss_bytes())
            # Let the write buffers drain before reporting.
            await asyncio.sleep(1)
            gc.collect()
            emit(
                event="broadcasted",
                count=count,
                seconds=loop.time() - start,
                max_lag=lag,
                peak_rss=max(peak, rss_bytes()),
                rss=rss_bytes(),
                connections=len(server.connections),
            )
        elif command == "stop":
            break
    server.close()
    await server.wait_closed()
    emit(event="stopped")


# Client processes.


async def clients_main(options: argparse.Namespace) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    raise_nofile_limit()
    uri = f"ws://127.0.0.1:{options.port}"
    # Per connection: messages received, then the first error, if any.
    received = [0] * options.count
    errors: list[str] = []
    opened = 0
    all_open = asyncio.Event()
    throttle = asyncio.Semaphore(100)

    async def client(index: int) -> None:
        nonlocal opened
        async with throttle:
            connection = await connect(
                uri,
                compression="deflate" if options.compression else None,
                open_timeout=120,
            )
        opened += 1
        if opened == options.count:
            all_open.set()
        expected = 0
        try:
            async for message in connection:
                assert isinstance(message, bytes)
                seq = int.from_bytes(message[:8], "big")
                if seq != expected or len(message) != options.size:
                    errors.append(f"connection {index}: got {seq}, expected {expected}")
                    break
                expected += 1
        except ConnectionClosed as exc:
            errors.append(f"connection {index}: {exc}")
        finally:
            received[index] = expected
            await connection.close()

    tasks = [asyncio.create_task(client(index)) for index in range(options.count)]
    await all_open.wait()
    emit(event="connected", count=opened)
    await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if task.exception() is not None:
            errors.append(repr(task.exception()))
    emit(
        event="done",
        connections=options.count,
        min_received=min(received),
        max_received=max(received),
        errors=errors[:10],
        error_count=len(errors),
    )


# Orchestrator.


class Process:
    """A child process that reports JSON events on its standard output."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd="/",
        )

    def command(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def event(self, name: str) -> dict[str, Any]:
        assert self.process.stdout is not None
        while line := self.process.stdout.readline():
            event = json.loads(line)
            if event["event"] == name:
                return event  # type: ignore[no-any-return]
        raise RuntimeError(f"process exited before reporting {name}")

    def wait(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=120)


def child_env(pythonpath: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    return env


def run_load(
    *,
    connections: int,
    duration: float,
    rate: float,
    size: int,
    clients: int,
    server_python: str,
    server_pythonpath: str | None,
    compression: bool = False,
    nice: int = 0,
) -> dict[str, Any]:
    """
    Run one load test against one server implementation; return the results.

    Args:
        connections: Number of concurrent connections.
        duration: Length of the broadcast phase, in seconds.
        rate: Messages per second.
        size: Message size in bytes (at least 8).
        clients: Number of client processes.
        server_python: Interpreter running the server.
        server_pythonpath: ``PYTHONPATH`` for the server; :obj:`None` lets
            the interpreter find its own websockets.
        compression: Whether clients negotiate permessage-deflate.
        nice: Niceness added to the child processes.

    """
    script = str(pathlib.Path(__file__).resolve())
    prefix = ["nice", "-n", str(nice)] if nice else []
    # Without a PYTHONPATH of ours, the server runs isolated (-I): nothing
    # from the environment or the user's site can put this repository's
    # websockets in front of the interpreter's own.
    isolated = ["-I"] if server_pythonpath is None else []
    server = Process(
        prefix + [server_python, *isolated, script, "serve"],
        child_env(server_pythonpath),
    )
    listening = server.event("listening")
    count = int(duration * rate)
    shares = [
        connections // clients + (i < connections % clients) for i in range(clients)
    ]
    client_processes = [
        Process(
            prefix
            + [
                sys.executable,
                script,
                "clients",
                "--port",
                str(listening["port"]),
                "--count",
                str(share),
                "--size",
                str(size),
            ]
            + (["--compression"] if compression else []),
            child_env(str(REPO)),
        )
        for share in shares
    ]
    try:
        connect_start = time.monotonic()
        for process in client_processes:
            process.event("connected")
        connect_seconds = time.monotonic() - connect_start
        server.command(f"measure {connections}")
        measured = server.event("measured")
        server.command(f"broadcast {count} {rate} {size}")
        broadcasted = server.event("broadcasted")
        server.command("stop")
        done = [process.event("done") for process in client_processes]
        server.event("stopped")
    finally:
        for process in [server, *client_processes]:
            if process.process.poll() is None:
                process.process.stdin.close()  # type: ignore[union-attr]
        for process in [server, *client_processes]:
            try:
                process.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.process.kill()
    return {
        "websockets": listening["websockets"],
        "version": listening["version"],
        "kernels": listening["kernels"],
        "connections": measured["connections"],
        "connect_seconds": round(connect_seconds, 1),
        "rss_baseline": listening["rss"],
        "rss_connected": measured["rss"],
        "bytes_per_connection": (measured["rss"] - listening["rss"]) / connections,
        "rss_after_broadcast": broadcasted["rss"],
        "peak_rss": broadcasted["peak_rss"],
        "messages": count,
        "broadcast_seconds": round(broadcasted["seconds"], 2),
        "max_lag": round(broadcasted["max_lag"], 3),
        "connections_after_broadcast": broadcasted["connections"],
        "min_received": min(d["min_received"] for d in done),
        "max_received": max(d["max_received"] for d in done),
        "errors": [e for d in done for e in d["errors"]],
        "error_count": sum(d["error_count"] for d in done),
    }


def run_comparison(options: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Run the load test against this repository's server, then upstream's."""
    implementations = {
        "ours": (sys.executable, str(REPO)),
        "websockets 17.4": (options.upstream_python, None),
    }
    results = {}
    for name, (python, pythonpath) in implementations.items():
        if name != "ours" and not options.upstream_python:
            continue
        results[name] = run_load(
            connections=options.connections,
            duration=options.duration,
            rate=options.rate,
            size=options.size,
            clients=options.clients,
            server_python=python,
            server_pythonpath=pythonpath,
            compression=options.compression,
            nice=options.nice,
        )
    return results


def format_report(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        f"{'server':<16} {'conns':>6} {'msgs':>5} {'received':>11} {'errors':>6} "
        f"{'KiB/conn':>9} {'RSS MiB':>8} {'peak MiB':>8} {'lag s':>6}"
    ]
    for name, r in results.items():
        lines.append(
            f"{name:<16} {r['connections']:>6} {r['messages']:>5} "
            f"{r['min_received']:>5}-{r['max_received']:<5} {r['error_count']:>6} "
            f"{r['bytes_per_connection'] / 1024:>9.1f} "
            f"{r['rss_connected'] / 2**20:>8.1f} {r['peak_rss'] / 2**20:>8.1f} "
            f"{r['max_lag']:>6.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument(
        "mode", nargs="?", default="run", choices=["run", "serve", "clients"]
    )
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--rate", type=float, default=1, help="messages per second")
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--compression", action="store_true")
    parser.add_argument("--nice", type=int, default=0)
    parser.add_argument(
        "--upstream-python",
        default="",
        help="interpreter with the released websockets (`python -m tests.upstream`"
        " prints one); without it, only this repository's server runs",
    )
    parser.add_argument("--json", help="write the results to this file")
    # Internal options of the client processes.
    parser.add_argument("--port", type=int)
    parser.add_argument("--count", type=int)
    options = parser.parse_args(argv)

    if options.mode == "serve":
        asyncio.run(serve_main(options))
        return 0
    if options.mode == "clients":
        asyncio.run(clients_main(options))
        return 0

    results = run_comparison(options)
    print(format_report(results))
    if options.json:
        with open(options.json, "w") as output:
            json.dump(results, output, indent=2)
    failed = any(
        r["error_count"] or r["min_received"] != r["messages"] for r in results.values()
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
