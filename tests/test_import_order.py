"""
The modules of the kernel cycle import in any order.

``websockets._accel`` imports the kernels, the kernels import
``websockets.frames`` and ``websockets.frames`` uses ``_accel``: that's why
``frames`` imports ``_accel`` inside functions. Each module is imported first
in a fresh interpreter, in both modes, so that moving such an import to the
top of a module fails here instead of for the user who imports it first.

"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest


ROOT = pathlib.Path(__file__).resolve().parent.parent

FIRST_IMPORTS = [
    "websockets.frames",
    "websockets._accel",
    "websockets._pure.framing",
    "websockets._pure.mask",
    "websockets._pure.utf8",
    "websockets.protocol",
]


@pytest.mark.parametrize("module", FIRST_IMPORTS)
def test_module_imports_first_in_fresh_interpreter(module):
    # Also exercise the kernels, which resolves the function-level imports.
    code = (
        f"import {module}\n"
        "from websockets.frames import Frame, Opcode, apply_mask\n"
        "frame = Frame(Opcode.TEXT, b'hi')\n"
        "assert Frame.parse is not None and frame.serialize(mask=True)\n"
        "assert apply_mask(b'ab', b'1234') == bytes([ord('a') ^ 49, ord('b') ^ 50])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
