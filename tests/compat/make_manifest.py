"""
Describe the modules of a ``websockets`` package; write the released one's manifest.

Run ``python -m tests.compat.make_manifest`` from the repository: it starts the
released websockets 17.4 (the environment of ``tests/upstream.py``) with
``-I``, outside the repository, on this very file, and that process writes
``tests/compat/manifest.json``. The manifest is data: which names each module
of 17.4 binds, of which kind, with which signature. It is built by
introspection only (``vars()``, ``dir()``, ``__module__``,
:func:`inspect.signature`), never from the release's source.

``tests/compat/test_module_parity.py`` runs ``--describe`` on this package,
in a process of its own too, so both sides are described by the same code
under the same conditions. That's why this module uses only the standard
library and must run under the released package's interpreter as well as
this project's.

What a module's description holds: every module-level name, public or lazily
provided through ``__getattr__`` (listed by ``dir()``), whose object is

* a class or a function defined in websockets (its ``__module__`` starts with
  ``websockets``; the compiled ``apply_mask`` of 17.4 says ``websocket``);
* a ``NewType`` defined in websockets (``Origin``, ``Subprotocol``, ...);
* a type alias, bound under a name that no other imported module provides
  (``Data``, ``HeadersLike``, ...), with its type (:class:`types.UnionType`
  or a :mod:`typing` alias) and its spelling once module prefixes are
  removed;
* an UPPER_CASE constant, unless it's the same object under the same name in
  a module outside websockets (``TYPE_CHECKING``);
* a lowercase string, number or boolean that no other module provides
  (``websockets.version.version``): compared by type only.

TypeVars (``T``, ``F``) and modules are left out: they're typing artefacts or
namespaces, not API. Bound methods of compiled regular expressions
(``is_valid_header_value``) are left out because their object doesn't come
from websockets.

"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
import os
import pathlib
import pkgutil
import re
import sys
import types
import typing
import warnings
from typing import Any


__all__ = ["EXCLUDED_MODULES", "describe_module", "list_modules", "main"]

MANIFEST = pathlib.Path(__file__).with_name("manifest.json")

#: Module name prefixes left out of the comparison, with the reason.
EXCLUDED_MODULES = {
    "websockets.trio": "websockets.trio is separate work (issue 16 excludes it)",
}

# Dunder methods that give a class its behaviour in a program (``with``,
# ``async with``, ``await``, ``for``, ``async for``, calls, mapping access).
PROTOCOL_DUNDERS = (
    "__aenter__",
    "__aexit__",
    "__aiter__",
    "__anext__",
    "__await__",
    "__call__",
    "__contains__",
    "__enter__",
    "__exit__",
    "__getitem__",
    "__iter__",
    "__len__",
    "__next__",
)

UPPER_CASE = re.compile(r"[A-Z][A-Z0-9_]*")
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def from_websockets(obj: object) -> bool:
    """Tell whether an object's ``__module__`` is part of websockets."""
    module = getattr(obj, "__module__", None)
    # The compiled apply_mask of websockets 17.4 reports "websocket.speedups".
    return isinstance(module, str) and module.startswith("websocket")


def list_modules() -> list[str]:
    """List the modules of the imported ``websockets`` package, sorted."""
    import websockets

    names = ["websockets"]
    with warnings.catch_warnings():
        # Walking imports packages such as websockets.legacy, which warn.
        warnings.simplefilter("ignore")
        infos = list(pkgutil.walk_packages(websockets.__path__, "websockets."))
    for info in infos:
        if any(info.name.startswith(prefix) for prefix in EXCLUDED_MODULES):
            continue
        # Private modules (websockets._accel, ...) aren't API.
        if any(
            part.startswith("_") and part != "__main__" for part in info.name.split(".")
        ):
            continue
        names.append(info.name)
    return sorted(names)


def normalise_default(value: Any) -> str:
    """Spell a default value so that it compares across processes."""
    return ADDRESS.sub("", repr(value))


def normalise_annotation(annotation: Any) -> str:
    """Spell an annotation so that equivalent spellings compare equal."""
    if annotation is inspect.Parameter.empty:
        return ""
    if isinstance(annotation, str):
        text = annotation
    else:
        text = inspect.formatannotation(annotation)
    text = text.replace("typing.", "").replace("collections.abc.", "")
    text = text.replace("'", "").replace('"', "")
    # "extensions.Extension", "ssl_module.SSLContext", "asyncio.Future": the
    # module a name is spelt through isn't part of the signature.
    text = re.sub(r"\b[a-z_][a-z0-9_]*\.", "", text)
    return re.sub(r"\s+", " ", text).strip()


