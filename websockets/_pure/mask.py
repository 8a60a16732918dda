"""
Pure-Python reference implementation of WebSocket masking.

:rfc:`6455#section-5.3` masks each payload byte ``i`` by XOR-ing it with
byte ``i % 4`` of a 4-byte masking key. Masking and unmasking are the same
operation.

The compiled twin, ``websockets._speedups.mask``, must behave exactly like
this module: same results, same exception types and messages. Both follow
the C function :func:`websockets.speedups.apply_mask` of websockets 17.4,
which accepts only :class:`bytes`, :class:`bytearray` and :class:`memoryview`
(of any shape, contiguous or not) for both arguments. websockets' own
pure-Python :func:`~websockets.utils.apply_mask` is looser (it accepts lists
of ints, rejects memoryview masks) and raises different messages; where the
two disagree, we follow the C function, since that's what users run.

"""

from __future__ import annotations

import operator
import sys

from ..typing import BytesLike


__all__ = ["IMPLEMENTATION", "apply_mask", "apply_mask_inplace"]


IMPLEMENTATION = "python"
"""Name of the masking loop: always ``"python"`` in this module."""


# Type flags from CPython's object.h, used only to name types in errors.
_TPFLAGS_IMMUTABLETYPE = 1 << 8
_TPFLAGS_HEAPTYPE = 1 << 9


def _type_name(obj: object) -> str:
    """
    Return the name that C code gets from ``Py_TYPE(obj)->tp_name``.

    The compiled twin names types the way CPython's C API does, e.g.
    ``array.array`` rather than ``array``. Python code cannot read
    ``tp_name``, so we rebuild it: classes created by a ``class`` statement
    are mutable heap types whose ``tp_name`` is their ``__name__``; static
    and immutable extension types carry their module in ``tp_name``, except
    builtins.

    """
    cls = type(obj)
    if cls.__flags__ & _TPFLAGS_HEAPTYPE and not (
        cls.__flags__ & _TPFLAGS_IMMUTABLETYPE
    ):
        return cls.__name__
    if cls.__module__ == "builtins":
        return cls.__name__
    return f"{cls.__module__}.{cls.__name__}"


def _as_bytes(obj: object) -> bytes | bytearray:
    """
    Return the bytes of a bytes-like object, in C order.

    Raises:
        TypeError: If ``obj`` isn't a :class:`bytes`, :class:`bytearray` or
            :class:`memoryview`.
        ValueError: If ``obj`` is a released :class:`memoryview`.

    """
    if isinstance(obj, (bytes, bytearray)):
        return obj
    if isinstance(obj, memoryview):
        # tobytes() flattens any shape and stride pattern and raises
        # ValueError for a released view, like the C function.
        return obj.tobytes()
    raise TypeError(f"expected a bytes-like object, {_type_name(obj)} found")


# Looking int.from_bytes up once saves half of its cost on small payloads.
_from_bytes = int.from_bytes

_REPUNITS: dict[int, int] = {}
"""Cache of ``_repunit(words)`` for recent payload sizes."""

_REPUNITS_MAX_WORDS = 65536
"""Largest repunit kept in the cache, in 4-byte words (256 KiB)."""


def _repunit(words: int) -> int:
    """Return the integer whose ``words`` little-endian 32-bit words are 1."""
    rep = _REPUNITS.get(words)
    if rep is None:
        rep = _from_bytes(b"\x01\x00\x00\x00" * words, "little")
        if words <= _REPUNITS_MAX_WORDS:
            if len(_REPUNITS) >= 32:
                _REPUNITS.clear()
            _REPUNITS[words] = rep
    return rep


def xor_mask(data: BytesLike, key: bytes | bytearray) -> bytes:
    """
    Return ``data`` masked with the 4-byte ``key``: byte ``i`` is XOR-ed with
    byte ``i % 4`` of the key (:rfc:`6455#section-5.3`).

    This is the XOR routine of the pure-Python kernels; the framing kernel
    calls it too. ``data`` must be contiguous.

    XOR-ing two big integers is the fastest way to do this in pure Python. The
    repeated key is the key times a repunit in base 2**32: the product has no
    carries, and multiplying by a small integer is quicker than building the
    repeated key as bytes and converting it.

    """
    length = len(data)
    words = (length + 3) >> 2
    rep = _REPUNITS.get(words)
    if rep is None:
        rep = _repunit(words)
    value = _from_bytes(data, "little") ^ (_from_bytes(key, "little") * rep)
    if length & 3:
        # The last word of the key sticks out past the payload.
        return value.to_bytes(words << 2, "little")[:length]
    return value.to_bytes(length, "little")


def apply_mask(data: BytesLike, mask: BytesLike) -> bytes:
    """
    Apply masking to the data of a WebSocket message.

    Args:
        data: Data to mask.
        mask: 4-bytes mask.

    Returns:
        The masked data, as a new :class:`bytes` object.

    Raises:
        TypeError: If ``data`` or ``mask`` isn't a :class:`bytes`,
            :class:`bytearray` or :class:`memoryview`.
        ValueError: If ``mask`` isn't 4 bytes long.

    """
    data = _as_bytes(data)
    mask = _as_bytes(mask)
    if len(mask) != 4:
        raise ValueError("mask must contain 4 bytes")
    return xor_mask(data, mask)


def apply_mask_inplace(
    buffer: bytearray | memoryview, mask: BytesLike, offset: int = 0
) -> None:
    """
    Apply masking to a writable buffer, in place.

    This is meant for buffers that the caller owns, such as a frame parser's
    receive buffer, where allocating a new :class:`bytes` object for every
    payload would be wasteful.

    Args:
        buffer: :class:`bytearray` or writable, C-contiguous
            :class:`memoryview` to mask; a multi-byte format is masked as
            raw bytes.
        mask: 4-bytes mask.
        offset: Position of ``buffer[0]`` in the payload, for unmasking a
            payload in several pieces; only ``offset % 4`` matters.

    Raises:
        TypeError: If ``buffer`` isn't a :class:`bytearray` or a writable
            :class:`memoryview`, if ``mask`` isn't bytes-like, or if
            ``offset`` isn't an integer.
        ValueError: If ``buffer`` isn't C-contiguous or if ``mask`` isn't
            4 bytes long.
        OverflowError: If ``offset`` doesn't fit in a C ``ssize_t``.

    """
    # The compiled twin converts offset to a C ssize_t while parsing its
    # arguments, so it rejects a bad offset before looking at the others.
    offset = operator.index(offset)
    if not -sys.maxsize - 1 <= offset <= sys.maxsize:
        raise OverflowError("Python int too large to convert to C ssize_t")

    view: bytearray | memoryview
    if isinstance(buffer, bytearray):
        view = buffer
    elif isinstance(buffer, memoryview):
        if buffer.readonly:
            raise TypeError(
                "expected a bytearray or a writable memoryview, "
                "read-only memoryview found"
            )
        if not buffer.c_contiguous:
            raise ValueError("memoryview must be C-contiguous")
        # Mask the raw bytes, whatever the format and shape of the view.
        view = buffer.cast("B") if buffer.ndim != 1 or buffer.format != "B" else buffer
    else:
        raise TypeError(
            f"expected a bytearray or a writable memoryview, {_type_name(buffer)} found"
        )

    mask = _as_bytes(mask)
    if len(mask) != 4:
        raise ValueError("mask must contain 4 bytes")

    # Starting ``phase`` bytes into the payload is starting with the key
    # rotated by as many bytes.
    phase = offset & 3
    view[:] = xor_mask(view, mask[phase:] + mask[:phase])
