"""
Servers that embed websockets, each in its own virtual environment beside
this project's wheel, started once per run with the echo apps of this
directory.

The server runs with the kernels of this test run: ``WEBSOCKETS_NO_SPEEDUPS``
or ``WEBSOCKETS_REQUIRE_SPEEDUPS`` is passed on.

"""

from __future__ import annotations

import json
import pathlib
import subprocess
import threading

import pytest

from websockets import _accel

from ..wheel import clean_env, create_venv, pip


HERE = pathlib.Path(__file__).resolve().parent

# What each embedder installs beside our wheel, and how its server starts.
EMBEDDERS = {
    "uvicorn-auto": ("uvicorn", ["uvicorn[standard]"], ["serve_uvicorn.py", "auto"]),
    "uvicorn-legacy": (
        "uvicorn",
        ["uvicorn[standard]"],
        ["serve_uvicorn.py", "websockets"],
    ),
    "sanic": ("sanic", ["sanic"], ["serve_sanic.py"]),
}

START_TIMEOUT = 30
STOP_TIMEOUT = 10


def mode_env():
    if _accel.NO_SPEEDUPS:
        return {"WEBSOCKETS_NO_SPEEDUPS": "1"}
    return {"WEBSOCKETS_REQUIRE_SPEEDUPS": "1"}


@pytest.fixture(scope="session")
def embedder_venvs(speedy_wheel, tmp_path_factory):
    """
    One virtual environment per embedding package, created on first use.

    """
    venvs = {}

    def get(name):
        if name not in venvs:
            python = create_venv(tmp_path_factory.mktemp(name) / "venv")
            requirements = next(
                reqs for pkg, reqs, _ in EMBEDDERS.values() if pkg == name
            )
            pip(python, "install", speedy_wheel, *requirements)
            venvs[name] = python
        return venvs[name]

    return get


class RunningServer:
    def __init__(self, name, process, info, output):
        self.name = name
        self.process = process
        self.info = info
        self.output = output

    @property
    def uri(self):
        return f"ws://127.0.0.1:{self.info['port']}"


@pytest.fixture(scope="session")
def embedded_servers(embedder_venvs):
    """
    Start each embedder's server on first use; stop them all at the end.

    """
    servers = {}

    def get(embedder):
        if embedder not in servers:
            package, _, command = EMBEDDERS[embedder]
            python = embedder_venvs(package)
            process = subprocess.Popen(
                [str(python), str(HERE / command[0]), *command[1:]],
                cwd=python.parent,
                env=clean_env(**mode_env()),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            # Read the first line with a deadline, then drain the output in
            # a thread so that the server never blocks on a full pipe.
            lines = []
            first = threading.Event()

            def drain():
                for line in process.stdout:
                    lines.append(line)
                    first.set()
                first.set()

            threading.Thread(target=drain, daemon=True).start()
            if not first.wait(START_TIMEOUT) or not lines:
                process.kill()
                pytest.fail(f"{embedder} didn't start: {''.join(lines)}")
            try:
                info = json.loads(lines[0])
            except ValueError:
                process.kill()
                pytest.fail(f"{embedder} didn't start: {''.join(lines)}")
            servers[embedder] = RunningServer(embedder, process, info, lines)
        return servers[embedder]

    yield get

    for server in servers.values():
        server.process.terminate()
    for server in servers.values():
        try:
            server.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(STOP_TIMEOUT)


@pytest.fixture(params=list(EMBEDDERS))
def server(request, embedded_servers):
    return embedded_servers(request.param)
