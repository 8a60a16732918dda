"""
Make ``import websockets`` resolve to websockets-speedy, even when the
released websockets is installed in the same environment.

The two distributions must not share files, or installing one overwrites the
other and uninstalling one breaks the other. So the wheel of websockets-speedy
doesn't install ``site-packages/websockets/``. It installs:

* the package in ``site-packages/_websockets_speedy/websockets/``;
* a copy of this module as ``site-packages/_websockets_speedy/__init__.py``;
* ``site-packages/websockets_speedy.pth``, which :mod:`site` reads at startup.
  Its first line adds ``site-packages/_websockets_speedy`` at the end of
  :data:`sys.path`, for tools that read ``.pth`` files without running them,
  such as type checkers; its second line imports this module and calls
  :func:`install`.

:func:`install` puts a :class:`Finder` first in :data:`sys.meta_path`. The
finder answers for the top-level name ``websockets`` only: submodules are
found through ``websockets.__path__``, which then points to our copy. Module
names, ``__name__``, pickles and type hints are the same as the release's,
since the import name is the same; only ``__file__`` differs.

Setting ``WEBSOCKETS_SPEEDY=0`` in the environment before the interpreter
starts makes ``import websockets`` resolve to the released package instead,
and fail if it isn't installed.

This module runs at every interpreter startup, before anything else is
imported: it only uses modules that the interpreter has already loaded.

The editable install used for development doesn't use this module: it makes
the source folder importable directly.

"""

from __future__ import annotations

import os
import sys


# The interpreter's own copy of the path finder is already loaded; importing
# it from importlib.machinery would load the importlib package at every
# startup, which costs more than the rest of this module.
try:
    from _frozen_importlib_external import PathFinder
except ImportError:  # pragma: no cover
    from importlib.machinery import PathFinder

# Not typing.TYPE_CHECKING: importing typing would slow down every startup.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType


__all__ = ["ENVIRONMENT_VARIABLE", "Finder", "install"]


ENVIRONMENT_VARIABLE = "WEBSOCKETS_SPEEDY"
"""Set it to ``0`` to import the released websockets instead of this project."""

PACKAGE = "websockets"


def _same_directory(entry: str, directory: str) -> bool:
    # sys.path may hold relative entries, "" for the current directory, and
    # paths that differ only by case on case-insensitive file systems.
    return os.path.normcase(os.path.abspath(entry or os.curdir)) == directory


class Finder:
    """
    Meta path finder that resolves ``websockets`` to a given directory.

    Args:
        directory: Directory holding this project's ``websockets`` package.
        released: Resolve ``websockets`` to the first copy found on
            :data:`sys.path` outside ``directory`` instead, i.e. the released
            package, and raise :exc:`ModuleNotFoundError` if there's none.

    """

    def __init__(self, directory: str, *, released: bool = False) -> None:
        self.directory = os.path.normcase(os.path.abspath(directory))
        self.released = released

    def __repr__(self) -> str:
        return f"<websockets-speedy finder: {self.directory}, released={self.released}>"

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        """
        Find the spec of ``websockets``; leave every other name to others.

        """
        if fullname != PACKAGE:
            return None
        if not self.released:
            # If our files are gone (a broken uninstall), fall back to the
            # normal search rather than fail.
            return PathFinder.find_spec(fullname, [self.directory])
        others = [
            entry
            for entry in sys.path
            if isinstance(entry, str) and not _same_directory(entry, self.directory)
        ]
        spec = PathFinder.find_spec(fullname, others)
        if spec is None:
            # Without this, the import would fall through to our copy, via
            # the sys.path entry that the .pth file adds, and a comparison
            # with the release would silently compare us with ourselves.
            raise ModuleNotFoundError(
                f"{ENVIRONMENT_VARIABLE}=0 selects the released websockets, "
                f"which isn't installed",
                name=fullname,
            )
        return spec

    def invalidate_caches(self) -> None:
        """Nothing to do: :class:`~importlib.machinery.PathFinder` caches."""


def install(directory: str | None = None) -> Finder:
    """
    Put a :class:`Finder` first in :data:`sys.meta_path`, once.

    Args:
        directory: Directory holding this project's ``websockets`` package;
            defaults to the directory of this module, which is where the
            wheel installs it.

    Returns:
        The finder in :data:`sys.meta_path`.

    """
    if directory is None:
        directory = os.path.dirname(os.path.abspath(__file__))
    released = os.environ.get(ENVIRONMENT_VARIABLE, "").strip() == "0"
    for finder in sys.meta_path:
        if isinstance(finder, Finder):
            return finder
    finder = Finder(directory, released=released)
    sys.meta_path.insert(0, finder)
    return finder
