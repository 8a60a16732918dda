"""
One policy chooses the inner loop (SIMD variant) of every compiled kernel:
:func:`websockets._speedups.select_implementation`, at import time, from
``WEBSOCKETS_<KERNEL>_IMPL`` or else the fastest loop the CPU supports.

"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

from tests.twins import compiled_modules
from websockets._speedups import select_implementation


ROOT = pathlib.Path(__file__).resolve().parent.parent


class Kernel:
    """Stand-in for a compiled kernel's _set_implementation()."""

    def __init__(self, supported):
        self.supported = supported
        self.selected = None

    def set_implementation(self, name):
        if name not in ("word", "sse2", "avx2"):
            raise ValueError(f"unknown test implementation {name!r}")
        if name not in self.supported:
            raise RuntimeError(
                f"this CPU doesn't support the {name} test implementation"
            )
        self.selected = name


def test_select_implementation_picks_fastest_supported_loop(monkeypatch):
    monkeypatch.delenv("WEBSOCKETS_TEST_IMPL", raising=False)
    kernel = Kernel(("word", "sse2"))
    select_implementation("test", kernel.supported, kernel.set_implementation)
    assert kernel.selected == "sse2"


def test_select_implementation_honours_environment_variable(monkeypatch):
    monkeypatch.setenv("WEBSOCKETS_TEST_IMPL", "word")
    kernel = Kernel(("word", "sse2"))
    select_implementation("test", kernel.supported, kernel.set_implementation)
    assert kernel.selected == "word"


def test_select_implementation_rejects_unknown_loop_loudly(monkeypatch):
    monkeypatch.setenv("WEBSOCKETS_TEST_IMPL", "neon")
    kernel = Kernel(("word", "sse2"))
    with pytest.raises(ValueError) as raised:
        select_implementation("test", kernel.supported, kernel.set_implementation)
    assert str(raised.value) == (
        "WEBSOCKETS_TEST_IMPL: unknown test implementation 'neon'"
    )
    assert kernel.selected is None


def test_select_implementation_rejects_unsupported_loop_loudly(monkeypatch):
    monkeypatch.setenv("WEBSOCKETS_TEST_IMPL", "avx2")
    kernel = Kernel(("word", "sse2"))
    with pytest.raises(RuntimeError) as raised:
        select_implementation("test", kernel.supported, kernel.set_implementation)
    assert str(raised.value) == (
        "WEBSOCKETS_TEST_IMPL: this CPU doesn't support the avx2 test implementation"
    )
    assert kernel.selected is None


def test_c_code_only_detects_cpu_features():
    # Environment variables are read in one place, select_implementation().
    for path in (ROOT / "_speedups").iterdir():
        if path.suffix in (".h", ".pxd", ".pyx"):
            source = path.read_text()
            assert "getenv" not in source, path.name
            assert "os.environ" not in source, path.name


def run(code, **env):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("module", compiled_modules("utf8"))
def test_utf8_environment_variable_forces_each_loop(module):
    for variant in module._supported_implementations():
        result = run(
            "import websockets._speedups.utf8 as u; print(u.IMPLEMENTATION)",
            WEBSOCKETS_UTF8_IMPL=variant,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [variant]


@pytest.mark.parametrize("module", compiled_modules("utf8"))
def test_utf8_environment_variable_rejects_unknown_loop(module):
    result = run("import websockets._speedups.utf8", WEBSOCKETS_UTF8_IMPL="sse9")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "ValueError: WEBSOCKETS_UTF8_IMPL: unknown utf8 implementation 'sse9': "
        "expected 'word' or 'avx2'"
    )


@pytest.mark.parametrize("module", compiled_modules("framing"))
def test_framing_masks_with_the_loop_of_the_mask_kernel(module):
    # The framing kernel has no loop of its own: it calls the mask kernel's,
    # so WEBSOCKETS_MASK_IMPL and _set_implementation() apply to both.
    code = (
        "import sys, websockets._speedups.framing as f\n"
        "assert 'websockets._speedups.mask' in sys.modules\n"
        "import websockets._speedups.mask as m\n"
        "assert m.IMPLEMENTATION == 'word', m.IMPLEMENTATION\n"
        "data = bytes(range(256)) * 4\n"
        "for name in m._supported_implementations():\n"
        "    m._set_implementation(name)\n"
        "    wire = f.build_frame(2, data, True, 0, b'\\x01\\x02\\x03\\x04')\n"
        "    assert wire[8:] == m.apply_mask(data, b'\\x01\\x02\\x03\\x04')\n"
        "print('ok')\n"
    )
    result = run(code, WEBSOCKETS_MASK_IMPL="word")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok"]
