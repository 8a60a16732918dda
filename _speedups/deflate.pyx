# cython: language_level=3
"""
Compiled twin of :mod:`websockets._pure.deflate`: permessage-deflate
(RFC 7692) compression, one call per frame, on zlib's C API.

It behaves exactly like the pure twin, which documents the contract: same
compressed bytes (the same zlib calls with the same parameters: raw deflate,
``deflate(Z_NO_FLUSH)`` then ``deflate(Z_SYNC_FLUSH)``, as CPython's
:mod:`zlib` does), same return values, same exceptions and messages. What it
saves is the Python object churn around zlib, which is most of the cost of
small messages:

* one call per frame instead of two (``compress`` and ``flush``) plus a
  concatenation; the output goes straight into the ``bytes`` returned,
  sized with ``deflateBound()``, and the trailing ``00 00 ff ff`` is dropped
  by shrinking it, not by slicing;
* the decompressor inflates the payload and then the four octets of the
  tail from a static buffer, instead of concatenating them first;
* without context takeover, ``deflateReset()`` and ``inflateReset()`` reuse
  the zlib state instead of allocating a new one for each message.

When :mod:`websockets._deflate_impl` chose zlib-ng, both classes drive
zlib-ng's Python objects instead, exactly as the pure twin does: the
``zlib-ng`` wheel doesn't export its C functions, and zlib-ng's speed on
messages of a few kilobytes outweighs the Python calls around it.

"""

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.object cimport PyObject
from cpython.pyport cimport PY_SSIZE_T_MAX
from libc.string cimport memset

import zlib as _zlib

from websockets._deflate_impl import IMPL as _IMPL, ZLIB as _ZLIB
from websockets.exceptions import PayloadTooBig, ProtocolError


__all__ = [
    "Compressor",
    "Decompressor",
    "worth_compressing",
    "SAMPLE_SIZE",
    "INCOMPRESSIBLE_DISTINCT_BYTES",
]


cdef extern from "zlib.h" nogil:
    ctypedef struct z_stream:
        unsigned char *next_in
        unsigned int avail_in
        unsigned char *next_out
        unsigned int avail_out
        const char *msg
    int Z_OK, Z_STREAM_END, Z_BUF_ERROR, Z_STREAM_ERROR, Z_DATA_ERROR
    int Z_MEM_ERROR, Z_NEED_DICT
    int Z_NO_FLUSH, Z_SYNC_FLUSH
    int Z_DEFLATED, Z_DEFAULT_STRATEGY, Z_DEFAULT_COMPRESSION
    int deflateInit2(z_stream *strm, int level, int method, int windowBits,
                     int memLevel, int strategy)
    int deflate(z_stream *strm, int flush)
    int deflateReset(z_stream *strm)
    int deflateEnd(z_stream *strm)
    unsigned long deflateBound(z_stream *strm, unsigned long sourceLen)
    int inflateInit2(z_stream *strm, int windowBits)
    int inflate(z_stream *strm, int flush)
    int inflateReset(z_stream *strm)
    int inflateEnd(z_stream *strm)


# Output buffers are bytes objects handled through raw pointers, without
# Cython's reference counting, so that _PyBytes_Resize() can grow and shrink
# them in place (it requires the only reference).
cdef extern from "Python.h":
    PyObject *_bytes_new "PyBytes_FromStringAndSize"(const char *v, Py_ssize_t n)
    char *_bytes_data "PyBytes_AS_STRING"(PyObject *o)
    Py_ssize_t _bytes_size "PyBytes_GET_SIZE"(PyObject *o)
    int _PyBytes_Resize(PyObject **bytes, Py_ssize_t newsize)
    void Py_XDECREF(PyObject *o)
    void Py_DECREF(PyObject *o)


cdef int _resize(PyObject **out, Py_ssize_t size) except -1:
    # On failure, _PyBytes_Resize() frees the object and sets *out to NULL.
    if _PyBytes_Resize(out, size) < 0:
        raise MemoryError()
    return 0


cdef object _steal(PyObject **out):
    """Return the bytes at ``*out`` as an object, taking over the reference."""
    result = <object>out[0]
    Py_DECREF(out[0])
    out[0] = NULL
    return result


