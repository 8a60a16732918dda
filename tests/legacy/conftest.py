from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest


REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def upstream_python() -> str:
    """
    Interpreter with the released websockets 17.4, used as a peer.

    Same lookup as in tests/asyncio/conftest.py: ``WEBSOCKETS_UPSTREAM_PYTHON``,
    then /opt/upstream, then a virtualenv created once in ``.cache/upstream``.

    """
    python = os.environ.get("WEBSOCKETS_UPSTREAM_PYTHON")
    if python:
        return python
    if os.path.exists("/opt/upstream/bin/python"):
        return "/opt/upstream/bin/python"
    venv = REPO / ".cache" / "upstream"
    python = str(venv / "bin" / "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [python, "-m", "pip", "install", "-q", "websockets==17.4"], check=True
        )
    return python


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env
