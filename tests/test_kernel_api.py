"""
Each kernel's API is declared once, in :data:`websockets._accel.API`, and the
pure twin, the compiled twin and the ``.pyi`` stub agree on names and
signatures.

The lint step also runs ``mypy.stubtest``, which checks the stubs against
the compiled twins more deeply (the command is in
``_speedups/stubtest-allowlist.txt``); these tests don't need mypy and bring
the pure twin in.

"""

from __future__ import annotations

import ast
import inspect
import pathlib

import pytest

from tests.twins import compiled_modules, twins
from websockets import _accel


ROOT = pathlib.Path(__file__).resolve().parent.parent
STUBS = ROOT / "websockets" / "_speedups"


def stub_tree(name):
    return ast.parse((STUBS / f"{name}.pyi").read_text())


def stub_all(tree):
    for node in tree.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["__all__"]:
            return [element.value for element in node.value.elts]
    raise AssertionError("no __all__ in stub")


def ast_signature(function):
    """Parameters of a function definition: (name, kind, has a default)."""
    arguments = function.args
    positional = arguments.posonlyargs + arguments.args
    first_default = len(positional) - len(arguments.defaults)
    parameters = [
        (
            arg.arg,
            "POSITIONAL_ONLY"
            if arg in arguments.posonlyargs
            else "POSITIONAL_OR_KEYWORD",
            index >= first_default,
        )
        for index, arg in enumerate(positional)
    ]
    if arguments.vararg:
        parameters.append((arguments.vararg.arg, "VAR_POSITIONAL", False))
    parameters += [
        (arg.arg, "KEYWORD_ONLY", default is not None)
        for arg, default in zip(
            arguments.kwonlyargs, arguments.kw_defaults, strict=True
        )
    ]
    if arguments.kwarg:
        parameters.append((arguments.kwarg.arg, "VAR_KEYWORD", False))
    return parameters


def runtime_signature(function):
    return [
        (parameter.name, parameter.kind.name, parameter.default is not parameter.empty)
        for parameter in inspect.signature(function).parameters.values()
    ]


def stub_members(tree):
    """Functions, classes with their methods and properties, and constants."""
    functions, classes, constants = {}, {}, set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            functions[node.name] = ast_signature(node)
        elif isinstance(node, ast.ClassDef):
            methods = {}
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    decorators = {ast.unparse(d) for d in item.decorator_list}
                    if "property" in decorators:
                        methods[item.name] = "property"
                    elif not any(d.endswith(".setter") for d in decorators):
                        methods[item.name] = ast_signature(item)
            classes[node.name] = methods
        elif isinstance(node, ast.AnnAssign):
            constants.add(node.target.id)
    return functions, classes, constants


def runtime_methods(cls, *, with_init):
    methods = {}
    for name, value in vars(cls).items():
        if name.startswith("_") and not (with_init and name == "__init__"):
            continue
        if isinstance(value, property) or type(value).__name__ == "getset_descriptor":
            methods[name] = "property"
        elif callable(value):
            methods[name] = runtime_signature(value)
    return methods


@pytest.mark.parametrize("kernel", _accel.KERNELS)
def test_accel_reexports_the_declared_api_of_the_active_twin(kernel):
    pure, compiled = _accel.REGISTRY[kernel]
    active = pure if compiled is None else compiled
    for name in _accel.API[kernel]:
        assert name in _accel.__all__
        assert getattr(_accel, name) is getattr(active, name)
        assert name in pure.__all__


def test_accel_type_checking_imports_match_the_declared_api():
    # mypy needs static imports: they are the one repetition of API, so
    # check them against it.
    tree = ast.parse((ROOT / "websockets" / "_accel.py").read_text())
    (block,) = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    ]
    imported = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        kernel = node.module.removeprefix("_pure.")
        imported[kernel] = {alias.name for alias in node.names}
        assert all(alias.asname == alias.name for alias in node.names)
    assert imported == {kernel: set(names) for kernel, names in _accel.API.items()}


@pytest.mark.parametrize("kernel", _accel.KERNELS)
def test_pure_twin_matches_stub(kernel):
    pure, _ = twins(kernel)
    tree = stub_tree(kernel)
    assert set(pure.__all__) == set(stub_all(tree))
    functions, classes, constants = stub_members(tree)
    for name in pure.__all__:
        value = getattr(pure, name)
        if inspect.isclass(value):
            assert runtime_methods(value, with_init=True) == classes[name], name
        elif callable(value):
            assert runtime_signature(value) == functions[name], name
        else:
            assert name in constants


COMPILED_KERNELS = [
    pytest.param(kernel, param.values[0], id=kernel)
    for kernel in _accel.KERNELS
    for param in compiled_modules(kernel)
]


@pytest.mark.parametrize("kernel, compiled", COMPILED_KERNELS)
def test_compiled_twin_matches_stub_and_pure_twin(kernel, compiled):
    pure, _ = twins(kernel)
    tree = stub_tree(kernel)
    assert set(compiled.__all__) == set(stub_all(tree)) == set(pure.__all__)
    functions, classes, constants = stub_members(tree)
    for name in compiled.__all__:
        value = getattr(compiled, name)
        if inspect.isclass(value):
            # inspect can't see the __init__ of a compiled class: the stub's
            # is compared with the pure twin's above.
            expected = runtime_methods(getattr(pure, name), with_init=False)
            assert runtime_methods(value, with_init=False) == expected, name
            del classes[name]["__init__"]
            assert runtime_methods(value, with_init=False) == classes[name], name
        elif callable(value):
            assert runtime_signature(value) == functions[name], name
            assert runtime_signature(value) == runtime_signature(getattr(pure, name))
        else:
            assert name in constants
            assert type(value) is type(getattr(pure, name))
    # Private helpers for tests and benchmarks, such as _set_implementation.
    for name, signature in functions.items():
        assert runtime_signature(getattr(compiled, name)) == signature, name
