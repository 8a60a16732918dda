"""
Build script: it only declares the compiled kernels. The project metadata is
static, in pyproject.toml.

The Cython sources live in the top-level ``_speedups/`` directory and compile
to ``websockets._speedups.<name>``. ``BUILD_EXTENSION`` chooses what happens
to them:

* unset: try to compile them; if that fails (no compiler, no Cython and no
  generated C), warn and install the pure-Python package;
* ``yes``: compile them, and fail the build if that fails;
* ``no``: don't compile them; the wheel is pure Python.

The sdist ships the C files that Cython generates from the ``.pyx`` sources,
so installing from it needs a C compiler but not Cython. The ``sdist``
command below produces them; they aren't committed.

Wheels don't install ``site-packages/websockets/``, which belongs to the
released websockets: the ``install_lib`` command below relocates the package
to ``site-packages/_websockets_speedy/websockets/`` and adds the startup hook
that makes ``import websockets`` resolve to it (see
``websockets/_precedence.py``). The editable install doesn't run that
command: it imports the source folder as it is.

"""

from __future__ import annotations

import os
import pathlib
import sys
import warnings
from typing import Any

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext as _build_ext
from setuptools.command.install_lib import install_lib as _install_lib
from setuptools.command.sdist import sdist as _sdist
from setuptools.errors import SetupError


# Setuptools runs this file with the project root as the current directory,
# and wants source paths relative to it.
SOURCE_DIR = "_speedups"
ROOT = pathlib.Path(__file__).resolve().parent

# Where wheels install the package, relative to site-packages, and the .pth
# file that installs the startup hook. The first line of the .pth file is a
# path, for type checkers; the second one runs at startup.
HOOK_PACKAGE = "_websockets_speedy"
HOOK_SOURCE = ("websockets", "_precedence.py")
PTH_FILE = "websockets_speedy.pth"
PTH_CONTENT = f"{HOOK_PACKAGE}\nimport {HOOK_PACKAGE}; {HOOK_PACKAGE}.install()\n"

BUILD_EXTENSION = os.environ.get("BUILD_EXTENSION", "").strip().lower()
if BUILD_EXTENSION not in ("", "yes", "no"):
    sys.exit(f"BUILD_EXTENSION must be 'yes', 'no' or unset, not {BUILD_EXTENSION!r}")

COMPILER_DIRECTIVES: dict[str, Any] = {
    "language_level": "3",
    # The kernels check lengths and offsets explicitly before they touch
    # memory, so Cython's per-access checks only cost time in hot loops.
    "boundscheck": False,
    "wraparound": False,
    "initializedcheck": False,
    "nonecheck": False,
    # C division: no ZeroDivisionError checks and no Python sign semantics.
    "cdivision": True,
    # Keep signatures visible to inspect.signature() and help().
    "embedsignature": True,
}

EXTRA_COMPILE_ARGS = [] if sys.platform == "win32" else ["-O3"]

# C libraries that a kernel links against. The deflate kernel calls zlib's C
# API: it needs zlib's headers (zlib1g-dev on Debian, zlib-devel on manylinux)
# to build; without them, that kernel alone falls back to pure Python.
LIBRARIES: dict[str, list[str]] = {
    "deflate": ["zlib" if sys.platform == "win32" else "z"],
}


def kernel_names() -> list[str]:
    """
    Return the names of the kernels, one per ``_speedups/<name>.pyx``.

    """
    return sorted(path.stem for path in (ROOT / SOURCE_DIR).glob("*.pyx"))


def extensions() -> list[Extension]:
    """
    Declare one extension per kernel, from its ``.pyx`` source.

    When Cython isn't installed, setuptools replaces ``.pyx`` sources with the
    ``.c`` files next to them, which is what the sdist provides.

    """
    if BUILD_EXTENSION == "no":
        return []
    return [
        Extension(
            f"websockets._speedups.{name}",
            [f"{SOURCE_DIR}/{name}.pyx"],
            include_dirs=[SOURCE_DIR],
            extra_compile_args=EXTRA_COMPILE_ARGS,
            libraries=LIBRARIES.get(name, []),
        )
        for name in kernel_names()
    ]


