"""
Sentinel tests: the kernels in use are the ones the test run asked for.

CI runs the suite with ``WEBSOCKETS_REQUIRE_SPEEDUPS=1`` and with
``WEBSOCKETS_NO_SPEEDUPS=1``. Without these tests, a build whose extensions
are missing or fail to load would make the "compiled" run test pure Python
and pass.

"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from tests.twins import compiled_modules
from websockets import _accel


ROOT = pathlib.Path(__file__).resolve().parent.parent

def is_extension_module(module):
    return isinstance(
        module.__loader__, importlib.machinery.ExtensionFileLoader
    ) and module.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def test_registry_covers_every_kernel():
    assert tuple(_accel.REGISTRY) == _accel.KERNELS
    assert tuple(_accel.ACTIVE) == _accel.KERNELS


@pytest.mark.parametrize("name", _accel.KERNELS)
def test_kernel_implementation_matches_environment(name):
    pure, compiled = _accel.REGISTRY[name]
    assert not is_extension_module(pure)
    if _accel.REQUIRE_SPEEDUPS:
        assert _accel.ACTIVE[name] == "compiled"
        assert compiled is not None
        assert is_extension_module(compiled), compiled.__file__
        active = compiled
    elif _accel.NO_SPEEDUPS:
        assert _accel.ACTIVE[name] == "pure"
        assert compiled is None
        active = pure
    else:
        # Neither switch: use the compiled module when it's importable.
        built = importlib.util.find_spec(f"websockets._speedups.{name}") is not None
        assert _accel.ACTIVE[name] == ("compiled" if built else "pure")
        active = pure if compiled is None else compiled
    for attr in _accel.API[name]:
        assert getattr(_accel, attr) is getattr(active, attr)


def test_speedups_module_exports_compiled_apply_mask_when_built():
    # websockets.speedups is upstream's name for the compiled apply_mask; it
    # doesn't depend on WEBSOCKETS_NO_SPEEDUPS, only on the build.
    built = importlib.util.find_spec("websockets._speedups.mask") is not None
    if _accel.REQUIRE_SPEEDUPS:
        assert built
    if built:
        from websockets._speedups import mask
        from websockets.speedups import apply_mask

        assert apply_mask is mask.apply_mask
        assert apply_mask(b"\x00\xff", b"\x01\x02\x03\x04") == b"\x01\xfd"
    else:
        with pytest.raises(ImportError):
            import websockets.speedups  # noqa: F401


def run_without_extensions(tmp_path, code, **env):
    """
    Run ``code`` against a copy of the package without compiled modules.

    """
    shutil.copytree(
        ROOT / "websockets",
        tmp_path / "websockets",
        ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"),
    )
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WEBSOCKETS_", "PYTHON"))
    }
    # -c puts the current directory first on sys.path, ahead of any
    # installed or editable websockets.
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_speedups_module_import_fails_without_extension(tmp_path):
    result = run_without_extensions(
        tmp_path,
        "import websockets, sys\n"
        f"assert websockets.__file__.startswith({str(tmp_path)!r})\n"
        "try:\n"
        "    import websockets.speedups\n"
        "except ImportError:\n"
        "    sys.exit(0)\n"
        "sys.exit('websockets.speedups imported without the extension')\n",
    )
    assert result.returncode == 0, result.stderr


def test_kernels_fall_back_to_pure_without_extension(tmp_path):
    result = run_without_extensions(
        tmp_path,
        "import websockets._accel as a\n"
        f"assert a.__file__.startswith({str(tmp_path)!r})\n"
        "assert set(a.ACTIVE.values()) == {'pure'}, a.ACTIVE\n",
    )
    assert result.returncode == 0, result.stderr


def test_require_speedups_fails_without_extension(tmp_path):
    result = run_without_extensions(
        tmp_path,
        "import websockets._accel",
        WEBSOCKETS_REQUIRE_SPEEDUPS="1",
    )
    assert result.returncode != 0
    assert "ImportError: WEBSOCKETS_REQUIRE_SPEEDUPS is set" in result.stderr


@pytest.mark.parametrize("module", compiled_modules("framing"))
def test_compiled_parser_fills_frame_slots_directly(module):
    # Otherwise the compiled parser falls back to the generic attribute
    # setter: same frames, built more slowly.
    assert module._frame_slots_found is True
