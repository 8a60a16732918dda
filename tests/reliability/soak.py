"""
Soak test: millions of messages echoed over long-lived connections.

An echo server runs in its own process with this repository's websockets.
Client processes open ``--connections`` connections between them and send
``--messages`` messages in total, in windows of ``--window`` messages per
connection; every echo is compared with what was sent. Messages alternate
between text and binary and cycle through sizes from 0 to 4 KiB.

The server samples its resident set size (RSS) every ``--sample-every``
seconds. At the end, once the clients have closed their connections, it
reports how many asyncio tasks, threads and file descriptors it holds,
next to the same counts before the first connection: a leak shows as a
difference. The clients make the same check on their side.

Usage::

    python -m tests.reliability.soak --messages 10000000 --connections 100

Like :mod:`tests.reliability.load`, this file runs its child processes as a
script and must stay importable without the ``tests`` package.

"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import pathlib
import subprocess
import sys
import threading
import time
from typing import Any


__all__ = ["run_soak", "main"]

REPO = pathlib.Path(__file__).resolve().parents[2]

SIZES = [0, 1, 7, 125, 126, 500, 1024, 4096]


def rss_bytes() -> int:
    """Resident set size of this process, read from ``/proc/self/statm``."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def resources() -> dict[str, int]:
    """What a leak would make grow: tasks, threads, descriptors, memory."""
    gc.collect()
    return {
        "tasks": len(asyncio.all_tasks()),
        "threads": threading.active_count(),
        "fds": len(os.listdir("/proc/self/fd")),
        "rss": rss_bytes(),
    }


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


def make_message(index: int) -> str | bytes:
    """Message number ``index``: its number, padded to one of SIZES."""
    size = SIZES[index % len(SIZES)]
    head = b"%d:" % index
    payload = (head + b"x" * size)[: max(size, len(head))]
    return payload.decode() if index % 2 else payload


async def serve_main(options: argparse.Namespace) -> None:
    from websockets.asyncio.server import serve

    echoed = 0

    async def echo(connection: Any) -> None:
        nonlocal echoed
        async for message in connection:
            await connection.send(message)
            echoed += 1
            # Samples by message count as well as by time: a fast machine may
            # echo every message between two timed samples.
            if options.sample_messages and echoed % options.sample_messages == 0:
                take_sample()

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    server = await serve(echo, "127.0.0.1", 0, backlog=1024)
    baseline = resources()
    emit(
        event="listening",
        port=server.sockets[0].getsockname()[1],
        kernels=kernels(),
        **baseline,
    )

    samples: list[dict[str, Any]] = []
    start = time.monotonic()

    def take_sample() -> None:
        samples.append(
            {
                "seconds": round(time.monotonic() - start, 1),
                "messages": echoed,
                "rss": rss_bytes(),
                "tasks": len(asyncio.all_tasks()),
                "connections": len(server.connections),
            }
        )

    async def sample() -> None:
        while True:
            take_sample()
            await asyncio.sleep(options.sample_every)

    sampler = asyncio.create_task(sample())
    await reader.readline()  # "check": the clients are done
    sampler.cancel()
    # Handlers end once the closing handshakes complete; give them a moment.
    for _ in range(100):
        if not server.handlers:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.1)
    after = resources()
    emit(
        event="checked", echoed=echoed, samples=samples, baseline=baseline, after=after
    )
    await reader.readline()  # "stop"
    server.close()
    await server.wait_closed()


async def clients_main(options: argparse.Namespace) -> None:
    from websockets.asyncio.client import connect

    baseline = resources()
    uri = f"ws://127.0.0.1:{options.port}"
    per_connection = [
        options.messages // options.connections
        + (i < options.messages % options.connections)
        for i in range(options.connections)
    ]
    errors: list[str] = []
    sent = 0

    async def client(count: int) -> None:
        nonlocal sent
        async with connect(uri, compression=None) as connection:
            index = 0
            while index < count:
                window = [
                    make_message(i)
                    for i in range(index, min(index + options.window, count))
                ]
                for message in window:
                    await connection.send(message)
                for message in window:
                    echo = await connection.recv()
                    if echo != message:
                        errors.append(f"expected {message!r:.40}, got {echo!r:.40}")
                        return
                index += len(window)
                sent += len(window)

    start = time.monotonic()
    results = await asyncio.gather(
        *(client(count) for count in per_connection), return_exceptions=True
    )
    errors.extend(repr(result) for result in results if result is not None)
    seconds = time.monotonic() - start
    await asyncio.sleep(0.1)
    emit(
        event="done",
        sent=sent,
        seconds=seconds,
        errors=errors[:10],
        error_count=len(errors),
        baseline=baseline,
        after=resources(),
    )


class Process:
    """A child process that reports JSON events on its standard output."""

    def __init__(self, argv: list[str]) -> None:
        env = dict(os.environ, PYTHONPATH=str(REPO))
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


