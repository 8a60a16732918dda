"""
Install and run the Autobahn|Testsuite (``wstest``).

The suite is Python 2 code: autobahntestsuite 0.8.2 with its pinned
dependencies (Twisted 20.3, autobahn 0.10.9). We install it with
``pip install --target`` into a cache folder rather than into a virtualenv,
so that the only requirement on the machine is a Python 2.7 interpreter.

Environment variables:

* ``AUTOBAHN_PYTHON2``: the Python 2.7 interpreter (default: pyenv's 2.7.18
  if present, else ``python2.7`` on the ``PATH``);
* ``AUTOBAHN_CACHE``: the cache folder (default: ``.cache/autobahn`` at the
  root of the repository);
* ``AUTOBAHN_REPORTS``: the reports folder (default: ``reports`` in the
  cache folder).

"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any


__all__ = [
    "ROOT",
    "CACHE",
    "LIB",
    "REPORTS",
    "SUITE_VERSION",
    "python2",
    "install",
    "is_installed",
    "wstest_command",
    "wstest_env",
    "write_spec",
]


ROOT = pathlib.Path(__file__).resolve().parents[2]
"""Root of the repository."""

CACHE = pathlib.Path(os.environ.get("AUTOBAHN_CACHE", ROOT / ".cache" / "autobahn"))
"""Folder holding the installed suite, the specs and the reports."""

LIB = CACHE / "lib"
"""``pip install --target`` folder of the suite and its dependencies."""

REPORTS = pathlib.Path(os.environ.get("AUTOBAHN_REPORTS", CACHE / "reports"))
"""Reports go to ``REPORTS / f"{role}-{mode}"``."""

SUITE_VERSION = "0.8.2"

# Written once the installation completed, so that an interrupted install is
# redone rather than mistaken for a good one.
_STAMP = LIB / f".autobahntestsuite-{SUITE_VERSION}.installed"

# wstest's entry point, as the console script installed by pip calls it.
_WSTEST_MAIN = (
    "import sys; sys.argv[0] = 'wstest'; "
    "from autobahntestsuite.wstest import run; sys.exit(run())"
)


def python2() -> str:
    """
    Return the Python 2.7 interpreter that runs the suite.

    """
    explicit = os.environ.get("AUTOBAHN_PYTHON2")
    if explicit:
        return explicit
    pyenv_root = pathlib.Path(
        os.environ.get("PYENV_ROOT", pathlib.Path.home() / ".pyenv")
    )
    candidate = pyenv_root / "versions" / "2.7.18" / "bin" / "python2.7"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("python2.7")
    if found is None:
        raise RuntimeError("Python 2.7 not found; set AUTOBAHN_PYTHON2")
    return found


def wstest_env() -> dict[str, str]:
    """
    Return the environment in which ``wstest`` runs.

    """
    env = dict(os.environ)
    env["PYTHONPATH"] = str(LIB)
    # The installed cryptography warns on every start that Python 2 is
    # deprecated; the warning is noise in the logs.
    env["PYTHONWARNINGS"] = "ignore"
    # Don't let a pyenv shim or a virtualenv of the caller interfere.
    env.pop("PYTHONHOME", None)
    env["PYENV_VERSION"] = "2.7.18"
    return env


def is_installed() -> bool:
    """
    Tell whether the suite is installed in :data:`LIB`.

    """
    return _STAMP.exists()


def install(*, force: bool = False, quiet: bool = True) -> None:
    """
    Install the suite into :data:`LIB`; do nothing if it is already there.

    Args:
        force: Reinstall even if the suite is installed.
        quiet: Hide pip's output unless it fails.

    Raises:
        subprocess.CalledProcessError: If pip or the smoke test fails.

    """
    if is_installed() and not force:
        return
    if LIB.exists():
        shutil.rmtree(LIB)
    LIB.mkdir(parents=True)
    print(f"Installing autobahntestsuite=={SUITE_VERSION} into {LIB}", flush=True)
    command = [
        python2(),
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-warn-script-location",
        "--target",
        str(LIB),
        f"autobahntestsuite=={SUITE_VERSION}",
    ]
    env = dict(os.environ, PYENV_VERSION="2.7.18", PYTHONWARNINGS="ignore")
    result = subprocess.run(command, env=env, capture_output=quiet, text=True)
    if result.returncode != 0:
        if quiet:
            sys.stdout.write(result.stdout)
            sys.stderr.write(result.stderr)
        result.check_returncode()
    # zope.interface relies on a namespace package declared in a .pth file,
    # which Python only processes in site directories, not on PYTHONPATH.
    # An empty __init__.py makes ``zope`` a regular package instead.
    (LIB / "zope" / "__init__.py").touch()
    # Smoke test: fail here rather than in the middle of a run.
    subprocess.run(
        [python2(), "-c", "import autobahntestsuite.wstest"],
        env=wstest_env(),
        check=True,
        capture_output=True,
    )
    _STAMP.touch()


def wstest_command(arguments: Sequence[str]) -> list[str]:
    """
    Return the command line that runs ``wstest`` with ``arguments``.

    """
    return [python2(), "-u", "-c", _WSTEST_MAIN, *arguments]


def write_spec(path: pathlib.Path, spec: Mapping[str, Any]) -> None:
    """
    Write a ``wstest`` specification file.

    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec, indent=2) + "\n")


if __name__ == "__main__":
    install(force="--force" in sys.argv[1:], quiet=False)
    print(f"autobahntestsuite {SUITE_VERSION} is installed in {LIB}")
