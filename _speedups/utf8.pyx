# cython: language_level=3
"""
Compiled twin of :mod:`websockets._pure.utf8`: UTF-8 validation of Text
messages (RFC 6455, section 8.1) without building a :class:`str`.

Errors are exactly those of CPython's UTF-8 decoder: same
:exc:`UnicodeDecodeError` ``start``, ``end``, ``reason`` and ``object``.
CPython reports the "maximal subpart" of an ill-formed sequence (Unicode
Standard, section 3.9, U+FFFD substitution): ``end`` is the first byte that
can't extend the sequence, checked against the ranges of RFC 3629, section
4, e.g. the second byte after E0 must be A0..BF, after ED 80..9F, after F0
90..BF and after F4 80..8F.

Three loops do the work:

* a vectorised pre-pass (AVX2, see ``_utf8_simd.h``) that skips the longest
  valid prefix when the CPU supports it;
* a scalar loop that skips ASCII 32 and 8 bytes at a time, by checking the
  high bit of 64-bit words;
* a range-checked loop over each non-ASCII character, which also locates
  errors and classifies them like CPython.

``IMPLEMENTATION`` names the pre-pass in use: ``"avx2"`` or ``"word"`` (no
pre-pass). The ``WEBSOCKETS_UTF8_IMPL`` environment variable forces one of
them; see :func:`websockets._speedups.select_implementation`. Tests and
benchmarks switch with ``_set_implementation()``.

"""

from cpython.buffer cimport (
    PyBUF_SIMPLE,
    PyBuffer_Release,
    PyObject_CheckBuffer,
    PyObject_GetBuffer,
)
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport uint64_t
from libc.string cimport memcpy

from websockets._speedups import select_implementation


__all__ = ["validate_utf8", "Utf8Validator", "IMPLEMENTATION"]


cdef extern from "_utf8_simd.h" nogil:
    int ws_utf8_avx2_supported()
    size_t ws_utf8_avx2_prefix(const unsigned char *s, size_t n)


# Outcome of scanning a buffer.
cdef enum:
    _VALID = 0
    # The buffer ends inside a character that may still turn out valid.
    _TRUNCATED = 1
    _INVALID_START = 2
    _INVALID_CONTINUATION = 3

# High bit of each byte of a 64-bit word: set if any byte isn't ASCII.
cdef uint64_t _HIGH_BITS = 0x8080808080808080ULL

# Below this size, the vectorised pre-pass doesn't pay for its setup.
cdef Py_ssize_t _SIMD_MIN_SIZE = 64

# Above this size, validation releases the GIL, so that other threads run.
cdef Py_ssize_t _NOGIL_MIN_SIZE = 65536

cdef bint _use_avx2 = False

# Pre-passes this build knows, from slowest to fastest.
_IMPLEMENTATIONS = ("word", "avx2")

IMPLEMENTATION = "word"
"""Name of the pre-pass in use: ``"avx2"`` or ``"word"`` (none)."""


def _supported_implementations():
    """
    Return the names of the pre-passes that this CPU can run.

    They're sorted from slowest to fastest; the last one is the default.

    """
    return ("word", "avx2") if ws_utf8_avx2_supported() else ("word",)


def _set_implementation(name):
    """
    Switch to the pre-pass called ``name``, for tests and benchmarks.

    Raises:
        ValueError: If ``name`` isn't ``"word"`` or ``"avx2"``.
        RuntimeError: If this CPU, or this build, can't run that pre-pass.

    """
    global _use_avx2, IMPLEMENTATION
    if name not in _IMPLEMENTATIONS:
        raise ValueError(
            f"unknown utf8 implementation {name!r}: expected 'word' or 'avx2'"
        )
    if name not in _supported_implementations():
        raise RuntimeError(
            f"this CPU doesn't support the {name} utf8 implementation"
        )
    _use_avx2 = name == "avx2"
    IMPLEMENTATION = name


select_implementation("utf8", _supported_implementations(), _set_implementation)


