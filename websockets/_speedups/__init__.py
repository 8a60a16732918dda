"""
Compiled twins of the kernels, built from ``_speedups/<name>.pyx``.

Kernels with several inner loops (SIMD variants) choose one when they're
imported, with :func:`select_implementation`: the C code only detects what
the CPU supports, and this function holds the policy.

"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence


__all__ = ["select_implementation"]


def select_implementation(
    kernel: str,
    supported: Sequence[str],
    set_implementation: Callable[[str], None],
) -> None:
    """
    Select the inner loop of a compiled kernel, once, at import time.

    The loop is the one that ``WEBSOCKETS_<KERNEL>_IMPL`` names, e.g.
    ``WEBSOCKETS_MASK_IMPL=sse2``, or else the fastest one that this CPU
    supports, which is the last of ``supported``.

    Raises:
        ValueError: If the variable names an unknown loop.
        RuntimeError: If the variable names a loop that this CPU, or this
            build, can't run.

    """
    variable = f"WEBSOCKETS_{kernel.upper()}_IMPL"
    name = os.environ.get(variable, "")
    try:
        set_implementation(name or supported[-1])
    except (ValueError, RuntimeError) as exc:
        # Naming the variable tells the user where the bad value comes from.
        raise type(exc)(f"{variable}: {exc}") from None