SAMPLE_SIZE = 1024
INCOMPRESSIBLE_DISTINCT_BYTES = 240

cdef Py_ssize_t _SAMPLE_SIZE = SAMPLE_SIZE
cdef int _INCOMPRESSIBLE_DISTINCT_BYTES = INCOMPRESSIBLE_DISTINCT_BYTES

# RFC 7692 §7.2.2: the end of the empty stored block, restored by receivers.
cdef const unsigned char *_TAIL = b"\x00\x00\xff\xff"

# Whether to drive zlib-ng's Python objects instead of zlib's C API.
cdef bint _USE_NG = _IMPL == "zlib-ng"

# zlib counts sizes in unsigned int; feed it at most this much at a time.
cdef Py_ssize_t _CHUNK = 1 << 30


def worth_compressing(data, Py_ssize_t threshold, bint sample=True):
    """Tell whether a whole outgoing message should be sent compressed."""
    cdef Py_buffer view
    cdef Py_ssize_t size, half, middle, i
    cdef const unsigned char *p
    cdef unsigned char seen[256]
    cdef int distinct = 0
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        size = view.len
        if size < threshold:
            return False
        if size < _SAMPLE_SIZE or not sample:
            return True
        p = <const unsigned char *>view.buf
        half = _SAMPLE_SIZE // 2
        middle = size // 2
        memset(seen, 0, 256)
        for i in range(half):
            seen[p[i]] = 1
        for i in range(middle, middle + half):
            seen[p[i]] = 1
        for i in range(256):
            distinct += seen[i]
        return distinct <= _INCOMPRESSIBLE_DISTINCT_BYTES
    finally:
        PyBuffer_Release(&view)


cdef object _zlib_error(z_stream *strm, int err, str action):
    """Build the :exc:`zlib.error` that CPython's zlib module would raise."""
    cdef const char *zmsg = strm.msg
    if zmsg == NULL:
        if err == Z_BUF_ERROR:
            zmsg = "incomplete or truncated stream"
        elif err == Z_STREAM_ERROR:
            zmsg = "inconsistent stream state"
        elif err == Z_DATA_ERROR:
            zmsg = "invalid input data"
    if zmsg == NULL:
        return _zlib.error(f"Error {err} while {action}")
    detail = (<bytes>zmsg)[:200].decode("latin-1")
    return _zlib.error(f"Error {err} while {action}: {detail}")


