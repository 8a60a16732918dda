"""
websockets.trio behaves like the released websockets' trio implementation:
same exceptions and messages, close codes and log records, scenario by
scenario (parity_scenarios.py runs with both).

"""

from __future__ import annotations

import pathlib
import subprocess
import sys


SCENARIOS = pathlib.Path(__file__).with_name("parity_scenarios.py")


def run(command, cwd=None):
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, cwd=cwd
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_scenarios_match_released_websockets(upstream):
    ours = run([sys.executable, str(SCENARIOS)])
    theirs = run(upstream.command(str(SCENARIOS)), cwd=upstream.cwd)
    # Compare scenario by scenario for a readable failure.
    assert len(ours) == len(theirs) == 9
    for our_line, their_line in zip(ours, theirs, strict=True):
        assert our_line == their_line