cdef inline int _check_char(
    const unsigned char *s,
    Py_ssize_t i,
    Py_ssize_t n,
    bint final,
    Py_ssize_t *end,
) noexcept nogil:
    """
    Check the character that starts with the non-ASCII byte ``s[i]``.

    Set ``end[0]`` to the end of the character if it's valid, to the end of
    the error if it isn't, or to ``n`` if ``s[i:n]`` is truncated.

    """
    cdef unsigned char c = s[i]
    cdef unsigned char c2
    cdef unsigned char low = 0x80
    cdef unsigned char high = 0xBF
    cdef Py_ssize_t size
    if c < 0xC2:
        # Continuation bytes can't start a character; C0 and C1 could only
        # start overlong encodings of ASCII.
        end[0] = i + 1
        return _INVALID_START
    elif c < 0xE0:
        size = 2
    elif c < 0xF0:
        size = 3
        if c == 0xE0:
            low = 0xA0  # below, it would be overlong
        elif c == 0xED:
            high = 0x9F  # above, it would be a surrogate, U+D800..U+DFFF
    elif c < 0xF5:
        size = 4
        if c == 0xF0:
            low = 0x90  # below, it would be overlong
        elif c == 0xF4:
            high = 0x8F  # above, it would be beyond U+10FFFF
    else:
        # F5..FF could only start code points beyond U+10FFFF.
        end[0] = i + 1
        return _INVALID_START

    if i + 1 >= n:
        end[0] = n
        return _TRUNCATED
    c2 = s[i + 1]
    if c2 < low or c2 > high:
        # CPython's incremental decoder keeps ED A0..BF pending when it ends
        # the input, because a surrogate is acceptable to the surrogatepass
        # error handler. Do the same to raise at the same time.
        if c == 0xED and c2 >= 0xA0 and c2 <= 0xBF and i + 2 == n and not final:
            end[0] = n
            return _TRUNCATED
        end[0] = i + 1
        return _INVALID_CONTINUATION
    if size == 2:
        end[0] = i + 2
        return _VALID

    if i + 2 >= n:
        end[0] = n
        return _TRUNCATED
    if s[i + 2] & 0xC0 != 0x80:
        end[0] = i + 2
        return _INVALID_CONTINUATION
    if size == 3:
        end[0] = i + 3
        return _VALID

    if i + 3 >= n:
        end[0] = n
        return _TRUNCATED
    if s[i + 3] & 0xC0 != 0x80:
        end[0] = i + 3
        return _INVALID_CONTINUATION
    end[0] = i + 4
    return _VALID


cdef int _scan(
    const unsigned char *s,
    Py_ssize_t i,
    Py_ssize_t n,
    bint final,
    Py_ssize_t *start,
    Py_ssize_t *end,
) noexcept nogil:
    """
    Validate ``s[i:n]``; ``s[i]`` must be the first byte of a character.

    On failure, set ``start[0]`` and ``end[0]`` to the positions of the
    error; when the result is ``_TRUNCATED``, they delimit the incomplete
    character at the end.

    """
    cdef uint64_t w0, w1, w2, w3
    cdef int status
    if _use_avx2 and n - i >= _SIMD_MIN_SIZE:
        i += <Py_ssize_t>ws_utf8_avx2_prefix(s + i, <size_t>(n - i))
    while True:
        # ASCII fast path. memcpy() makes unaligned loads portable; the
        # compiler turns it into a plain load.
        while i + 32 <= n:
            memcpy(&w0, s + i, 8)
            memcpy(&w1, s + i + 8, 8)
            memcpy(&w2, s + i + 16, 8)
            memcpy(&w3, s + i + 24, 8)
            if (w0 | w1 | w2 | w3) & _HIGH_BITS:
                break
            i += 32
        while i + 8 <= n:
            memcpy(&w0, s + i, 8)
            if w0 & _HIGH_BITS:
                break
            i += 8
        while i < n and s[i] < 0x80:
            i += 1
        if i >= n:
            return _VALID
        # Mixed run: stay here, one character at a time, until the next 8
        # bytes are ASCII. Text in most scripts puts a few ASCII spaces and
        # punctuation marks between non-ASCII words.
        while True:
            if s[i] < 0x80:
                i += 1
                if i + 8 <= n:
                    memcpy(&w0, s + i, 8)
                    if not w0 & _HIGH_BITS:
                        break
                elif i >= n:
                    return _VALID
                continue
            status = _check_char(s, i, n, final, end)
            if status != _VALID:
                start[0] = i
                return status
            i = end[0]
            if i >= n:
                return _VALID


cdef object _error(
    const unsigned char *head,
    Py_ssize_t head_size,
    const unsigned char *s,
    Py_ssize_t n,
    int status,
    Py_ssize_t start,
    Py_ssize_t end,
):
    """Build the UnicodeDecodeError for ``head[:head_size] + s[:n]``."""
    cdef bytes obj = PyBytes_FromStringAndSize(NULL, head_size + n)
    cdef char *buf = PyBytes_AS_STRING(obj)
    if head_size:
        memcpy(buf, head, head_size)
    if n:
        memcpy(buf + head_size, s, n)
    if status == _INVALID_START:
        reason = "invalid start byte"
    elif status == _INVALID_CONTINUATION:
        reason = "invalid continuation byte"
    else:
        reason = "unexpected end of data"
    return UnicodeDecodeError("utf-8", obj, start, end, reason)