def cythonize(modules: list[Extension], *, force: bool = False) -> None:
    """
    Generate C from the ``.pyx`` sources of ``modules`` and compile that C.

    Shared inline helpers are ``.pxd`` files in ``_speedups/``: since that
    directory isn't a package, Cython finds them through ``include_path``.

    Raises:
        SetupError: If a source is missing and Cython can't generate it.

    """
    try:
        from Cython.Build import cythonize as _cythonize
    except ImportError:
        # Setuptools already swapped .pyx for .c; they must exist.
        for ext in modules:
            for source in ext.sources:
                if not (ROOT / source).exists():
                    raise SetupError(
                        f"{source} is missing: install Cython to generate it "
                        f"from the .pyx source, or install from the sdist"
                    ) from None
        return
    cythonized = _cythonize(
        modules,
        compiler_directives=COMPILER_DIRECTIVES,
        include_path=[SOURCE_DIR],
        force=force,
        quiet=True,
    )
    # Update the extensions rather than replace them: build_ext has already
    # attached its own attributes to them.
    sources = {ext.name: ext.sources for ext in cythonized}
    for ext in modules:
        ext.sources = sources[ext.name]


class build_ext(_build_ext):
    """
    Compile the kernels, making them optional unless ``BUILD_EXTENSION=yes``.

    """

    def run(self) -> None:
        try:
            cythonize(self.extensions)
            super().run()
        except Exception as exc:
            self.fail_or_warn("the compiled kernels", exc)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            self.fail_or_warn(ext.name, exc)

    def fail_or_warn(self, what: str, exc: Exception) -> None:
        if BUILD_EXTENSION == "yes":
            raise exc
        message = (
            f"cannot build {what} ({type(exc).__name__}: {exc}); "
            f"websockets will use its pure-Python implementation. "
            f"Set BUILD_EXTENSION=yes to make this an error."
        )
        warnings.warn(message, stacklevel=1)
        print(f"WARNING: {message}", file=sys.stderr)


class sdist(_sdist):
    """
    Generate the C sources before collecting files, so the sdist ships them.

    """

    def run(self) -> None:
        names = kernel_names()
        modules = [
            Extension(f"websockets._speedups.{name}", [f"{SOURCE_DIR}/{name}.pyx"])
            for name in names
        ]
        # Regenerate unconditionally: a stale .c from another Cython version
        # or from an older .pyx must not end up in the sdist.
        cythonize(modules, force=True)
        missing = [name for name in names if not (ROOT / SOURCE_DIR / f"{name}.c").exists()]
        if missing:
            raise SetupError(f"no generated C for {', '.join(missing)}")
        super().run()


class install_lib(_install_lib):
    """
    Install the package under ``_websockets_speedy/``, plus the startup hook.

    ``bdist_wheel``, hence ``python -m build``, ``pip install .`` and
    cibuildwheel, runs this command; ``pip install -e .`` doesn't.

    """

    def install(self) -> list[str]:
        build_dir = pathlib.Path(self.build_dir)
        install_dir = pathlib.Path(self.install_dir)
        outfiles: list[str] = self.copy_tree(
            str(build_dir), str(install_dir / HOOK_PACKAGE)
        )
        hook = install_dir / HOOK_PACKAGE / "__init__.py"
        self.copy_file(str(build_dir.joinpath(*HOOK_SOURCE)), str(hook))
        pth = install_dir / PTH_FILE
        if not self.dry_run:
            pth.write_text(PTH_CONTENT, encoding="utf-8")
        return [*outfiles, str(hook), str(pth)]

    def get_outputs(self) -> list[str]:
        install_dir = pathlib.Path(self.install_dir)
        outputs = [
            str(install_dir / HOOK_PACKAGE / pathlib.Path(path).relative_to(install_dir))
            for path in super().get_outputs()
        ]
        hook = install_dir / HOOK_PACKAGE / "__init__.py"
        return [*outputs, str(hook), str(install_dir / PTH_FILE)]


setup(
    ext_modules=extensions(),
    cmdclass={"build_ext": build_ext, "install_lib": install_lib, "sdist": sdist},
)
