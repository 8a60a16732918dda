"""
Embedder benchmark: uvicorn's default WebSocket implementation (``--ws auto``,
websockets' Sans-I/O layer) with this project and with the released
websockets, server CPU time per echo round trip.

    .venv/bin/python -m benchmarks.embedders.run [--rounds 5] [--count 20000]
    .venv/bin/python -m benchmarks.embedders.run --profile

The first run creates ``build/bench-embedders/venv`` and installs
``uvicorn[standard]`` into it, which brings the released websockets; every
run builds this project's wheel from the working tree and installs it there
too. Both implementations then run in the same environment, with the same
uvicorn, httptools and uvloop: this project by default, the release with
``WEBSOCKETS_SPEEDY=0`` (docs/coexistence.rst).

The client, in this process, is a minimal blocking-socket WebSocket client:
it sends a prebuilt masked binary frame, reads the echo, and repeats. Client
and server are pinned to the same CPU (``--cpu``, default 1), as ``taskset -c
1`` would. The server's CPU time comes from ``/proc/<pid>/task/*/schedstat``
over the measured round trips, after a warm-up. Each round starts a fresh
server per implementation; implementations are interleaved, in reverse order
every other round. Results: median and min–max over rounds, written to
``benchmarks/results/embedders-<date>-<commit>.json``.

``--profile`` also times the Sans-I/O methods the server calls (see
server.py), in uvicorn and in websockets' own asyncio server.

"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time


ROOT = pathlib.Path(__file__).resolve().parents[2]
WORK = ROOT / "build" / "bench-embedders"
SERVER = pathlib.Path(__file__).resolve().parent / "server.py"
RESULTS = ROOT / "benchmarks" / "results"

IMPLEMENTATIONS = {
    "ours": {},
    "websockets 17.4": {"WEBSOCKETS_SPEEDY": "0"},
}
SIZES = [256, 8192]
MASK = bytes([0x37, 0xFA, 0x21, 0x3D])


def clean_env(**overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WEBSOCKETS_", "PYTHON", "PIP_"))
        and key != "VIRTUAL_ENV"
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(overrides)
    return env


def check_call(args: list[object], **kwargs: object) -> None:
    subprocess.run([str(arg) for arg in args], check=True, env=clean_env(), **kwargs)  # type: ignore[call-overload]


def prepare() -> pathlib.Path:
    """Create the virtualenv if needed and install the current wheel."""
    venv = WORK / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        check_call([sys.executable, "-m", "venv", "--without-pip", venv])
        check_call(
            [
                sys.executable,
                "-m",
                "pip",
                "--python",
                python,
                "install",
                "-q",
                "uvicorn[standard]",
            ]
        )
    dist = WORK / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    check_call(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            dist,
            ".",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    (wheel,) = dist.glob("websockets_speedy-*.whl")
    check_call(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "-q",
            "--force-reinstall",
            "--no-deps",
            wheel,
        ]
    )
    return python


def frame(size: int) -> bytes:
    """A masked binary frame with a payload of ``size`` bytes."""
    payload = bytes(index % 251 for index in range(size))
    masked = bytes(byte ^ MASK[index % 4] for index, byte in enumerate(payload))
    if size < 126:
        header = bytes([0x82, 0x80 | size])
    else:
        header = bytes([0x82, 0x80 | 126]) + size.to_bytes(2, "big")
    return header + MASK + masked


def echo_length(size: int) -> int:
    return size + (2 if size < 126 else 4)


def cpu_seconds(pid: int) -> float:
    """Run time of every thread of ``pid``, from schedstat, in seconds."""
    total = 0
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except FileNotFoundError:  # thread exited meanwhile
            pass
    return total / 1e9


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"handshake failed: {response!r}")
        response += chunk
    if not response.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(f"handshake failed: {response!r}")
    return sock


def round_trips(sock: socket.socket, data: bytes, length: int, count: int) -> None:
    buffer = bytearray(length)
    view = memoryview(buffer)
    for _ in range(count):
        sock.sendall(data)
        received = 0
        while received < length:
            n = sock.recv_into(view[received:], length - received)
            if n == 0:
                raise ConnectionError("connection closed")
            received += n


def close(sock: socket.socket) -> None:
    """Send a close frame with code 1000 and wait for the server to close."""
    code = (1000).to_bytes(2, "big")
    sock.sendall(
        bytes([0x88, 0x82]) + MASK + bytes(b ^ MASK[i] for i, b in enumerate(code))
    )
    while sock.recv(4096):
        pass


def measure(port: int, pid: int, size: int, count: int) -> dict[str, float]:
    data = frame(size)
    length = echo_length(size)
    with connect(port) as sock:
        round_trips(sock, data, length, max(count // 10, 200))  # warm-up
        cpu = cpu_seconds(pid)
        start = time.perf_counter()
        round_trips(sock, data, length, count)
        elapsed = time.perf_counter() - start
        cpu = cpu_seconds(pid) - cpu
        close(sock)
    return {"server_cpu_us": cpu / count * 1e6, "rate": count / elapsed}


def start_server(
    python: pathlib.Path, kind: str, env: dict[str, str], cpu: int, profile: bool
) -> tuple[subprocess.Popen[str], dict[str, object]]:
    args = [str(python), str(SERVER), kind] + (["--profile"] if profile else [])
    process = subprocess.Popen(
        args,
        env=clean_env(**env),
        stdout=subprocess.PIPE,
        text=True,
        cwd=WORK,
        preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.kill()
        raise RuntimeError(f"{kind} server didn't start")
    return process, json.loads(line)


def stop_server(process: subprocess.Popen[str]) -> dict[str, object]:
    process.terminate()
    out, _ = process.communicate(timeout=30)
    for line in out.splitlines():
        if line.startswith('{"timings"'):
            return json.loads(line)["timings"]  # type: ignore[no-any-return]
    return {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--cpu", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()

    python = prepare()
    os.sched_setaffinity(0, {args.cpu})
    kinds = ["uvicorn"] + (["asyncio"] if args.profile else [])
    samples: list[dict[str, object]] = []
    names = list(IMPLEMENTATIONS)
    for round_ in range(args.rounds):
        order = names if round_ % 2 == 0 else names[::-1]
        for kind in kinds:
            for name in order:
                process, info = start_server(
                    python, kind, IMPLEMENTATIONS[name], args.cpu, args.profile
                )
                try:
                    results = {
                        size: measure(info["port"], info["pid"], size, args.count)
                        for size in SIZES
                    }  # type: ignore[arg-type]
                finally:
                    timings = stop_server(process)
                for size, result in results.items():
                    samples.append(
                        {
                            "round": round_,
                            "server": kind,
                            "implementation": name,
                            "websockets": info["websockets"],
                            "size": size,
                            **result,
                        }
                    )
                if timings:
                    # Both sizes ran on this server: report per round trip.
                    trips = len(SIZES) * (args.count + max(args.count // 10, 200))
                    samples.append(
                        {
                            "round": round_,
                            "server": kind,
                            "implementation": name,
                            "profile_us_per_round_trip": {
                                method: total / 1e3 / trips
                                for method, (total, calls) in timings.items()
                                if calls
                            },
                        }
                    )
                print(
                    f"round {round_ + 1}/{args.rounds} {kind} {name}: "
                    + ", ".join(
                        f"{size} B {result['server_cpu_us']:.1f} µs"
                        for size, result in results.items()
                    ),
                    flush=True,
                )

    summary = []
    for kind in kinds:
        for name in names:
            for size in SIZES:
                values = [
                    s["server_cpu_us"]
                    for s in samples
                    if s.get("size") == size
                    and s["implementation"] == name
                    and s["server"] == kind
                ]
                rates = [
                    s["rate"]
                    for s in samples
                    if s.get("size") == size
                    and s["implementation"] == name
                    and s["server"] == kind
                ]
                summary.append(
                    {
                        "server": kind,
                        "implementation": name,
                        "size": size,
                        "server_cpu_us_median": statistics.median(values),
                        "server_cpu_us_min": min(values),
                        "server_cpu_us_max": max(values),
                        "rate_median": statistics.median(rates),
                    }
                )
            profiles = [
                s["profile_us_per_round_trip"]
                for s in samples
                if "profile_us_per_round_trip" in s
                and s["implementation"] == name
                and s["server"] == kind
            ]
            if profiles:
                methods = sorted({method for profile in profiles for method in profile})
                summary.append(
                    {
                        "server": kind,
                        "implementation": name,
                        "profile_median": {
                            method: statistics.median(
                                p.get(method, 0.0) for p in profiles
                            )
                            for method in methods
                        },
                    }
                )
    for row in summary:
        print(json.dumps(row))

    if not args.no_save:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S")
        versions = subprocess.run(
            [
                str(python),
                "-c",
                "import importlib.metadata as m; print({n: m.version(n) for n in "
                "('uvicorn', 'uvloop', 'httptools', 'websockets', 'websockets-speedy')})",
            ],
            capture_output=True,
            text=True,
            env=clean_env(),
        ).stdout.strip()
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"embedders-{stamp}-{commit}.json"
        path.write_text(
            json.dumps(
                {
                    "machine": platform.machine(),
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "loadavg": os.getloadavg(),
                    "versions": versions,
                    "settings": vars(args),
                    "samples": samples,
                    "summary": summary,
                },
                indent=1,
            )
        )
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
