"""
Settings shared by the echo server and the echo client under test.

"""

from __future__ import annotations

import os
import sys


__all__ = ["MAX_SIZE", "MODES", "mode_env", "check_mode"]


MAX_SIZE = 2**25
"""
Largest message accepted: section 9 sends messages of up to 16 MiB.

"""

MODES = ("compiled", "pure")
"""Builds under test: the compiled kernels and the pure-Python twins."""


def mode_env(mode: str) -> dict[str, str]:
    """
    Return the environment that selects the build ``mode``.

    """
    env = dict(os.environ)
    env.pop("WEBSOCKETS_NO_SPEEDUPS", None)
    env.pop("WEBSOCKETS_REQUIRE_SPEEDUPS", None)
    if mode == "compiled":
        env["WEBSOCKETS_REQUIRE_SPEEDUPS"] = "1"
    elif mode == "pure":
        env["WEBSOCKETS_NO_SPEEDUPS"] = "1"
    else:
        raise ValueError(f"unknown mode: {mode}")
    return env


def check_mode() -> str:
    """
    Verify that the kernels in use match the environment, and name the mode.

    A compliance run of the "compiled" build that silently exercises the
    pure-Python twins would prove nothing, so refuse to start in that case.

    Raises:
        SystemExit: If the kernels in use don't match the requested mode.

    """
    from websockets import _accel

    expected = "pure" if _accel.NO_SPEEDUPS else "compiled"
    wrong = {name: impl for name, impl in _accel.ACTIVE.items() if impl != expected}
    if wrong:
        sys.exit(f"expected {expected} kernels, got {_accel.ACTIVE}")
    return expected