cdef class Compressor:
    """Compress the frames of outgoing messages."""

    cdef z_stream _strm
    cdef bint _initialized
    # zlib runs without the GIL: this flag turns concurrent calls from
    # several threads, which would corrupt the stream, into an exception.
    cdef bint _busy
    cdef int wbits
    cdef bint no_context_takeover
    # With zlib-ng: its compressobj and the arguments to make a new one.
    cdef object _ng
    cdef tuple _settings

    def __cinit__(self):
        memset(&self._strm, 0, sizeof(z_stream))
        self._initialized = False

    def __init__(
        self,
        int wbits,
        bint no_context_takeover=False,
        int level=-1,
        int method=Z_DEFLATED,
        int memLevel=8,
        int strategy=Z_DEFAULT_STRATEGY,
    ):
        if not 9 <= wbits <= 15:
            raise ValueError("wbits must be between 9 and 15")
        if self._initialized:
            deflateEnd(&self._strm)
            self._initialized = False
        self.wbits = wbits
        self.no_context_takeover = no_context_takeover
        if _USE_NG:
            self._settings = (level, method, -wbits, memLevel, strategy)
            self._ng = _ZLIB.compressobj(*self._settings)
            return
        err = deflateInit2(&self._strm, level, method, -wbits, memLevel, strategy)
        if err == Z_MEM_ERROR:
            raise MemoryError()
        if err != Z_OK:
            raise ValueError("Invalid initialization option")
        self._initialized = True

    def __dealloc__(self):
        if self._initialized:
            deflateEnd(&self._strm)

    cdef int _deflate(self, PyObject **out, Py_ssize_t *used, int flush) except -1:
        """Run deflate() until it leaves room in the output, growing it."""
        cdef int err
        cdef Py_ssize_t size
        while True:
            size = _bytes_size(out[0])
            if size - used[0] > _CHUNK:
                size = used[0] + _CHUNK
            self._strm.next_out = <unsigned char *>_bytes_data(out[0]) + used[0]
            self._strm.avail_out = <unsigned int>(size - used[0])
            with nogil:
                err = deflate(&self._strm, flush)
            used[0] = size - self._strm.avail_out
            if err != Z_OK and err != Z_BUF_ERROR:  # pragma: no cover
                raise _zlib_error(&self._strm, err, "compressing data")
            if self._strm.avail_out != 0:
                return 0
            # Full output: zlib may have more; grow the output and go on.
            if used[0] == _bytes_size(out[0]):
                _resize(out, used[0] * 2 + 64)

    def compress(self, data, bint fin):
        """Compress one frame."""
        cdef Py_buffer view
        cdef Py_ssize_t used = 0, offset = 0, chunk
        cdef PyObject *out = NULL
        if self._busy:
            raise RuntimeError("Compressor is already in use by another thread")
        if self._ng is not None:
            self._busy = True
            try:
                return self._compress_ng(data, fin)
            finally:
                self._busy = False
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        self._busy = True
        try:
            # The bound covers a whole stream; a sync flush adds at most an
            # empty stored block and the bits pending from earlier frames.
            out = _bytes_new(
                NULL, deflateBound(&self._strm, <unsigned long>view.len) + 16
            )
            if out == NULL:
                raise MemoryError()
            # Two calls, like zlib.compressobj's compress() then flush():
            # deflate(Z_NO_FLUSH) on the input then deflate(Z_SYNC_FLUSH).
            # The first one also makes zlib accept a sync flush right after
            # another one (empty messages), as it does for CPython's zlib.
            while True:
                chunk = min(view.len - offset, _CHUNK)
                self._strm.next_in = <unsigned char *>view.buf + offset
                self._strm.avail_in = <unsigned int>chunk
                self._deflate(&out, &used, Z_NO_FLUSH)
                offset += chunk - self._strm.avail_in
                if offset >= view.len:
                    break
            self._strm.next_in = NULL
            self._strm.avail_in = 0
            self._deflate(&out, &used, Z_SYNC_FLUSH)
            if fin:
                # A sync flush always ends with the empty stored block.
                used -= 4
                if self.no_context_takeover:
                    deflateReset(&self._strm)
            if used != _bytes_size(out):
                _resize(&out, used)
            return _steal(&out)
        finally:
            self._busy = False
            PyBuffer_Release(&view)
            Py_XDECREF(out)

    cdef bytes _compress_ng(self, data, bint fin):
        """Compress one frame with zlib-ng, like the pure twin."""
        encoder = self._ng
        compressed = encoder.compress(data)
        flushed = encoder.flush(_ZLIB.Z_SYNC_FLUSH)
        if fin:
            # A sync flush always ends with the empty stored block.
            flushed = flushed[: len(flushed) - 4]
            if self.no_context_takeover:
                self._ng = _ZLIB.compressobj(*self._settings)
        return compressed + flushed if compressed else flushed