def run_soak(
    *,
    messages: int,
    connections: int,
    clients: int = 2,
    window: int = 16,
    sample_every: float = 5,
    nice: int = 0,
) -> dict[str, Any]:
    """
    Run the soak test; return the server's samples and the resource counts.

    Args:
        messages: Total number of messages to echo.
        connections: Number of connections, spread over the clients.
        clients: Number of client processes.
        window: Messages sent per connection before reading the echoes.
        sample_every: Interval between RSS samples, in seconds.
        nice: Niceness added to the child processes.

    """
    script = str(pathlib.Path(__file__).resolve())
    prefix = ["nice", "-n", str(nice)] if nice else []
    server = Process(
        prefix
        + [sys.executable, script, "serve", "--sample-every", str(sample_every)]
        + ["--sample-messages", str(max(1, messages // 20))]
    )
    listening = server.event("listening")
    client_processes = []
    for i in range(clients):
        share = connections // clients + (i < connections % clients)
        message_share = messages * share // connections
        if i == clients - 1:
            message_share = messages - sum(
                messages
                * (connections // clients + (j < connections % clients))
                // connections
                for j in range(clients - 1)
            )
        client_processes.append(
            Process(
                prefix
                + [
                    sys.executable,
                    script,
                    "clients",
                    "--port",
                    str(listening["port"]),
                    "--connections",
                    str(share),
                    "--messages",
                    str(message_share),
                    "--window",
                    str(window),
                ]
            )
        )
    try:
        done = [process.event("done") for process in client_processes]
        server.command("check")
        checked = server.event("checked")
        server.command("stop")
    finally:
        for process in [server, *client_processes]:
            if process.process.stdin is not None:
                process.process.stdin.close()
            try:
                process.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.process.kill()
    samples = checked["samples"]
    return {
        "messages": messages,
        "connections": connections,
        "kernels": listening["kernels"],
        "echoed": checked["echoed"],
        "sent": sum(d["sent"] for d in done),
        "seconds": max(d["seconds"] for d in done),
        "errors": [e for d in done for e in d["errors"]],
        "error_count": sum(d["error_count"] for d in done),
        "server_baseline": checked["baseline"],
        "server_after": checked["after"],
        "clients_baseline": [d["baseline"] for d in done],
        "clients_after": [d["after"] for d in done],
        "samples": samples,
        **memory_growth(samples, messages),
    }


def memory_growth(samples: list[dict[str, Any]], messages: int) -> dict[str, Any]:
    """
    Compare the RSS after warm-up with the RSS at the end of the run.

    Warm-up ends with the first sample taken after 10% of the messages.

    """
    loaded = [s for s in samples if s["connections"] > 0 and s["messages"] > 0]
    if not loaded:
        return {"rss_warm": None, "rss_end": None, "rss_growth": None}
    warm = next((s for s in loaded if s["messages"] >= messages // 10), loaded[0])
    end = loaded[-1]
    return {
        "rss_warm": warm["rss"],
        "rss_end": end["rss"],
        "rss_max": max(s["rss"] for s in loaded),
        "rss_growth": end["rss"] - warm["rss"],
    }


def leaks(result: dict[str, Any]) -> list[str]:
    """Describe resources held after the run that weren't held before it."""
    problems = []
    pairs = [("server", result["server_baseline"], result["server_after"])] + [
        (f"client {i}", before, after)
        for i, (before, after) in enumerate(
            zip(result["clients_baseline"], result["clients_after"], strict=True)
        )
    ]
    for name, before, after in pairs:
        for key in ("tasks", "threads", "fds"):
            if after[key] != before[key]:
                problems.append(f"{name}: {key} {before[key]} -> {after[key]}")
    return problems


def format_report(result: dict[str, Any]) -> str:
    lines = [
        f"{result['echoed']} messages echoed over {result['connections']} connections "
        f"in {result['seconds']:.0f} s ({result['echoed'] / result['seconds']:.0f}/s); "
        f"errors: {result['error_count']}",
        f"leaks: {leaks(result) or 'none'}; kernels: {result['kernels']}",
        f"server baseline {result['server_baseline']}, after {result['server_after']}",
        f"RSS after warm-up {(result['rss_warm'] or 0) / 2**20:.1f} MiB, "
        f"at the end {(result['rss_end'] or 0) / 2**20:.1f} MiB, "
        f"growth {(result['rss_growth'] or 0) / 2**20:+.2f} MiB",
        f"{'seconds':>8} {'messages':>10} {'RSS MiB':>8} {'tasks':>6}",
    ]
    samples = result["samples"]
    step = max(1, len(samples) // 20)
    for sample in samples[::step] + ([samples[-1]] if len(samples) % step != 1 else []):
        lines.append(
            f"{sample['seconds']:>8.0f} {sample['messages']:>10} "
            f"{sample['rss'] / 2**20:>8.1f} {sample['tasks']:>6}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument(
        "mode", nargs="?", default="run", choices=["run", "serve", "clients"]
    )
    parser.add_argument("--messages", type=int, default=10_000_000)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--window", type=int, default=16)
    parser.add_argument("--sample-every", type=float, default=5)
    parser.add_argument(
        "--sample-messages", type=int, default=0, help="also sample every N messages"
    )
    parser.add_argument("--nice", type=int, default=0)
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--port", type=int)
    options = parser.parse_args(argv)

    if options.mode == "serve":
        asyncio.run(serve_main(options))
        return 0
    if options.mode == "clients":
        asyncio.run(clients_main(options))
        return 0

    result = run_soak(
        messages=options.messages,
        connections=options.connections,
        clients=options.clients,
        window=options.window,
        sample_every=options.sample_every,
        nice=options.nice,
    )
    print(format_report(result))
    if options.json:
        with open(options.json, "w") as output:
            json.dump(result, output, indent=2)
    failed = (
        result["error_count"] or leaks(result) or result["echoed"] != options.messages
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
