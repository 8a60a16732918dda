"""
Shared pytest configuration.

"""

from __future__ import annotations


def pytest_report_header(config):
    # Say up front which twin of each kernel the run exercises: a "compiled"
    # run that silently tests pure code is the failure mode to rule out.
    try:
        from websockets import _accel
    except ImportError as exc:
        return f"websockets kernels: cannot import websockets._accel: {exc}"
    kernels = ", ".join(f"{name}={mode}" for name, mode in _accel.ACTIVE.items())
    return f"websockets kernels: {kernels}"
