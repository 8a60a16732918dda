"""
End-to-end echo benchmark of trio WebSocket implementations: this project's
``websockets.trio``, the released websockets' ``websockets.trio`` and
trio-websocket.

Run from the repository root, with the project's virtualenv (the compiled
kernels built in place)::

    .venv/bin/python -m benchmarks.e2e.trio_echo            # full run
    .venv/bin/python -m benchmarks.e2e.trio_echo --quick    # smoke run

For each library, message size (256 B, 8 KiB) and role:

* ``server``: the library's trio echo server runs in its own process; this
  project's trio client drives it from this process; the CPU time of the
  server process is read from ``/proc``;
* ``client``: the library's trio client runs in its own process and
  measures its own CPU time; this project's trio server answers it from this
  process.

A client sends a message, waits for the echo, sends the next, for a fixed
time after a warm-up. Results: CPU time of the process under test per round
trip, and round trips per second. compression is off: trio-websocket doesn't
negotiate permessage-deflate.

Each library runs in its own interpreter: this project from the interpreter
running this script; the released websockets 17.4 from the test suite's
isolated environment (``tests/upstream.py``); trio-websocket from
``benchmarks/.venv-trio-peers``, created on first use.

Results go to ``benchmarks/results/trio-<date>-<commit>.json`` and, with
``--readme``, to the trio section of ``benchmarks/README.rst``.

"""

from __future__ import annotations

import argparse
import functools
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
from typing import Any


HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:  # When run as a file rather than with -m.
    sys.path.insert(0, str(ROOT))

import trio  # noqa: E402

from benchmarks.e2e.worker import cpu_reader  # noqa: E402
from benchmarks.micro.common import metadata  # noqa: E402


WORKER = HERE / "trio_worker.py"
PEERS_VENV = ROOT / "benchmarks" / ".venv-trio-peers"
PEERS = ["trio-websocket==0.12.2"]
RESULTS_DIR = ROOT / "benchmarks" / "results"
README = ROOT / "benchmarks" / "README.rst"
README_BEGIN = ".. BEGIN TRIO RESULTS (written by python -m benchmarks.e2e.trio_echo)"
README_END = ".. END TRIO RESULTS"

SIZES = (256, 8192)
ROLES = ("server", "client")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_peers_venv() -> str:
    """Create ``benchmarks/.venv-trio-peers`` with trio-websocket if needed."""
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        base = getattr(sys, "_base_executable", sys.executable)
        log(f"creating {PEERS_VENV.relative_to(ROOT)} with {base}")
        subprocess.run([base, "-m", "venv", str(PEERS_VENV)], check=True)
    stamp = PEERS_VENV / "installed.txt"
    if not stamp.exists() or stamp.read_text().split() != PEERS:
        log(f"installing {' '.join(PEERS)}")
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS], check=True)
        stamp.write_text("\n".join(PEERS) + "\n")
    return str(python)


def libraries(pure: bool) -> dict[str, tuple[list[str], str, dict[str, str]]]:
    """Name -> (interpreter command, worker's LIB, environment)."""
    from tests.upstream import ensure

    upstream = ensure()
    ours_env = dict(os.environ)
    ours_env["PYTHONPATH"] = str(ROOT)
    ours_env.pop("WEBSOCKETS_NO_SPEEDUPS", None)
    ours_env.pop("WEBSOCKETS_REQUIRE_SPEEDUPS", None)
    ours_env["WEBSOCKETS_NO_SPEEDUPS" if pure else "WEBSOCKETS_REQUIRE_SPEEDUPS"] = "1"
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("WEBSOCKETS_")}
    clean_env.pop("PYTHONPATH", None)
    return {
        "websockets-speedy": ([sys.executable], "websockets", ours_env),
        "websockets 17.4": ([upstream.python, "-I"], "websockets", clean_env),
        "trio-websocket": ([ensure_peers_venv(), "-I"], "trio-websocket", clean_env),
    }


