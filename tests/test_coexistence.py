"""
websockets-speedy installed beside the released websockets (docs/coexistence.rst).

Each sequence starts from a fresh virtual environment and runs pip the way a
user would: install this project's wheel, install ``uvicorn[standard]`` (which
pulls the released websockets), upgrade websockets, uninstall websockets,
uninstall websockets-speedy. After every step, ``import websockets`` must
resolve to this project with compiled kernels while it's installed, to the
release otherwise, and ``pip check`` must pass.

The sequences are permutations of the five steps such that every step comes
right after every other step at least once. pip installs from a directory
holding the wheel built once per run and the dependencies, downloaded once.

"""

from __future__ import annotations

import itertools
import json
import pathlib
import sys

import pytest

from .wheel import clean_env, create_venv, pip, run


pytestmark = pytest.mark.build

STEPS = {
    "A": ("install", "websockets-speedy"),
    "U": ("install", "uvicorn[standard]"),
    "R": ("install", "-U", "websockets"),
    "X": ("uninstall", "-y", "websockets"),
    "Y": ("uninstall", "-y", "websockets-speedy"),
}

SEQUENCES = ["AURXY", "AURYX", "UAXRY", "XAYUR", "XUYRA", "YARUX"]

# Runs in the virtual environment; prints what "import websockets" gave.
PROBE = """\
import importlib.metadata, json, os, pickle, sys, typing
report = {}
for name in ("websockets", "websockets-speedy"):
    try:
        files = importlib.metadata.distribution(name).files or []
    except importlib.metadata.PackageNotFoundError:
        continue
    report[name] = sorted(str(file) for file in files)
try:
    import websockets, websockets.asyncio.server, websockets.frames
except ModuleNotFoundError as exc:
    report["error"] = str(exc)
else:
    package = os.path.dirname(websockets.__file__)
    report["package"] = os.path.relpath(package, os.path.dirname(os.__file__))
    try:
        import websockets._accel
    except ModuleNotFoundError:
        report["kernels"] = None
    else:
        report["kernels"] = sorted(set(websockets._accel.ACTIVE.values()))
    close = websockets.frames.Close(1000, "bye")
    report["identity"] = [
        websockets.__name__,
        websockets.frames.__name__,
        websockets.frames.Close.__module__,
        type(pickle.loads(pickle.dumps(close))).__module__,
        repr(pickle.loads(pickle.dumps(close)) == close),
        repr(typing.get_type_hints(websockets.frames.Close)),
        repr(os.path.exists(os.path.join(package, "py.typed"))),
    ]
print(json.dumps(report))
"""

# What the release gives, for the same probe.
RELEASED_IDENTITY = [
    "websockets",
    "websockets.frames",
    "websockets.frames",
    "websockets.frames",
    "True",
    "{'code': websockets.frames.CloseCode | int, 'reason': <class 'str'>}",
    "True",
]


def test_sequences_cover_every_step_after_every_other():
    pairs = {(seq[i], seq[i + 1]) for seq in SEQUENCES for i in range(len(seq) - 1)}
    assert pairs == set(itertools.permutations(STEPS, 2))
    assert all(sorted(seq) == sorted(STEPS) for seq in SEQUENCES)


@pytest.fixture(scope="module")
def wheelhouse(speedy_wheel, tmp_path_factory):
    """
    Directory holding our wheel and ``uvicorn[standard]``, ``websockets``.

    """
    directory = tmp_path_factory.mktemp("wheelhouse")
    (directory / speedy_wheel.name).write_bytes(speedy_wheel.read_bytes())
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--only-binary",
            ":all:",
            "--dest",
            directory,
            "uvicorn[standard]",
            "websockets",
        ],
        cwd=directory,
    )
    return directory


@pytest.fixture(scope="module")
def released_version(wheelhouse):
    """
    Version of the release in the wheelhouse: 17.4, except on Python 3.10,
    which websockets 17 doesn't support (pip takes the last 16.x there).

    """
    (wheel,) = wheelhouse.glob("websockets-*.whl")
    return wheel.name.split("-")[1]


def probe(python, **env):
    result = run([python, "-c", PROBE], cwd=python.parent, env=clean_env(**env))
    return json.loads(result.stdout)


def version_lines(python, **env):
    result = run(
        [python, "-m", "websockets", "--version"],
        cwd=python.parent,
        env=clean_env(**env),
    )
    return result.stdout.splitlines()


def check_state(python, ours, released, released_version):
    """
    Check what ``import websockets`` gives with these distributions installed.

    """
    report = probe(python)
    assert ("websockets-speedy" in report) is ours
    assert ("websockets" in report) is released
    assert pip(python, "check").returncode == 0
    if ours:
        assert report["package"].endswith("_websockets_speedy/websockets"), report
        assert report["kernels"] == ["compiled"]
        assert report["identity"] == RELEASED_IDENTITY
        lines = version_lines(python)
        assert lines[0] == "websockets 17.4"
        assert lines[1].startswith("websockets-speedy 17.4 (compiled kernels) in ")
        # The escape hatch gives the release, or an explicit error.
        escaped = probe(python, WEBSOCKETS_SPEEDY="0")
        if released:
            assert escaped["package"].endswith("site-packages/websockets"), escaped
            assert escaped["kernels"] is None
        else:
            assert "WEBSOCKETS_SPEEDY=0" in escaped["error"]
    elif released:
        assert report["package"].endswith("site-packages/websockets"), report
        assert report["kernels"] is None
        if released_version == "17.4":
            assert report["identity"] == RELEASED_IDENTITY
        else:  # an older release: same module names and pickling, other hints
            assert report["identity"][:5] == RELEASED_IDENTITY[:5]
        assert version_lines(python) == [f"websockets {released_version}"]
    else:
        assert report["error"] == "No module named 'websockets'"
    if ours and released:
        # No file belongs to both distributions.
        assert not set(report["websockets"]) & set(report["websockets-speedy"])
        # The release's console script runs the active implementation.
        script = run([python.parent / "websockets", "--version"], cwd=python.parent)
        assert script.stdout.splitlines()[1:2] == version_lines(python)[1:2]


@pytest.mark.parametrize("sequence", SEQUENCES)
def test_import_websockets_survives_install_and_uninstall_sequence(
    sequence, wheelhouse, released_version, tmp_path
):
    python = create_venv(tmp_path / "venv")
    ours = released = False
    for step in sequence:
        command, *args = STEPS[step]
        if command == "install":
            pip(python, "install", "--no-index", "--find-links", wheelhouse, *args)
        else:
            pip(python, "uninstall", *args)
        if step == "A":
            ours = True
        elif step in "UR":
            released = True
        elif step == "X":
            released = False
        else:
            ours = False
        check_state(python, ours, released, released_version)


def test_readme_and_docs_give_the_tested_commands():
    root = pathlib.Path(__file__).resolve().parent.parent
    for path in ["README.rst", "docs/coexistence.rst"]:
        text = (root / path).read_text()
        assert "$ pip install websockets-speedy" in text
        assert "$ python -m websockets --version" in text
        assert "websockets-speedy 17.4 (compiled kernels) in " in text
        assert "WEBSOCKETS_SPEEDY=0" in text
