"""
Processes of the scale-out tests: a Redis server, counter server processes.

"""

from __future__ import annotations

import asyncio
import os
import pathlib
import signal
import socket
import subprocess
import sys

import pytest


REPO = pathlib.Path(__file__).resolve().parents[2]
SERVER = REPO / "examples" / "scaleout" / "server.py"
INSTALL_HINT = "run `bash tests/scaleout/ci.sh`, which installs it"

# Generous: starting a process imports websockets and redis-py, on a machine
# that other jobs share. These bound hangs; no test asserts a duration.
START_TIMEOUT = 30.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def redis_ping(port: int) -> bool:
    """Tell whether a Redis server answers PING on ``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class ServerProcess:
    """
    One process of the counter application.

    Args:
        name: Name of the process (``--name``).
        args: Command line arguments of ``examples/scaleout/server.py``.
        log: File receiving the process's standard error.

    """

    def __init__(self, name: str, args: list[str], log: pathlib.Path) -> None:
        self.name = name
        self.args = args
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start the process and wait until it accepts connections."""
        assert self.process is None or self.process.returncode is not None
        env = dict(os.environ)
        # Import this working tree's websockets, in the mode of the test run
        # (WEBSOCKETS_NO_SPEEDUPS or WEBSOCKETS_REQUIRE_SPEEDUPS is inherited).
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(REPO), env.get("PYTHONPATH")])
        )
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(SERVER),
                *self.args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                cwd=REPO,
            )
        assert self.process.stdout is not None
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), START_TIMEOUT)
        except asyncio.TimeoutError:
            line = b""
        if line.decode().strip() != f"ready {self.name}":
            await self.kill()
            pytest.fail(f"server process {self.name} didn't start:\n{self.read_log()}")

    async def kill(self) -> None:
        """Kill the process with SIGKILL: it has no chance to clean up."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()

    async def stop(self) -> None:
        """Stop the process gracefully with SIGTERM."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), START_TIMEOUT)
            except asyncio.TimeoutError:
                await self.kill()

    def read_log(self) -> str:
        return self.log.read_text(errors="replace")


class Cluster:
    """
    Counter server processes sharing a port, each with a private port too.

    Clients connecting to :attr:`shared_port` reach a process that the
    kernel picks; clients connecting to ``private_ports[i]`` reach process
    ``i``, which lets a test make sure that every process has clients.

    """

    def __init__(
        self, redis_url: str, prefix: str, size: int, directory: pathlib.Path
    ) -> None:
        self.shared_port = free_port()
        self.private_ports = [free_port() for _ in range(size)]
        self.processes = [
            ServerProcess(
                f"p{index}",
                [
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.shared_port),
                    "--private-port",
                    str(private_port),
                    "--redis",
                    redis_url,
                    "--prefix",
                    prefix,
                    "--name",
                    f"p{index}",
                    # Short, so that a dead process's users stop counting
                    # quickly.
                    "--users-ttl",
                    "1",
                ],
                directory / f"p{index}.log",
            )  # fmt: skip
            for index, private_port in enumerate(self.private_ports)
        ]

    @property
    def shared_uri(self) -> str:
        return f"ws://127.0.0.1:{self.shared_port}/"

    def private_uri(self, index: int) -> str:
        return f"ws://127.0.0.1:{self.private_ports[index]}/"

    def logs(self) -> str:
        return "\n".join(
            f"--- {process.name} ---\n{process.read_log()}"
            for process in self.processes
        )