async def measure_server(
    command: list[str],
    lib: str,
    env: dict[str, str],
    size: int,
    warmup: float,
    duration: float,
) -> dict[str, float]:
    """The library's server in a process, driven by our client."""
    from websockets.trio.client import connect

    process = subprocess.Popen(
        [*command, str(WORKER), "server", lib],
        stdout=subprocess.PIPE,
        env=env,
        cwd=str(ROOT.parent),
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(await trio.to_thread.run_sync(process.stdout.readline))
        read_cpu = cpu_reader(process.pid)
        message = b"x" * size
        async with connect(f"ws://127.0.0.1:{port}/", compression=None) as websocket:
            deadline = trio.current_time() + warmup
            while trio.current_time() < deadline:
                await websocket.send(message)
                await websocket.recv()
            round_trips = 0
            cpu, wall = read_cpu(), time.perf_counter()
            deadline = trio.current_time() + duration
            while trio.current_time() < deadline:
                await websocket.send(message)
                await websocket.recv()
                round_trips += 1
            cpu, wall = read_cpu() - cpu, time.perf_counter() - wall
    finally:
        process.terminate()
        process.wait(10)
    return {"round_trips": round_trips, "cpu": cpu, "wall": wall}


async def measure_client(
    command: list[str],
    lib: str,
    env: dict[str, str],
    size: int,
    warmup: float,
    duration: float,
) -> dict[str, float]:
    """The library's client in a process, answered by our server."""
    from websockets.trio.server import serve

    async def echo(websocket: Any) -> None:
        async for message in websocket:
            await websocket.send(message)

    async with trio.open_nursery() as nursery:
        server = await nursery.start(
            functools.partial(serve, echo, 0, host="127.0.0.1", compression=None)
        )
        port = server.listeners[0].socket.getsockname()[1]
        result = await trio.run_process(
            [
                *command,
                str(WORKER),
                "client",
                lib,
                f"ws://127.0.0.1:{port}/",
                str(size),
                str(warmup),
                str(duration),
            ],
            capture_stdout=True,
            env=env,
            cwd=str(ROOT.parent),
        )
        await server.aclose()
    measured: dict[str, float] = json.loads(result.stdout)
    return measured


async def run(
    pure: bool, warmup: float, duration: float, repeat: int
) -> list[dict[str, Any]]:
    """Measure every cell ``repeat`` times, the cells interleaved."""
    rows: dict[tuple[str, str, int], dict[str, Any]] = {}
    libs = libraries(pure)
    for _ in range(repeat):
        for name, (command, lib, env) in libs.items():
            for role in ROLES:
                for size in SIZES:
                    measure = measure_server if role == "server" else measure_client
                    result = await measure(command, lib, env, size, warmup, duration)
                    cpu = result["cpu"] / result["round_trips"] * 1e6
                    rps = result["round_trips"] / result["wall"]
                    log(
                        f"{name:18} {role:6} {size:5} B: {cpu:6.1f} us CPU/rt, {rps:7.0f} rt/s"
                    )
                    row = rows.setdefault(
                        (name, role, size),
                        {"library": name, "role": role, "size": size, "runs": []},
                    )
                    row["runs"].append({"cpu_us_per_rt": cpu, "rps": rps, **result})
    for row in rows.values():
        for key in ("cpu_us_per_rt", "rps"):
            row[key] = statistics.median(run[key] for run in row["runs"])
    return list(rows.values())


def spread(row: dict[str, Any], key: str, digits: int) -> str:
    """Median and range of the runs, e.g. ``41.0 (40.2–43.9)``."""
    values = [run[key] for run in row["runs"]]
    median = f"{row[key]:.{digits}f}"
    if len(values) == 1:
        return median
    return f"{median} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def table(rows: list[dict[str, Any]]) -> str:
    """An RST table: CPU per round trip and round trips per second."""
    header = [
        "Library",
        "Role",
        "Size",
        "CPU µs / round trip",
        "Round trips / s",
        "CPU ÷ 17.4",
    ]
    reference = {
        (row["role"], row["size"]): row["cpu_us_per_rt"]
        for row in rows
        if row["library"] == "websockets 17.4"
    }
    lines = [header]
    for row in sorted(rows, key=lambda row: (row["role"], row["size"])):
        ratio = row["cpu_us_per_rt"] / reference[(row["role"], row["size"])]
        lines.append(
            [
                row["library"],
                row["role"],
                f"{row['size']} B"
                if row["size"] < 1024
                else f"{row['size'] // 1024} KiB",
                spread(row, "cpu_us_per_rt", 1),
                spread(row, "rps", 0),
                f"{ratio:.2f}×",
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rule = "  ".join("=" * width for width in widths)

    def format_line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
        ).rstrip()

    out = [rule, format_line(header), rule]
    out.extend(format_line(line) for line in lines[1:])
    out.append(rule)
    return "\n".join(out)


def update_readme(text: str) -> None:
    readme = README.read_text(encoding="utf-8")
    begin, end = readme.index(README_BEGIN), readme.index(README_END)
    README.write_text(
        readme[: begin + len(README_BEGIN)] + "\n\n" + text + "\n\n" + readme[end:],
        encoding="utf-8",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument(
        "--quick", action="store_true", help="0.2 s warm-up, 0.5 s runs"
    )
    parser.add_argument(
        "--pure", action="store_true", help="this project without its compiled kernels"
    )
    parser.add_argument(
        "--readme",
        action="store_true",
        help="write the table into benchmarks/README.rst",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs of each cell (default: 3, or 1 with --quick)",
    )
    args = parser.parse_args()
    warmup, duration = (0.2, 0.5) if args.quick else (1.0, 4.0)
    repeat = args.repeat or (1 if args.quick else 3)
    rows = trio.run(run, args.pure, warmup, duration, repeat)
    text = table(rows)
    print(text)
    info = metadata()
    info["mode"] = "pure" if args.pure else "compiled"
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"trio-{stamp}-{info.get('commit', 'unknown')[:8]}.json"
    if not args.quick:
        path.write_text(json.dumps({"metadata": info, "rows": rows}, indent=1) + "\n")
        log(f"results in {path.relative_to(ROOT)}")
    if args.readme:
        update_readme(text)


if __name__ == "__main__":
    main()
