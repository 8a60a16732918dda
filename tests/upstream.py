"""
The released websockets, in a virtual environment of its own, as a peer.

Tests that compare this project with websockets 17.4, or talk to it, reach it
only through :func:`ensure` (the ``upstream`` fixture of ``tests/conftest.py``
wraps it). It guarantees three things:

* the environment lives outside the working tree, in the user's cache
  directory (or the system temporary directory when that is inside the
  repository), and is created atomically: it's built under a temporary name
  and renamed into place only once it passed the checks below, so a run that
  was interrupted halfway never leaves an environment that a later run
  reuses;
* every process is started with ``-I`` (no ``PYTHONPATH``, no user site, no
  script directory on ``sys.path``) and with a working directory outside the
  repository, so the repository's own ``websockets/`` can't shadow the
  released one;
* before any test uses it, the interpreter is checked: ``websockets`` must
  import from its own site-packages, with the released version, and this
  project's distribution must not be installed there.

``WEBSOCKETS_UPSTREAM_PYTHON`` may name an interpreter to use instead of the
managed environment; it goes through the same checks.

"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
from typing import Any


__all__ = [
    "RELEASED_VERSION",
    "REQUIREMENTS",
    "Upstream",
    "UpstreamUnavailable",
    "ensure",
]

REPO = pathlib.Path(__file__).resolve().parents[1]

RELEASED_VERSION = "17.4"

# Everything the tests run in the released package's environment. Changing
# this list changes the environment's name, so a new one gets built.
# werkzeug is route()'s dependency, python-socks connects through SOCKS
# proxies and trustme makes certificates (tests/compat).
REQUIREMENTS = (
    f"websockets=={RELEASED_VERSION}",
    "trio>=0.27",
    "werkzeug>=3",
    "trustme>=1",
    "python-socks[asyncio]>=2.6",
)

# Printed by the interpreter under check; parsed by _check().
_PROBE = r"""
import importlib.metadata, json, sys, sysconfig
import websockets
try:
    importlib.metadata.distribution("websockets-speedy")
    speedy = True
except importlib.metadata.PackageNotFoundError:
    speedy = False
print(json.dumps({
    "file": websockets.__file__,
    "version": getattr(websockets, "__version__", None),
    "distribution": importlib.metadata.version("websockets"),
    "site": sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}),
    "speedy": speedy,
}))
"""


class UpstreamUnavailable(Exception):
    """The released websockets can't be provided; the message says why."""


