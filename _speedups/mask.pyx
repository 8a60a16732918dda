# cython: language_level=3
"""
Compiled WebSocket masking (RFC 6455, section 5.3).

Twin of :mod:`websockets._pure.mask`: same functions, same results, same
exception types and messages. The XOR loops live in ``_xor_impl.h``; this
module only validates arguments and finds the memory to work on.

``IMPLEMENTATION`` names the loop in use: ``"avx2"``, ``"sse2"`` or
``"word"``. It's the fastest one that the CPU supports, unless the
``WEBSOCKETS_MASK_IMPL`` environment variable names another one; see
:func:`websockets._speedups.select_implementation`. The framing kernel masks
with the same loop, which it finds through the ``_XOR_DISPATCH`` capsule.

For tests and benchmarks, ``_supported_implementations()`` lists the loops
that this CPU can run and ``_set_implementation(name)`` switches to one of
them. They're private: the choice only affects speed, never results.

"""

from cpython.buffer cimport (
    PyBUF_FULL_RO,
    PyBUF_SIMPLE,
    PyBUF_WRITABLE,
    PyBuffer_IsContiguous,
    PyBuffer_Release,
    PyObject_GetBuffer,
)
from cpython.bytearray cimport (
    PyByteArray_AS_STRING,
    PyByteArray_Check,
    PyByteArray_CheckExact,
    PyByteArray_GET_SIZE,
)
from cpython.bytes cimport (
    PyBytes_AS_STRING,
    PyBytes_Check,
    PyBytes_CheckExact,
    PyBytes_FromStringAndSize,
    PyBytes_GET_SIZE,
)
from cpython.exc cimport PyErr_Format
from cpython.memoryview cimport PyMemoryView_Check
from cpython.object cimport Py_TYPE
from cpython.pycapsule cimport PyCapsule_New

from _xor cimport (
    WS_XOR_COUNT,
    ws_xor_dispatch,
    ws_xor_lookup,
    ws_xor_mask,
    ws_xor_name,
    ws_xor_select,
    ws_xor_supported,
)

from websockets._speedups import select_implementation


__all__ = ["IMPLEMENTATION", "apply_mask", "apply_mask_inplace"]


cdef int _get_bytes(object obj, Py_buffer* view) except -1:
    """
    Fill ``view`` with the bytes of ``obj`` in C order; release it after use.

    Non-contiguous memoryviews are copied with ``tobytes()``; the copy stays
    alive as ``view.obj``. Released memoryviews raise ValueError, from
    ``tobytes()`` or from ``PyObject_GetBuffer()``.

    """
    if PyBytes_Check(obj) or PyByteArray_Check(obj):
        pass
    elif PyMemoryView_Check(obj):
        # Ask the memoryview rather than PyBuffer_IsContiguous(), which calls
        # every empty buffer contiguous, even a strided view that refuses to
        # export a simple buffer.
        if not obj.c_contiguous:
            obj = obj.tobytes()
    else:
        PyErr_Format(
            TypeError,
            "expected a bytes-like object, %s found",
            Py_TYPE(obj).tp_name,
        )
    # PyBUF_SIMPLE flattens a contiguous view of any format and shape into
    # its raw bytes, like the C function of websockets does.
    return PyObject_GetBuffer(obj, view, PyBUF_SIMPLE)


cdef object _apply_mask_buffers(object data, object mask):
    """Slow path of apply_mask(): anything but two exact bytes objects."""
    cdef Py_buffer data_view
    cdef Py_buffer mask_view
    cdef bytes result
    _get_bytes(data, &data_view)
    try:
        _get_bytes(mask, &mask_view)
        try:
            if mask_view.len != 4:
                raise ValueError("mask must contain 4 bytes")
            result = PyBytes_FromStringAndSize(NULL, data_view.len)
            ws_xor_mask(
                <unsigned char*>PyBytes_AS_STRING(result),
                <const unsigned char*>data_view.buf,
                data_view.len,
                <const unsigned char*>mask_view.buf,
                0,
            )
            return result
        finally:
            PyBuffer_Release(&mask_view)
    finally:
        PyBuffer_Release(&data_view)