cdef int _get_buffer(object data, Py_buffer *view) except -1:
    """Get a contiguous buffer on ``data``, copying it if needed."""
    if not PyObject_CheckBuffer(data):
        raise TypeError(
            f"a bytes-like object is required, not '{type(data).__name__}'"
        )
    try:
        PyObject_GetBuffer(data, view, PyBUF_SIMPLE)
    except BufferError:
        # Non-contiguous memoryview: validate a contiguous copy.
        data = memoryview(data).tobytes()
        PyObject_GetBuffer(data, view, PyBUF_SIMPLE)
    return 0


cdef inline int _scan_maybe_nogil(
    const unsigned char *s,
    Py_ssize_t i,
    Py_ssize_t n,
    bint final,
    Py_ssize_t *start,
    Py_ssize_t *end,
) noexcept:
    cdef int status
    if n - i >= _NOGIL_MIN_SIZE:
        # The buffer export prevents resizing a bytearray meanwhile.
        with nogil:
            status = _scan(s, i, n, final, start, end)
        return status
    return _scan(s, i, n, final, start, end)


def validate_utf8(data):
    """
    Check that ``data`` is valid UTF-8.

    Args:
        data: Bytes-like object; non-contiguous memoryviews are copied.

    Raises:
        UnicodeDecodeError: Exactly as ``bytes(data).decode("utf-8")``.
        TypeError: If ``data`` isn't a bytes-like object.

    """
    cdef Py_buffer view
    cdef Py_ssize_t start = 0, end = 0
    cdef int status
    _get_buffer(data, &view)
    try:
        status = _scan_maybe_nogil(
            <const unsigned char *>view.buf, 0, view.len, True, &start, &end
        )
        if status != _VALID:
            raise _error(
                NULL,
                0,
                <const unsigned char *>view.buf,
                view.len,
                status,
                start,
                end,
            )
    finally:
        PyBuffer_Release(&view)


cdef class Utf8Validator:
    """
    Incremental UTF-8 validator for Text messages received in fragments.

    It raises the same :exc:`UnicodeDecodeError`, in the same call, as the
    :meth:`~codecs.IncrementalDecoder.decode` method of
    ``codecs.getincrementaldecoder("utf-8")()``. It keeps at most three
    bytes: the start of a character split across fragments.

    After an error, it's left in the state it had before the failing call,
    like the incremental decoder.

    """

    cdef unsigned char _pending[4]
    cdef Py_ssize_t _pending_size

    def __cinit__(self):
        self._pending_size = 0

    def reset(self):
        """Forget pending bytes, to validate a new message."""
        self._pending_size = 0

    def feed(self, data, bint final=False):
        """
        Validate the next fragment of a message.

        Args:
            data: Bytes-like object; non-contiguous memoryviews are copied.
            final: Whether this is the last fragment of the message.

        Raises:
            UnicodeDecodeError: Like the incremental decoder; ``object``
                is the pending bytes followed by ``data``.
            TypeError: If ``data`` isn't a bytes-like object.

        """
        cdef Py_buffer view
        cdef const unsigned char *s
        cdef Py_ssize_t n, start = 0, end = 0, offset = 0, tail
        cdef Py_ssize_t head_size = self._pending_size
        cdef unsigned char head[8]
        cdef int status
        _get_buffer(data, &view)
        try:
            s = <const unsigned char *>view.buf
            n = view.len
            if head_size:
                # Complete the pending character with at most 4 bytes in
                # total, enough to decide on any character.
                tail = min(n, 4 - head_size)
                memcpy(head, self._pending, head_size)
                memcpy(head + head_size, s, tail)
                status = _check_char(head, 0, head_size + tail, final, &end)
                if status == _TRUNCATED:
                    # tail == n: data didn't complete the character.
                    if final:
                        raise _error(head, head_size, s, n, status, 0, end)
                    memcpy(self._pending + head_size, s, n)
                    self._pending_size = head_size + n
                    return
                if status != _VALID:
                    raise _error(head, head_size, s, n, status, 0, end)
                offset = end - head_size

            status = _scan_maybe_nogil(s, offset, n, final, &start, &end)
            if status == _VALID:
                self._pending_size = 0
            elif status == _TRUNCATED and not final:
                memcpy(self._pending, s + start, n - start)
                self._pending_size = n - start
            else:
                raise _error(
                    head,
                    head_size,
                    s,
                    n,
                    status,
                    head_size + start,
                    head_size + end,
                )
        finally:
            PyBuffer_Release(&view)
