"""
Build this project's wheel, and fresh virtual environments to install it in.

The coexistence tests (tests/test_coexistence.py) and the embedder tests
(tests/embedders/) install the wheel as a user would, beside other
distributions; the ``speedy_wheel`` fixture of tests/conftest.py builds it
once per run with :func:`build_wheel`.

"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
from typing import Any


ROOT = pathlib.Path(__file__).resolve().parent.parent

BUILD_TIMEOUT = 900
PIP_TIMEOUT = 600


def clean_env(**overrides: str) -> dict[str, str]:
    """
    Return the environment for subprocesses, without this run's switches.

    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WEBSOCKETS_", "PYTHON", "PIP_"))
        and key not in ("BUILD_EXTENSION", "CC", "VIRTUAL_ENV")
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    env.update(overrides)
    return env


def run(
    args: list[Any],
    *,
    cwd: Any,
    env: dict[str, str] | None = None,
    timeout: float = PIP_TIMEOUT,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """
    Run a command; if ``check``, fail with its output when it fails.

    """
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=clean_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{[str(arg) for arg in args]} failed with status {result.returncode}:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def build_wheel(directory: pathlib.Path) -> pathlib.Path:
    """
    Build the wheel, with its compiled kernels, from a copy of the source tree.

    Returns:
        The wheel's path, in ``directory/dist``.

    """
    from .test_build import ignore_generated

    tree = directory / "websockets-speedy"
    shutil.copytree(ROOT, tree, ignore=ignore_generated)
    dist = directory / "dist"
    run(
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
        cwd=tree,
        env=clean_env(BUILD_EXTENSION="yes"),
        timeout=BUILD_TIMEOUT,
    )
    (wheel,) = dist.glob("websockets_speedy-*.whl")
    return wheel


def create_venv(path: pathlib.Path) -> pathlib.Path:
    """
    Create a virtual environment without pip, and return its interpreter.

    pip runs from this test run's environment, with ``--python``: that saves
    installing pip in every environment.

    """
    run([sys.executable, "-m", "venv", "--without-pip", path], cwd=path.parent)
    if sys.platform == "win32":  # pragma: no cover
        return path / "Scripts" / "python.exe"
    return path / "bin" / "python"


def pip(
    python: pathlib.Path, *args: Any, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """
    Run pip on the virtual environment of ``python``.

    """
    return run(
        [sys.executable, "-m", "pip", "--python", python, *args],
        cwd=python.parent,
        check=check,
    )
