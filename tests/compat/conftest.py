"""
Run the scenarios of the differential conformance suite, once per session.

Both interpreters run in parallel, each in one process that forks a child
per scenario (see runner.py): this package with ``PYTHONPATH`` set to the
repository, in the mode of the test run (``WEBSOCKETS_NO_SPEEDUPS`` or
``WEBSOCKETS_REQUIRE_SPEEDUPS`` pass through), and the released websockets
through the ``upstream`` fixture, isolated and outside the repository.

"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tempfile

import pytest

from .scenarios import SCENARIOS


REPO = pathlib.Path(__file__).resolve().parents[2]
RUNNER = (pathlib.Path(__file__).parent / "runner.py").read_text()

# Deadline for a whole batch; each scenario has its own, shorter one.
BATCH_DEADLINE = 300

# Scenarios that each runner runs at once. Most of them wait on sockets and
# timers, not on the CPU.
PARALLEL = 6

# The mode of this test run, which this package's side must run in too.
MODE_VARIABLES = ("WEBSOCKETS_NO_SPEEDUPS", "WEBSOCKETS_REQUIRE_SPEEDUPS")


def _environment(ours: bool) -> dict[str, str]:
    # Scenarios set the WEBSOCKETS_* variables they test themselves; nothing
    # else from the environment of the test run may change what they see.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("WEBSOCKETS_") and key != "PYTHONPATH"
    }
    if ours:
        env["PYTHONPATH"] = str(REPO)
        for key in MODE_VARIABLES:
            if key in os.environ:
                env[key] = os.environ[key]
    return env


@pytest.fixture(scope="session")
def compat_results(upstream, request):
    """Map ``"ours"`` and ``"theirs"`` to the results of the selected scenarios."""
    selected = sorted(
        {
            item.callspec.params["scenario"]
            for item in request.session.items
            if hasattr(item, "callspec") and "scenario" in item.callspec.params
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "scenarios.json")
        with open(path, "w") as file:
            json.dump({name: SCENARIOS[name] for name in selected}, file)
        ours = subprocess.Popen(
            [sys.executable, "-c", RUNNER, path, str(PARALLEL)],
            cwd=tmp,
            env=_environment(ours=True),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        theirs = upstream.popen(
            "-c",
            RUNNER,
            path,
            str(PARALLEL),
            env=_environment(ours=False),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        results = {}
        for name, process in (("ours", ours), ("theirs", theirs)):
            try:
                out, err = process.communicate(timeout=BATCH_DEADLINE)
            except subprocess.TimeoutExpired:
                ours.kill()
                theirs.kill()
                ours.communicate()
                theirs.communicate()
                pytest.fail(f"the {name} runner didn't finish in {BATCH_DEADLINE}s")
            if process.returncode != 0:
                pytest.fail(f"the {name} runner failed: {err[-2000:]}")
            results[name] = json.loads(out)
    return results