def describe_signature(obj: Any) -> dict[str, Any] | None:
    """Describe a callable's signature, or return None when it has none."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    return {
        "text": ADDRESS.sub("", str(signature)),
        "parameters": [
            [
                parameter.name,
                parameter.kind.name,
                None
                if parameter.default is inspect.Parameter.empty
                else normalise_default(parameter.default),
                normalise_annotation(parameter.annotation),
            ]
            for parameter in signature.parameters.values()
        ],
        "returns": normalise_annotation(signature.return_annotation),
    }


def describe_value(value: Any) -> dict[str, Any]:
    """Describe a constant's type and value."""
    return {"type": type(value).__name__, "value": describe_literal(value)}


def describe_literal(value: Any) -> str:
    """Spell a value so that collections compare whatever their order."""
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(describe_literal(item) for item in value)) + "}"
    if isinstance(value, dict):
        items = sorted(
            f"{describe_literal(k)}: {describe_literal(v)}" for k, v in value.items()
        )
        return "{" + ", ".join(items) + "}"
    return normalise_default(value)


def defining_class(cls: type, name: str) -> type | None:
    """Find the class of ``cls.__mro__`` whose namespace binds ``name``."""
    for base in cls.__mro__:
        if name in vars(base):
            return base
    return None


def describe_member(cls: type, name: str) -> dict[str, Any] | None:
    """Describe one attribute of a class, if websockets defines it."""
    owner = defining_class(cls, name)
    if owner is None or not from_websockets(owner):
        return None
    raw = vars(owner)[name]
    description = describe_raw_member(cls, name, raw)
    # Where the member is defined, which names it in the allow-lists of
    # test_module_parity.py whatever subclass or module it's reached through.
    description["owner"] = qualified_name(owner)
    return description


def qualified_name(obj: Any) -> str:
    """Name an object by the module and the qualified name that define it."""
    return f"{obj.__module__}.{obj.__qualname__}"


def describe_raw_member(cls: type, name: str, raw: Any) -> dict[str, Any]:
    """Describe one attribute of a class from its raw value in a namespace."""
    if isinstance(raw, (staticmethod, classmethod)):
        kind = type(raw).__name__
        return {"kind": kind, "signature": describe_signature(getattr(cls, name))}
    if isinstance(raw, property):
        return {"kind": "property"}
    if isinstance(raw, enum.Enum):
        return {"kind": "member", **describe_value(raw)}
    if inspect.isfunction(raw) or inspect.ismethoddescriptor(raw):
        return {"kind": "method", "signature": describe_signature(raw)}
    if isinstance(raw, type):
        return {"kind": "class"}
    if inspect.isdatadescriptor(raw):
        # Slots and other descriptors: an attribute of instances.
        return {"kind": "attribute"}
    if callable(raw):
        return {"kind": "method", "signature": describe_signature(raw)}
    return {"kind": "attribute", **describe_value(raw)}


def describe_class(cls: type) -> dict[str, Any]:
    """Describe a class: bases, constructor, members."""
    description: dict[str, Any] = {
        "kind": "class",
        "name": qualified_name(cls),
        "mro": [f"{base.__module__}.{base.__qualname__}" for base in cls.__mro__[1:]],
    }
    if issubclass(cls, enum.Enum):
        # EnumType.__call__'s signature belongs to Python, not to websockets.
        description["signature"] = None
    else:
        description["signature"] = describe_signature(cls)
    members: dict[str, Any] = {}
    for name in sorted(dir(cls)):
        if name.startswith("_") and name not in PROTOCOL_DUNDERS:
            continue
        member = describe_member(cls, name)
        if member is not None:
            members[name] = member
    # Attributes of instances declared in the class body, without a value.
    for base in reversed(cls.__mro__):
        if not from_websockets(base):
            continue
        for name in vars(base).get("__annotations__", {}):
            if not name.startswith("_") and name not in members:
                members[name] = {"kind": "attribute", "owner": qualified_name(base)}
    description["members"] = dict(sorted(members.items()))
    return description


def provided_elsewhere(name: str, value: Any) -> bool:
    """Tell whether a module outside websockets provides this object by this name."""
    missing = object()
    for module_name, module in list(sys.modules.items()):
        if module is None or module_name.startswith("websocket"):
            continue
        try:
            if vars(module).get(name, missing) is value:
                return True
        except TypeError:  # pragma: no cover - modules without __dict__
            continue
    return False


