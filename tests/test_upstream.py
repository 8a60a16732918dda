"""
The shared fixture for the released websockets (tests/upstream.py) provides
the released package and nothing else.

"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

from . import upstream as upstream_module


REPO = pathlib.Path(__file__).resolve().parents[1]


def test_upstream_imports_the_released_package_outside_the_repository(upstream):
    result = upstream.run(
        "-c",
        "import websockets, websockets.version as v; print(websockets.__file__);"
        " print(v.version); print(hasattr(websockets, '_accel'))",
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    path, version, has_accel = result.stdout.split("\n")[:3]
    assert not pathlib.Path(path).resolve().is_relative_to(REPO)
    assert version == upstream_module.RELEASED_VERSION
    # This project's kernel registry doesn't exist in the release.
    assert has_accel == "False"
    assert not pathlib.Path(upstream.python).resolve().is_relative_to(REPO)
    assert not pathlib.Path(upstream.cwd).resolve().is_relative_to(REPO)


def test_upstream_commands_are_isolated(upstream):
    assert upstream.command("-c", "pass")[:2] == [upstream.python, "-I"]
    # PYTHONPATH pointing at this repository doesn't reach the interpreter.
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = upstream.run(
        "-c",
        "import websockets; print(websockets.__file__)",
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=60,
    )
    assert not pathlib.Path(result.stdout.strip()).resolve().is_relative_to(REPO)


def test_check_rejects_an_interpreter_that_imports_this_repository():
    # The interpreter running the tests imports websockets from the working
    # tree: exactly what the fixture must refuse to call "released".
    problem = upstream_module._check(sys.executable, str(REPO))
    assert problem
    assert "websockets" in problem


def test_check_rejects_an_interpreter_without_websockets(tmp_path):
    venv = tmp_path / "empty"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True
    )
    problem = upstream_module._check(str(venv / "bin" / "python"), str(tmp_path))
    assert "can't import websockets" in problem


def test_a_partial_environment_is_never_reused(tmp_path, monkeypatch):
    # A staging directory left by an interrupted run has another name than
    # the environment, so ensure() doesn't see it; an environment that fails
    # the check is rebuilt, not trusted.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    target = upstream_module._environment_path(upstream_module.base_interpreter())
    assert target.is_relative_to(tmp_path)
    target.mkdir(parents=True)
    (target / "bin").mkdir()
    assert upstream_module._check(str(target / "bin" / "python"), str(tmp_path))


def test_cache_root_is_outside_the_repository(monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(REPO / ".cache"))
    root = upstream_module.cache_root()
    assert not root.resolve().is_relative_to(REPO)
