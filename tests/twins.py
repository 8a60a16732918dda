"""
The twins of each kernel, for tests: one definition used by every kernel test
and fuzzing regression.

Each kernel (see :data:`websockets._accel.KERNELS`) has a pure-Python twin,
``websockets._pure.<name>``, and a compiled twin, ``websockets._speedups.<name>``.
Tests load the compiled twin directly, whatever ``WEBSOCKETS_NO_SPEEDUPS``
says: that switch chooses what the library *runs*, while tests must compare
the two twins whenever the compiled one is built. So, in both modes:

* the ``<kernel>_twin`` fixtures (``mask_twin``, ``utf8_twin``,
  ``framing_twin``, ``deflate_twin``) run a test once with the pure twin and once per inner loop
  of the compiled twin (``compiled-avx2``, ``compiled-word``, …) that this CPU
  supports, each checked against an oracle that neither twin shares;
* the ``<kernel>_compiled`` fixtures run a test once per inner loop of the
  compiled twin, for tests that compare it with :func:`pure`.

When the compiled twin isn't built, the tests that need it are deselected:
they're absent from the run, neither vacuous nor skipped. With
``WEBSOCKETS_REQUIRE_SPEEDUPS=1``, a missing compiled twin is a failure
instead.

The fixtures are registered by ``tests/conftest.py``.

"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from types import ModuleType

import pytest

from websockets import _accel


__all__ = [
    "KERNELS",
    "pure",
    "compiled",
    "twins",
    "variants",
    "implementation",
    "twin_params",
    "compiled_params",
    "compiled_modules",
    "mask_twin",
    "utf8_twin",
    "framing_twin",
    "deflate_twin",
    "mask_compiled",
    "utf8_compiled",
    "framing_compiled",
    "deflate_compiled",
    "pytest_collection_modifyitems",
]


KERNELS = _accel.KERNELS


def pure(name: str) -> ModuleType:
    """Return the pure-Python twin of kernel ``name``."""
    return importlib.import_module(f"websockets._pure.{name}")


def _import_compiled(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"websockets._speedups.{name}")
    except ModuleNotFoundError as exc:
        # Only "not built" counts as absent; a built module that fails to
        # import is an error.
        if exc.name != f"websockets._speedups.{name}":
            raise
        return None


_COMPILED = {name: _import_compiled(name) for name in KERNELS}


def compiled(name: str) -> ModuleType | None:
    """
    Return the compiled twin of kernel ``name``, or :obj:`None` if not built.

    It's imported directly, not through :data:`websockets._accel.REGISTRY`,
    so that it's available with ``WEBSOCKETS_NO_SPEEDUPS=1`` too.

    """
    return _COMPILED[name]


def twins(name: str) -> tuple[ModuleType, ModuleType | None]:
    """Return the pure and the compiled twin of kernel ``name``."""
    return pure(name), compiled(name)


def variants(module: ModuleType) -> list[str | None]:
    """
    Return the inner loops (SIMD variants) that a twin can switch between.

    ``[None]`` means that the twin has a single loop.

    """
    supported = getattr(module, "_supported_implementations", None)
    if supported is None:
        return [None]
    return list(supported())


@contextlib.contextmanager
def implementation(module: ModuleType, variant: str | None) -> Iterator[ModuleType]:
    """Run with ``module``'s inner loop set to ``variant``, then restore it."""
    if variant is None:
        yield module
        return
    previous = module.IMPLEMENTATION
    module._set_implementation(variant)
    try:
        yield module
    finally:
        module._set_implementation(previous)


class _Absent:
    """
    Stands for a compiled twin that isn't built.

    Tests that get it are deselected, except with
    ``WEBSOCKETS_REQUIRE_SPEEDUPS=1``: then using it fails the test.

    """

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self) -> None:
        pytest.fail(
            f"WEBSOCKETS_REQUIRE_SPEEDUPS is set but websockets._speedups."
            f"{self.name} isn't built",
            pytrace=False,
        )

    def __getattr__(self, attr: str) -> object:
        if attr.startswith("__"):
            raise AttributeError(attr)
        self.fail()
        raise AssertionError("unreachable")  # pragma: no cover


def compiled_params(name: str) -> list[object]:
    """
    Parameters for each inner loop of the compiled twin of kernel ``name``.

    When the compiled twin isn't built, the one parameter is a placeholder:
    :func:`pytest_collection_modifyitems` deselects the tests that get it
    (an empty parameter list would make pytest skip them instead), unless
    ``WEBSOCKETS_REQUIRE_SPEEDUPS`` is set: then they fail.

    """
    module = compiled(name)
    if module is None:
        return [pytest.param((_Absent(name), None), id="compiled-absent")]
    return [
        pytest.param(
            (module, variant),
            id="compiled" if variant is None else f"compiled-{variant}",
        )
        for variant in variants(module)
    ]


def compiled_modules(name: str) -> list[object]:
    """
    One parameter: the compiled twin of kernel ``name``, with its default
    inner loop, for ``@pytest.mark.parametrize``.

    Like :func:`compiled_params`, it's a placeholder when the twin isn't
    built.

    """
    module = compiled(name)
    return [pytest.param(_Absent(name) if module is None else module, id="compiled")]


def twin_params(name: str) -> list[object]:
    """Parameters for the pure twin and each loop of the compiled twin."""
    params = [pytest.param((pure(name), None), id="pure")]
    if compiled(name) is not None or _accel.REQUIRE_SPEEDUPS:
        params += compiled_params(name)
    return params


def _is_absent(param: object) -> bool:
    if isinstance(param, tuple) and param:
        param = param[0]
    return isinstance(param, _Absent)


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Deselect the tests of compiled twins that aren't built."""
    if _accel.REQUIRE_SPEEDUPS:
        return
    kept, deselected = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec is not None else ()
        (deselected if any(map(_is_absent, params)) else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def _select(param: tuple[object, str | None]) -> Iterator[ModuleType]:
    module, variant = param
    if isinstance(module, _Absent):
        module.fail()
    assert isinstance(module, ModuleType)
    with implementation(module, variant) as selected:
        yield selected


@pytest.fixture(params=twin_params("mask"))
def mask_twin(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """Each twin of the mask kernel, with each inner loop."""
    yield from _select(request.param)


@pytest.fixture(params=twin_params("utf8"))
def utf8_twin(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """Each twin of the utf8 kernel, with each inner loop."""
    yield from _select(request.param)


@pytest.fixture(params=twin_params("framing"))
def framing_twin(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """Each twin of the framing kernel."""
    yield from _select(request.param)


@pytest.fixture(params=twin_params("deflate"))
def deflate_twin(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """Each twin of the deflate kernel."""
    yield from _select(request.param)


@pytest.fixture(params=compiled_params("mask"))
def mask_compiled(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """The compiled twin of the mask kernel, with each inner loop."""
    yield from _select(request.param)


@pytest.fixture(params=compiled_params("utf8"))
def utf8_compiled(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """The compiled twin of the utf8 kernel, with each inner loop."""
    yield from _select(request.param)


@pytest.fixture(params=compiled_params("framing"))
def framing_compiled(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """The compiled twin of the framing kernel."""
    yield from _select(request.param)


@pytest.fixture(params=compiled_params("deflate"))
def deflate_compiled(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """The compiled twin of the deflate kernel."""
    yield from _select(request.param)
