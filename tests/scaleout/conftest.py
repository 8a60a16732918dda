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
import pathlib
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from .harness import (
    INSTALL_HINT,
    START_TIMEOUT,
    Cluster,
    free_port,
    redis_ping,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "scaleout: runs the scale-out example with redis-server and several"
        " server processes; run with `bash tests/scaleout/ci.sh`",
    )


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
