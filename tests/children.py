"""
The environment of child processes that run this working tree's websockets.

"""

from __future__ import annotations

import os
import pathlib


REPO = pathlib.Path(__file__).resolve().parents[1]


def child_env(**extra: str) -> dict[str, str]:
    """
    Environment for a child process that imports this working tree's websockets.

    The child runs in the same mode (compiled or pure) as the test run, which
    the environment carries (``WEBSOCKETS_NO_SPEEDUPS``,
    ``WEBSOCKETS_REQUIRE_SPEEDUPS``). Its output is unbuffered, as on a
    terminal: tests read what it prints while it runs, and a child stopped by
    a signal would otherwise lose what it had printed.

    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO), *filter(None, [env.get("PYTHONPATH")])]
    )
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env