def is_alias(value: Any) -> bool:
    """Tell whether a value is a type alias (``str | bytes``, ``tuple[str, str]``)."""
    alias_types: tuple[type, ...] = (types.UnionType, types.GenericAlias)
    generic_alias = getattr(typing, "_GenericAlias", None)
    if isinstance(generic_alias, type):
        alias_types += (generic_alias,)
    return isinstance(value, alias_types)


def describe_alias(value: Any) -> str:
    """Spell a type alias so that it compares across Python versions."""
    text = normalise_annotation(repr(value))
    # logging.LoggerAdapter is generic since Python 3.11 only.
    return text.replace("LoggerAdapter[Any]", "LoggerAdapter")


def describe_name(name: str, value: Any) -> dict[str, Any] | None:
    """Describe one module-level name, or return None when it isn't API."""
    if isinstance(value, (types.ModuleType, typing.TypeVar)):
        return None
    # Before the check for classes: until Python 3.11, tuple[str, str] is an
    # instance of type.
    if is_alias(value):
        if provided_elsewhere(name, value):
            return None
        return {
            "kind": "alias",
            "type": type(value).__name__,
            "value": describe_alias(value),
        }
    if isinstance(value, type):
        if not from_websockets(value):
            return None
        return describe_class(value)
    if isinstance(value, typing.NewType):
        if not from_websockets(value):
            return None
        return {"kind": "newtype"}
    if callable(value) and from_websockets(value) and not isinstance(value, enum.Enum):
        name_of = getattr(value, "__qualname__", getattr(value, "__name__", name))
        return {
            "kind": "function",
            "name": f"{value.__module__}.{name_of}",
            "signature": describe_signature(value),
        }
    if UPPER_CASE.fullmatch(name):
        if provided_elsewhere(name, value) or callable(value):
            return None
        return {"kind": "constant", **describe_value(value)}
    if isinstance(value, (str, int, float, bool)) and not provided_elsewhere(
        name, value
    ):
        # websockets.version.version and the like: compared by type only,
        # because a commit hash or a Python version may be part of the value.
        return {"kind": "variable", "type": type(value).__name__}
    return None


def describe_module(module_name: str) -> dict[str, Any]:
    """Describe the API names of an imported module."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = importlib.import_module(module_name)
    names: dict[str, Any] = {}
    for name in sorted(set(dir(module)) | set(vars(module))):
        if name.startswith("_"):
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                value = getattr(module, name)
            except AttributeError:
                continue
        description = describe_name(name, value)
        if description is None:
            continue
        # Names that a module provides lazily, with a DeprecationWarning.
        description["deprecated"] = any(
            issubclass(warning.category, DeprecationWarning) for warning in caught
        )
        names[name] = description
    return names


def describe_package(module_names: list[str] | None = None) -> dict[str, Any]:
    """
    Describe modules of the imported ``websockets`` package.

    By default, every module; otherwise the named ones, with an ``error``
    entry instead of names for a module that can't be imported.

    """
    import websockets

    modules: dict[str, Any] = {}
    for name in list_modules() if module_names is None else module_names:
        try:
            modules[name] = describe_module(name)
        except ImportError as exc:
            modules[name] = {"error": f"cannot import: {exc}"}
    return {
        "websockets_version": websockets.version.version,
        "python": ".".join(map(str, sys.version_info[:2])),
        "excluded_modules": EXCLUDED_MODULES,
        "modules": modules,
    }


def main(argv: list[str] | None = None) -> None:
    """Write the manifest of the released package.

    With ``--describe [MODULE ...]``, describe the ``websockets`` package
    that this interpreter imports on standard output; that's what the
    released interpreter runs, and what the parity test runs for this
    package, in a fresh process: which names other modules provide depends
    on what's imported. Without it, start the released interpreter on this file
    and write its output to ``manifest.json``.

    """
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--describe"]:
        module_names = argv[1:] or None
        json.dump(describe_package(module_names), sys.stdout, indent=1, sort_keys=True)
        return

    from tests.upstream import ensure

    upstream = ensure()
    result = upstream.run(
        os.path.abspath(__file__),
        "--describe",
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    manifest = json.loads(result.stdout)
    # The released package must be the one described, not this project.
    assert manifest["websockets_version"] == "17.4", manifest["websockets_version"]
    MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    count = sum(len(names) for names in manifest["modules"].values())
    print(f"{MANIFEST}: {len(manifest['modules'])} modules, {count} names")


if __name__ == "__main__":
    main()