def apply_mask(data, mask):
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
    cdef Py_ssize_t length
    cdef bytes result
    # Fast path for the common case: no buffer protocol, no temporaries.
    # The result is allocated uninitialized and filled by the XOR loop, so
    # the payload is read once and written once.
    if PyBytes_CheckExact(data) and PyBytes_CheckExact(mask):
        if PyBytes_GET_SIZE(mask) != 4:
            raise ValueError("mask must contain 4 bytes")
        length = PyBytes_GET_SIZE(data)
        result = PyBytes_FromStringAndSize(NULL, length)
        ws_xor_mask(
            <unsigned char*>PyBytes_AS_STRING(result),
            <const unsigned char*>PyBytes_AS_STRING(data),
            length,
            <const unsigned char*>PyBytes_AS_STRING(mask),
            0,
        )
        return result
    return _apply_mask_buffers(data, mask)


cdef int _get_writable(object obj, Py_buffer* view) except -1:
    """Fill ``view`` with the writable bytes of ``obj``; release it after use."""
    if PyByteArray_Check(obj):
        return PyObject_GetBuffer(obj, view, PyBUF_WRITABLE)
    if not PyMemoryView_Check(obj):
        PyErr_Format(
            TypeError,
            "expected a bytearray or a writable memoryview, %s found",
            Py_TYPE(obj).tp_name,
        )
    # Ask for the full description first: it succeeds for any live view, so
    # the checks below run in the same order as in the pure-Python twin.
    PyObject_GetBuffer(obj, view, PyBUF_FULL_RO)
    if view.readonly:
        PyBuffer_Release(view)
        raise TypeError(
            "expected a bytearray or a writable memoryview, "
            "read-only memoryview found"
        )
    # As in _get_bytes(), trust the memoryview's own flag: an empty strided
    # view is "contiguous" for PyBuffer_IsContiguous() but not for Python.
    if not PyBuffer_IsContiguous(view, b"C") or not obj.c_contiguous:
        PyBuffer_Release(view)
        raise ValueError("memoryview must be C-contiguous")
    return 0


def apply_mask_inplace(buffer, mask, Py_ssize_t offset=0):
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
    cdef Py_buffer buffer_view
    cdef Py_buffer mask_view
    if PyByteArray_CheckExact(buffer) and PyBytes_CheckExact(mask):
        if PyBytes_GET_SIZE(mask) != 4:
            raise ValueError("mask must contain 4 bytes")
        # No buffer export is needed: nothing can resize the bytearray
        # while we hold the GIL and run no Python code.
        ws_xor_mask(
            <unsigned char*>PyByteArray_AS_STRING(buffer),
            <const unsigned char*>PyByteArray_AS_STRING(buffer),
            PyByteArray_GET_SIZE(buffer),
            <const unsigned char*>PyBytes_AS_STRING(mask),
            offset,
        )
        return
    _get_writable(buffer, &buffer_view)
    try:
        _get_bytes(mask, &mask_view)
        try:
            if mask_view.len != 4:
                raise ValueError("mask must contain 4 bytes")
            ws_xor_mask(
                <unsigned char*>buffer_view.buf,
                <const unsigned char*>buffer_view.buf,
                buffer_view.len,
                <const unsigned char*>mask_view.buf,
                offset,
            )
        finally:
            PyBuffer_Release(&mask_view)
    finally:
        PyBuffer_Release(&buffer_view)


def _supported_implementations():
    """
    Return the names of the masking loops that this CPU can run.

    They're sorted from slowest to fastest; the last one is the default.

    """
    cdef int impl
    return tuple(
        ws_xor_name(impl).decode()
        for impl in range(WS_XOR_COUNT)
        if ws_xor_supported(impl)
    )


def _set_implementation(name):
    """
    Switch to the masking loop called ``name``, for tests and benchmarks.

    Raises:
        ValueError: If ``name`` isn't ``"word"``, ``"sse2"`` or ``"avx2"``.
        RuntimeError: If this CPU, or this build, can't run that loop.

    """
    global IMPLEMENTATION
    cdef int impl = ws_xor_lookup(name.encode()) if isinstance(name, str) else -1
    if impl < 0:
        raise ValueError(
            f"unknown mask implementation {name!r}: "
            f"expected 'word', 'sse2' or 'avx2'"
        )
    if ws_xor_select(impl) < 0:
        raise RuntimeError(f"this CPU doesn't support the {name} mask implementation")
    IMPLEMENTATION = name


IMPLEMENTATION = "word"
"""Name of the masking loop in use: ``"avx2"``, ``"sse2"`` or ``"word"``."""

select_implementation("mask", _supported_implementations(), _set_implementation)

# For the framing kernel: where this module stores the loop in use, so that
# both kernels run the same loop, including after _set_implementation().
_XOR_DISPATCH = PyCapsule_New(
    <void*>ws_xor_dispatch, b"websockets._speedups.mask._XOR_DISPATCH", NULL
)