@dataclasses.dataclass(frozen=True)
class Upstream:
    """An interpreter where ``import websockets`` is the released package."""

    python: str
    #: A directory outside the repository, used as the working directory.
    cwd: str
    version: str

    def command(self, *args: str) -> list[str]:
        """Command line running this interpreter isolated (``-I``)."""
        return [self.python, "-I", *args]

    def run(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[Any]:
        """``subprocess.run`` of :meth:`command`, outside the repository."""
        kwargs.setdefault("cwd", self.cwd)
        return subprocess.run(self.command(*args), **kwargs)

    def popen(self, *args: str, **kwargs: Any) -> subprocess.Popen[Any]:
        """``subprocess.Popen`` of :meth:`command`, outside the repository."""
        kwargs.setdefault("cwd", self.cwd)
        return subprocess.Popen(self.command(*args), **kwargs)


def _inside_repository(path: pathlib.Path) -> bool:
    path = path.resolve()
    return path == REPO or REPO in path.parents


def cache_root() -> pathlib.Path:
    """Where managed environments live: the user's cache, outside the repo."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    root = pathlib.Path(base) / "websockets-speedy"
    if _inside_repository(root):
        root = pathlib.Path(tempfile.gettempdir()) / "websockets-speedy-cache"
    return root


# websockets 17.4 requires Python 3.11 or later.
MINIMUM_PYTHON = (3, 11)

# Interpreters tried, in order, when the one running the tests is too old.
CANDIDATES = ("python3.13", "python3.12", "python3.11", "python3")


def _version_of(python: str) -> tuple[int, int] | None:
    """Return ``python``'s (major, minor) version, or None if it doesn't run."""
    try:
        result = subprocess.run(
            [python, "-I", "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:  # a pyenv shim for a version not selected
        return None
    major, minor = result.stdout.split()
    return int(major), int(minor)


def base_interpreter() -> str:
    """
    The interpreter that creates the environment: this one, if recent enough.

    Tests may run on a Python that the release doesn't support (3.10); the
    release then runs on another interpreter found on ``PATH``, which is
    fine for a peer in another process.

    """
    if sys.version_info[:2] >= MINIMUM_PYTHON:
        return sys.executable
    for name in CANDIDATES:
        python = shutil.which(name)
        if python is None:
            continue
        version = _version_of(python)
        if version is not None and version >= MINIMUM_PYTHON:
            return python
    raise UpstreamUnavailable(
        f"websockets {RELEASED_VERSION} requires Python"
        f" {'.'.join(map(str, MINIMUM_PYTHON))} or later; this is"
        f" {sys.version.split()[0]} and none of {', '.join(CANDIDATES)} on PATH is"
    )


def _environment_path(base: str) -> pathlib.Path:
    # One environment per base interpreter and requirement list.
    # A virtualenv's interpreter links to its base: the virtualenvs of one
    # Python share one environment for the release.
    version = _version_of(base) or sys.version_info[:2]
    real = os.path.realpath(base)
    key = hashlib.sha256(
        json.dumps([real, version, REQUIREMENTS]).encode()
    ).hexdigest()[:12]
    tag = f"py{version[0]}{version[1]}"
    return cache_root() / f"upstream-{RELEASED_VERSION}-{tag}-{key}"


def _neutral_cwd() -> str:
    cwd = pathlib.Path(tempfile.gettempdir()) / "websockets-speedy-upstream-cwd"
    cwd.mkdir(parents=True, exist_ok=True)
    return str(cwd)


def _check(python: str, cwd: str) -> str:
    """Return the problem with ``python``, or the empty string."""
    try:
        result = subprocess.run(
            [python, "-I", "-c", _PROBE],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{python} can't run: {exc}"
    if result.returncode != 0:
        return f"{python} can't import websockets: {result.stderr.strip()[-500:]}"
    found = json.loads(result.stdout)
    location = pathlib.Path(found["file"]).resolve()
    if _inside_repository(location):
        return f"{python} imports websockets from this repository ({location})"
    if not any(
        pathlib.Path(site).resolve() in location.parents for site in found["site"]
    ):
        return f"{python} imports websockets from {location}, not its site-packages"
    if found["speedy"]:
        return f"{python} has websockets-speedy installed, not only the release"
    if (
        found["version"] != RELEASED_VERSION
        or found["distribution"] != RELEASED_VERSION
    ):
        return (
            f"{python} has websockets {found['version']} (distribution"
            f" {found['distribution']}), not the released {RELEASED_VERSION}"
        )
    return ""


def _create(target: pathlib.Path, base: str, cwd: str) -> None:
    """Build the environment under a temporary name, check it, rename it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = pathlib.Path(
        tempfile.mkdtemp(prefix=target.name + ".partial-", dir=target.parent)
    )
    try:
        python = staging / "bin" / "python"
        subprocess.run(
            [base, "-I", "-m", "venv", str(staging)],
            check=True,
            capture_output=True,
            cwd=cwd,
        )
        install = subprocess.run(
            [
                str(python),
                "-I",
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *REQUIREMENTS,
            ],
            capture_output=True,
            text=True,
            cwd=cwd,
            timeout=600,
        )
        if install.returncode != 0:
            raise UpstreamUnavailable(
                f"could not install {' '.join(REQUIREMENTS)} from the package index"
                f" (pip exited with {install.returncode}): "
                f"{install.stderr.strip()[-800:]}"
            )
        problem = _check(str(python), cwd)
        if problem:
            raise UpstreamUnavailable(f"the new environment is wrong: {problem}")
        # A virtual environment records its own path in its scripts and in
        # pyvenv.cfg, but `python -I -m pip` and `bin/python` keep working
        # after a rename: bin/python is a link to the base interpreter.
        try:
            os.rename(staging, target)
        except OSError:
            # Another process won the race; its environment is as good.
            if not target.exists():
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


_cached: Upstream | UpstreamUnavailable | None = None


def ensure() -> Upstream:
    """
    Return the released websockets' interpreter, creating it if needed.

    Raises:
        UpstreamUnavailable: it can't be provided; the message names what's
            missing. The outcome is remembered for the rest of the process,
            so a missing package index costs one attempt, not one per test.

    """
    global _cached
    if _cached is None:
        try:
            _cached = _ensure()
        except UpstreamUnavailable as exc:
            _cached = exc
    if isinstance(_cached, UpstreamUnavailable):
        raise _cached
    return _cached


def _ensure() -> Upstream:
    cwd = _neutral_cwd()
    override = os.environ.get("WEBSOCKETS_UPSTREAM_PYTHON")
    if override:
        problem = _check(override, cwd)
        if problem:
            raise UpstreamUnavailable(f"WEBSOCKETS_UPSTREAM_PYTHON: {problem}")
        return Upstream(override, cwd, RELEASED_VERSION)
    base = base_interpreter()
    target = _environment_path(base)
    python = target / "bin" / "python"
    if target.exists():
        if not _check(str(python), cwd):
            return Upstream(str(python), cwd, RELEASED_VERSION)
        # Damaged (the base interpreter moved, say): build it again.
        shutil.rmtree(target, ignore_errors=True)
    try:
        _create(target, base, cwd)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UpstreamUnavailable(f"could not create {target}: {exc}") from None
    problem = _check(str(python), cwd)
    if problem:
        raise UpstreamUnavailable(problem)
    return Upstream(str(python), cwd, RELEASED_VERSION)


if __name__ == "__main__":
    # `python -m tests.upstream` creates the environment and prints its path.
    try:
        print(ensure().python)
    except UpstreamUnavailable as exc:
        sys.exit(f"released websockets unavailable: {exc}")
