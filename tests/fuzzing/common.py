"""
Helpers shared by the fuzz targets.

A fuzz target is a function that takes one ``bytes`` input and raises an
exception when it finds a bug: a crash, an undocumented exception, or a
divergence between two implementations that must agree. The targets don't
depend on atheris: :class:`Input` plays the role of atheris'
``FuzzedDataProvider``, so the pytest smoke run and the atheris campaigns
execute exactly the same code.

"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any
from unittest import mock

from websockets import _accel

# The twins are defined once for every test, fuzz targets included.
from ..twins import implementation, twins


__all__ = [
    "Divergence",
    "Input",
    "encode_input",
    "uint",
    "outcome",
    "split",
    "twins",
    "implementation",
    "kernels",
    "deterministic_token_bytes",
    "all_implementations",
]


class Divergence(AssertionError):
    """Two implementations that must agree gave different results."""


def check_same(what: str, expected: object, actual: object) -> None:
    """
    Raise :exc:`Divergence` if ``expected != actual``.

    """
    if expected != actual:
        raise Divergence(f"{what}:\n  expected: {expected!r}\n  actual:   {actual!r}")


class Input:
    """
    Consume a fuzz input: parameters from its end, a stream from its start.

    Reading parameters from the end, as libFuzzer's ``FuzzedDataProvider``
    does for integers, keeps the stream contiguous at the start of the
    input, so that seed files look like what they test. When the input runs
    out, parameters read as zero.

    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.end = len(data)

    def byte(self) -> int:
        """Consume one byte from the end; 0 when the input is exhausted."""
        if self.end == 0:
            return 0
        self.end -= 1
        return self.data[self.end]

    def uint(self, size: int) -> int:
        """Consume a big-endian unsigned integer of ``size`` bytes."""
        value = 0
        for _ in range(size):
            value = (value << 8) | self.byte()
        return value

    def flag(self) -> bool:
        """Consume one byte and return its low bit."""
        return bool(self.byte() & 1)

    def pick(self, choices: list[Any] | tuple[Any, ...]) -> Any:
        """Consume one byte and use it to pick an element of ``choices``."""
        return choices[self.byte() % len(choices)]

    def take(self, size: int) -> bytes:
        """Consume up to ``size`` bytes from the end, in input order."""
        size = min(size, self.end)
        self.end -= size
        return self.data[self.end : self.end + size]

    def rest(self) -> bytes:
        """Return what's left: the stream at the start of the input."""
        data = self.data[: self.end]
        self.end = 0
        return data


def encode_input(stream: bytes, *params: int | bytes) -> bytes:
    """
    Build an input that :class:`Input` decodes into ``stream`` and ``params``.

    Parameters are listed in the order the target consumes them: an
    :class:`int` for :meth:`Input.byte`, :meth:`Input.flag` and
    :meth:`Input.pick`, a :class:`bytes` for :meth:`Input.take`, and
    :func:`uint` for :meth:`Input.uint`. This is how seed files are written.

    """
    tail = b"".join(
        bytes([param]) if isinstance(param, int) else param
        for param in reversed(params)
    )
    return stream + tail


def uint(value: int, size: int) -> bytes:
    """Encode ``value`` for :meth:`Input.uint` in :func:`encode_input`."""
    # uint() reads the last byte first, as the most significant one.
    return value.to_bytes(size, "little")


def split(data: bytes, seed: int, *, max_chunk: int = 64) -> list[bytes]:
    """
    Cut ``data`` in chunks at pseudo-random points derived from ``seed``.

    ``seed == 0`` means a single chunk. Chunks may be empty: receiving zero
    bytes is a legitimate call that must not change anything.

    """
    if seed == 0 or not data:
        return [data]
    rng = random.Random(seed)
    chunks = []
    pos = 0
    while pos < len(data):
        size = rng.randint(0, max_chunk)
        chunks.append(data[pos : pos + size])
        pos += size
    return chunks


def outcome(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, ...]:
    """
    Call ``function`` and describe the result so it can be compared.

    Returns:
        ``("ok", result)`` or ``("raise", exception type name, message)``.

    """
    try:
        result = function(*args, **kwargs)
    except Exception as exc:
        return ("raise", type(exc).__name__, str(exc))
    return ("ok", result)


def all_implementations(module: ModuleType) -> list[str]:
    """
    Return the names of the inner loops that a compiled kernel can switch
    between (SIMD variants), or ``[]`` for a pure module.

    """
    supported = getattr(module, "_supported_implementations", None)
    return list(supported()) if supported is not None else []


@contextlib.contextmanager
def kernels(mode: str) -> Iterator[None]:
    """
    Make the Sans-I/O protocol use the ``"pure"`` or ``"compiled"`` kernels.

    :mod:`websockets.protocol` looks kernels up on :mod:`websockets._accel`
    at call time, so swapping the module's attributes switches every
    protocol created within the block.

    """
    with contextlib.ExitStack() as stack:
        for kernel, attributes in _accel.API.items():
            pure, compiled = twins(kernel)
            module = pure if mode == "pure" else compiled
            if module is None:
                raise LookupError(f"no {mode} twin for kernel {kernel}")
            for attribute in attributes:
                stack.enter_context(
                    mock.patch.object(_accel, attribute, getattr(module, attribute))
                )
        yield


def deterministic_token_bytes(nbytes: int | None = None) -> bytes:
    """
    Stand-in for :func:`secrets.token_bytes` that makes masks reproducible.

    The bytes aren't zero, so that masking isn't a no-op.

    """
    size = 32 if nbytes is None else nbytes
    return bytes((i * 37 + 11) & 0xFF for i in range(size))