cdef class Decompressor:
    """Decompress the frames of incoming messages."""

    cdef z_stream _strm
    cdef bint _initialized
    cdef bint _busy
    cdef int wbits
    cdef bint no_context_takeover
    # With zlib-ng: its decompressobj.
    cdef object _ng

    def __cinit__(self):
        memset(&self._strm, 0, sizeof(z_stream))
        self._initialized = False

    def __init__(self, int wbits, bint no_context_takeover=False):
        if not 8 <= wbits <= 15:
            raise ValueError("wbits must be between 8 and 15")
        if self._initialized:
            inflateEnd(&self._strm)
            self._initialized = False
        self.wbits = wbits
        self.no_context_takeover = no_context_takeover
        if _USE_NG:
            self._ng = _ZLIB.decompressobj(wbits=-wbits)
            return
        err = inflateInit2(&self._strm, -wbits)
        if err == Z_MEM_ERROR:
            raise MemoryError()
        if err != Z_OK:  # pragma: no cover (wbits is checked above)
            raise ValueError("invalid decompression settings")
        self._initialized = True

    def __dealloc__(self):
        if self._initialized:
            inflateEnd(&self._strm)

    cdef int _inflate(
        self,
        const unsigned char *data,
        Py_ssize_t length,
        PyObject **out,
        Py_ssize_t *used,
        Py_ssize_t limit,
    ) except -1:
        """
        Inflate ``length`` bytes into ``*out``, growing it up to ``limit``.

        Return 1 when the output reached ``limit``, 0 otherwise.

        """
        cdef int err
        cdef Py_ssize_t size, chunk, consumed
        while True:
            chunk = min(length, _CHUNK)
            size = _bytes_size(out[0])
            if size - used[0] > _CHUNK:
                size = used[0] + _CHUNK
            self._strm.next_in = <unsigned char *>data
            self._strm.avail_in = <unsigned int>chunk
            self._strm.next_out = <unsigned char *>_bytes_data(out[0]) + used[0]
            self._strm.avail_out = <unsigned int>(size - used[0])
            with nogil:
                err = inflate(&self._strm, Z_SYNC_FLUSH)
            used[0] = size - self._strm.avail_out
            consumed = chunk - self._strm.avail_in
            data += consumed
            length -= consumed
            if err == Z_STREAM_END:
                # Like CPython's zlib: the end of the deflate stream ends the
                # output; what follows is ignored, here and in later frames.
                return 0
            if err != Z_OK and err != Z_BUF_ERROR:
                if err == Z_NEED_DICT:  # pragma: no cover (raw deflate)
                    err = Z_DATA_ERROR
                raise _zlib_error(&self._strm, err, "decompressing data")
            if self._strm.avail_out != 0:
                # zlib stopped with room left: it needs more input.
                if length == 0 or err == Z_BUF_ERROR:
                    return 0
                continue
            # The output is full.
            if used[0] >= limit:
                return 1
            if used[0] == _bytes_size(out[0]):
                _resize(out, min(used[0] * 2 + 1024, limit))

    def decompress(self, data, bint fin, max_size):
        """Decompress one frame."""
        cdef Py_buffer view
        cdef Py_ssize_t used = 0, limit
        cdef int full
        cdef PyObject *out = NULL
        # Asking for one byte more than the limit tells "exactly max_size"
        # from "more than max_size", as in the pure twin.
        if max_size is None:
            limit = PY_SSIZE_T_MAX
        else:
            limit = <Py_ssize_t>max_size + 1
        if self._busy:
            raise RuntimeError("Decompressor is already in use by another thread")
        if self._ng is not None:
            self._busy = True
            try:
                return self._decompress_ng(data, fin, max_size)
            finally:
                self._busy = False
        PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
        self._busy = True
        try:
            # Text compresses about 4:1; the output grows when needed.
            out = _bytes_new(NULL, min(view.len * 4 + 64, limit))
            if out == NULL:
                raise MemoryError()
            try:
                full = self._inflate(
                    <const unsigned char *>view.buf, view.len, &out, &used, limit
                )
                if not full and fin:
                    # RFC 7692 §7.2.2: restore the end of the empty stored block.
                    full = self._inflate(_TAIL, 4, &out, &used, limit)
            except _zlib.error as exc:
                raise ProtocolError("decompression failed") from exc
            if full:
                raise PayloadTooBig(None, max_size)
            if fin and self.no_context_takeover:
                inflateReset(&self._strm)
            if used != _bytes_size(out):
                _resize(&out, used)
            return _steal(&out)
        finally:
            self._busy = False
            PyBuffer_Release(&view)
            Py_XDECREF(out)

    cdef bytes _decompress_ng(self, data, bint fin, max_size):
        """Decompress one frame with zlib-ng, like the pure twin."""
        decoder = self._ng
        if fin:
            # RFC 7692 §7.2.2: restore the end of the empty stored block.
            data = b"".join((data, b"\x00\x00\xff\xff"))
        try:
            if max_size is None:
                result = decoder.decompress(data)
            else:
                result = decoder.decompress(data, max_size + 1)
        except _ZLIB.error as exc:
            raise ProtocolError("decompression failed") from exc
        if max_size is not None and len(result) > max_size:
            raise PayloadTooBig(None, max_size)
        if fin and self.no_context_takeover:
            self._ng = _ZLIB.decompressobj(wbits=-self.wbits)
        return result
