"""
Fixtures for the scale-out tests: a Redis server and counter server processes.

Every test module here sets ``pytestmark = pytest.mark.scaleout``. The tests
need Debian's ``redis-server`` and redis-py (``pip install redis``);
``tests/scaleout/ci.sh`` installs both if they're missing and runs
``pytest -m scaleout tests/scaleout``. A missing dependency fails the tests
with a message that says how to install it: nothing here is skipped.

"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator

import pytest


REPO = pathlib.Path(__file__).resolve().parents[2]
SERVER = REPO / "examples" / "scaleout" / "server.py"
INSTALL_HINT = "run `bash tests/scaleout/ci.sh`, which installs it"

# Generous: starting a process imports websockets and redis-py, on a machine
# that other jobs share. These bound hangs; no test asserts a duration.
START_TIMEOUT = 30.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "scaleout: runs the scale-out example with redis-server and several"
        " server processes; run with `bash tests/scaleout/ci.sh`",
    )


def free_port(*, reuse_port: bool = False) -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        if reuse_port:
            # The servers bind the shared port with SO_REUSEPORT; the kernel
            # only lets them if every socket on it, including this probe,
            # sets the option.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
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


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """
    URL of a Redis server that runs for the test session.

    It listens on 127.0.0.1 on a port of its own, without persistence, in a
    temporary directory. Each test uses a key prefix of its own.

    """
    try:
        import redis  # noqa: F401
    except ImportError:
        pytest.fail(f"redis-py isn't installed; {INSTALL_HINT}")
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail(f"redis-server isn't installed; {INSTALL_HINT}")
    directory = tmp_path_factory.mktemp("redis")
    port = free_port()
    process = subprocess.Popen(
        [
            executable,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(directory),
            "--save", "",
            "--appendonly", "no",
            "--logfile", str(directory / "redis.log"),
        ],
        cwd=directory,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not redis_ping(port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (directory / "redis.log").read_text(errors="replace")
                pytest.fail(f"redis-server didn't start:\n{log}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
            async with asyncio.timeout(START_TIMEOUT):
                line = await self.process.stdout.readline()
        except TimeoutError:
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
                async with asyncio.timeout(START_TIMEOUT):
                    await self.process.wait()
            except TimeoutError:
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
        self.shared_port = free_port(reuse_port=True)
        self.private_ports = [free_port() for _ in range(size)]
        self.processes = [
            ServerProcess(
                f"p{index}",
                [
                    "--host", "127.0.0.1",
                    "--port", str(self.shared_port),
                    "--private-port", str(private_port),
                    "--redis", redis_url,
                    "--prefix", prefix,
                    "--name", f"p{index}",
                    # Short, so that a dead process's users stop counting
                    # quickly.
                    "--users-ttl", "1",
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


@pytest.fixture
async def cluster(
    redis_url: str, tmp_path: pathlib.Path, request: pytest.FixtureRequest
) -> AsyncIterator[Cluster]:
    """Three counter server processes, started, with their own key prefix."""
    cluster = Cluster(redis_url, f"test:{request.node.name}", 3, tmp_path)
    try:
        await asyncio.gather(*(process.start() for process in cluster.processes))
        yield cluster
    finally:
        for process in cluster.processes:
            if process.process is not None:
                with contextlib.suppress(ProcessLookupError):
                    await process.stop()
        # pytest shows this only when the test fails.
        print(cluster.logs())
