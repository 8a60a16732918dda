"""
Lazy, module-level imports (:pep:`562`), as websockets provides them.

Modules of websockets import some names only when a program first uses
them, and resolve deprecated names with a :exc:`DeprecationWarning`.
:func:`lazy_import` installs the ``__getattr__`` and ``__dir__`` functions
that do it in a module's namespace.

"""

from __future__ import annotations

import warnings
from typing import Any


__all__ = ["lazy_import"]


def import_name(name: str, source: str, namespace: dict[str, Any]) -> Any:
    """
    Import ``name`` from ``source`` in ``namespace``.

    ``name`` is either an object that ``source`` defines, or a submodule of
    ``source``. :func:`__import__` does both, which
    :func:`~importlib.import_module` doesn't; ``source`` may be relative to
    the package of ``namespace``, with leading dots.

    Raises:
        AttributeError: If ``source`` doesn't provide ``name``.
        ImportError: If ``source`` can't be imported.

    """
    level = 0
    while source[level] == ".":
        level += 1
        # Only modules of the package itself and its subpackages are needed.
        assert level < len(source), "importing from parent isn't supported"
    module = __import__(source[level:], namespace, None, [name], level)
    return getattr(module, name)


def lazy_import(
    namespace: dict[str, Any],
    aliases: dict[str, str] | None = None,
    deprecated_aliases: dict[str, str] | None = None,
) -> None:
    """
    Provide lazy, module-level imports.

    Typical use::

        lazy_import(
            globals(),
            aliases={
                "<name>": "<source module>",
                ...
            },
            deprecated_aliases={
                ...,
            },
        )

    This defines ``__getattr__`` and ``__dir__`` in ``namespace``, per
    :pep:`562`. Names aren't cached: each access to a deprecated alias warns.

    Raises:
        AssertionError: If a name is both an alias and a deprecated alias, or
            already defined in ``namespace``.

    """
    lazy: dict[str, str] = {} if aliases is None else dict(aliases)
    deprecated: dict[str, str] = (
        {} if deprecated_aliases is None else dict(deprecated_aliases)
    )

    # __dir__ lists what the module defined when it called lazy_import(),
    # plus every lazy name; PEP 562's __getattr__ and __dir__ themselves
    # aren't listed.
    namespace_set = set(namespace)
    assert not namespace_set & lazy.keys(), "namespace conflict"
    assert not namespace_set & deprecated.keys(), "namespace conflict"
    assert not lazy.keys() & deprecated.keys(), "namespace conflict"
    names = sorted(namespace_set | lazy.keys() | deprecated.keys())

    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        if name in lazy:
            return import_name(name, lazy[name], namespace)
        if name in deprecated:
            warnings.warn(
                f"{package}.{name} is deprecated",
                DeprecationWarning,
                # Point at the code that uses the name, not at this function.
                stacklevel=2,
            )
            return import_name(name, deprecated[name], namespace)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return list(names)

    namespace["__getattr__"] = __getattr__
    namespace["__dir__"] = __dir__
