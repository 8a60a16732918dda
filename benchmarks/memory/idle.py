"""
Memory of idle connections on a websockets server.

The server runs in a process of its own; this script is its client. It opens
``--connections`` connections, does the opening handshake and one 16-byte
echo on each (``--message-size``; large messages show what a connection
keeps after they passed), then reads the server's resident set size (after
``gc.collect()`` in the server). The figure is the RSS growth divided by the
number of connections, in KiB.

Usage, from the repository root::

    .venv/bin/python -m benchmarks.memory.idle                  # TLS, ours
    .venv/bin/python -m benchmarks.memory.idle --transport tcp --connections 2000
    .venv/bin/python -m benchmarks.memory.idle --upstream PYTHON  # plus 17.4

Ours runs with each TLS implementation (``WEBSOCKETS_TLS=builtin`` and
``asyncio``). ``--upstream`` names an interpreter where ``websockets`` is the
released 17.4 (e.g. ``benchmarks/.venv-peers/bin/python``), run with ``-I``.

"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import ssl
import subprocess
import sys
import tempfile


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def raise_nofile() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def serve_forever(certs: str | None) -> None:
    """Server process: echo; answer "rss" lines on stdin with the RSS."""
    from websockets.asyncio.server import serve

    raise_nofile()
    context = None
    if certs is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(os.path.join(certs, "server.pem"))

    async def echo(ws: object) -> None:
        async for message in ws:  # type: ignore[attr-defined]
            await ws.send(message)  # type: ignore[attr-defined]

    loop = asyncio.get_running_loop()
    async with serve(
        echo, "127.0.0.1", 0, ssl=context, compression=None, max_size=None
    ) as server:
        port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        print(f"READY {port}", flush=True)
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            gc.collect()
            print(rss_kib(), flush=True)


async def open_connections(
    port: int, count: int, certs: str | None, size: int = 16
) -> list[object]:
    from websockets.asyncio.client import connect

    context = None
    scheme = "ws"
    if certs is not None:
        context = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
        scheme = "wss"
    connections = []
    semaphore = asyncio.Semaphore(20)

    async def one() -> None:
        async with semaphore:
            ws = await connect(
                f"{scheme}://127.0.0.1:{port}/",
                ssl=context,
                compression=None,
                open_timeout=60,
                max_size=None,
            )
            message = os.urandom(size)
            await ws.send(message)
            assert await ws.recv() == message
            connections.append(ws)

    await asyncio.gather(*[one() for _ in range(count)])
    return connections


def measure(command: list[str], env: dict[str, str], args: argparse.Namespace) -> float:
    server = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        cwd=tempfile.gettempdir(),
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    try:
        ready = server.stdout.readline().split()
        assert ready[:1] == ["READY"], ready
        port = int(ready[1])

        def server_rss() -> int:
            assert server.stdin is not None and server.stdout is not None
            server.stdin.write("rss\n")
            server.stdin.flush()
            return int(server.stdout.readline())

        async def run() -> float:
            # Warm up: first connections load modules and grow pools.
            warm = await open_connections(port, 20, args.certs)
            before = server_rss()
            connections = await open_connections(
                port, args.connections, args.certs, args.message_size
            )
            after = server_rss()
            for ws in warm + connections:
                await ws.close()  # type: ignore[attr-defined]
            return (after - before) / args.connections

        return asyncio.run(run())
    finally:
        server.stdin.close()
        server.wait(timeout=60)


def make_certs(directory: str) -> None:
    import trustme

    ca = trustme.CA()
    ca.cert_pem.write_to_path(os.path.join(directory, "ca.pem"))
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(
        os.path.join(directory, "server.pem")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--certs", help=argparse.SUPPRESS)
    parser.add_argument("--transport", choices=["tls", "tcp"], default="tls")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--message-size",
        type=int,
        default=16,
        help="bytes of the one echo per connection (default: 16)",
    )
    parser.add_argument("--upstream", help="interpreter running websockets 17.4")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve_forever(args.certs))
        return
    raise_nofile()
    script = os.path.abspath(__file__)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WEBSOCKETS_")}
    ours_env = {**clean, "PYTHONPATH": ROOT, "WEBSOCKETS_REQUIRE_SPEEDUPS": "1"}
    with tempfile.TemporaryDirectory(prefix="memory-certs-") as certs:
        serve_args = ["--serve"]
        if args.transport == "tls":
            make_certs(certs)
            args.certs = certs
            serve_args += ["--certs", certs]
        else:
            args.certs = None
        variants: dict[str, tuple[list[str], dict[str, str]]] = {}
        for implementation in ("builtin", "asyncio"):
            if args.transport == "tcp" and implementation == "asyncio":
                continue
            variants[f"ours ({implementation} TLS)"] = (
                [sys.executable, script, *serve_args],
                {**ours_env, "WEBSOCKETS_TLS": implementation},
            )
        if args.upstream:
            variants["websockets 17.4"] = (
                [args.upstream, "-I", script, *serve_args],
                clean,
            )
        results: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, (command, env) in variants.items():
                results[name].append(measure(command, env, args))
        print(
            f"{args.transport}, {args.connections} idle connections after a "
            f"{args.message_size}-byte echo, KiB each:"
        )
        for name, values in results.items():
            values.sort()
            median = values[len(values) // 2]
            print(
                f"  {name:24} {median:7.1f}  (all: {', '.join(f'{v:.1f}' for v in values)})"
            )


if __name__ == "__main__":
    main()
