"""
Run one program under this package and under the released websockets 17.4.

"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap


__all__ = ["run_twins"]

REPO = pathlib.Path(__file__).resolve().parents[2]


def run_twins(upstream, tmp_path, code, *, timeout=60):
    """
    Run ``code`` in two processes: this package's, then 17.4's.

    Both start in ``tmp_path``; this package is imported from the repository,
    in the mode of the current run (``WEBSOCKETS_NO_SPEEDUPS`` and the like
    are inherited). Each run must exit with status 0.

    Returns:
        The standard output of both: ``(ours, released)``.

    """
    script = tmp_path / "twin_program.py"
    script.write_text(textwrap.dedent(code))
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    ours = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=timeout,
    )
    assert ours.returncode == 0, ours.stderr
    released = upstream.run(
        str(script), capture_output=True, text=True, cwd=tmp_path, timeout=timeout
    )
    assert released.returncode == 0, released.stderr
    return ours.stdout, released.stdout
